"""Weight layouts and the converters between them.

PyTorch (``torch.nn.GRU``, and both gru_lib backends), per layer and direction::

    weight_ih (3H, H_in) rows [W_ir; W_iz; W_in]     bias_ih (3H,) [b_ir; b_iz; b_in]
    weight_hh (3H, H)    rows [W_hr; W_hz; W_hn]     bias_hh (3H,) [b_hr; b_hz; b_hn]
    h' = (1 − z) ⊙ n + z ⊙ h

Keras 3 (``keras.layers.GRU``), ``layer.get_weights()`` returns ``[kernel, recurrent_kernel, bias]``::

    kernel (H_in, 3H) columns [z | r | h]     recurrent_kernel (H, 3H) columns [z | r | h]
    bias (2, 3H) with reset_after=True: row 0 input bias, row 1 recurrent bias
    bias (3H,)   with reset_after=False: one bias (the candidate's biases simply add)
    h' = z ⊙ h + (1 − z) ⊙ h~        (the same update as PyTorch)

So a Keras GRU is a PyTorch GRU with the r and z blocks swapped and the matrices transposed:
reset_after=True is gru_lib's ``reset="after"``, reset_after=False is ``reset="before"``.
LSTM gate order is [i, f, g(c), o] in both; Keras has one bias (4H,), PyTorch two.

Chung et al. (2014) and Bahdanau et al. write ``h' = (1 − u) ⊙ h + u ⊙ h~``: their u is 1 − z.
Since 1 − σ(a) = σ(−a), negating the z rows of every weight and bias converts exactly
(``flip_update_gate``).
"""

import numpy as np


def _to_numpy(a):
    return np.asarray(a.detach().cpu().numpy() if hasattr(a, "detach") else a)


def _rz_swap(a, H):
    """Swap the first two blocks of size H along axis 0: [r; z; n] <-> [z; r; n]."""
    return np.concatenate([a[H:2 * H], a[:H], a[2 * H:]], axis=0)


def gru_torch_to_keras(state_dict, suffix="_l0", reset_after=True):
    """PyTorch GRU parameters (one layer and direction) -> Keras ``[kernel, recurrent_kernel, bias]``.

    With ``reset_after=False`` (reset-before model) the two biases are summed into one.
    """
    w_ih, w_hh = (_to_numpy(state_dict[k + suffix]) for k in ("weight_ih", "weight_hh"))
    H = w_hh.shape[1]
    b_ih, b_hh = (_to_numpy(state_dict[k + suffix]) if k + suffix in state_dict
                  else np.zeros(3 * H, w_ih.dtype) for k in ("bias_ih", "bias_hh"))
    kernel, recurrent = _rz_swap(w_ih, H).T, _rz_swap(w_hh, H).T
    bias = np.stack([_rz_swap(b_ih, H), _rz_swap(b_hh, H)]) if reset_after \
        else _rz_swap(b_ih + b_hh, H)
    return [kernel.copy(), recurrent.copy(), bias]


def gru_keras_to_torch(weights, suffix="_l0"):
    """Keras ``[kernel, recurrent_kernel, bias]`` -> PyTorch GRU parameters (a dict of arrays).

    A single Keras bias (reset_after=False) goes to ``bias_ih``; ``bias_hh`` is then zero.
    """
    kernel, recurrent, bias = (_to_numpy(w) for w in weights)
    H = recurrent.shape[0]
    b_ih, b_hh = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros_like(bias))
    return {"weight_ih" + suffix: _rz_swap(kernel.T, H).copy(),
            "weight_hh" + suffix: _rz_swap(recurrent.T, H).copy(),
            "bias_ih" + suffix: _rz_swap(b_ih, H), "bias_hh" + suffix: _rz_swap(b_hh, H)}


def lstm_torch_to_keras(state_dict, suffix="_l0"):
    """PyTorch LSTM parameters -> Keras ``[kernel, recurrent_kernel, bias]`` (biases summed)."""
    w_ih, w_hh, b_ih, b_hh = (_to_numpy(state_dict[k + suffix])
                              for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    return [w_ih.T.copy(), w_hh.T.copy(), b_ih + b_hh]


def lstm_keras_to_torch(weights, suffix="_l0"):
    """Keras ``[kernel, recurrent_kernel, bias]`` -> PyTorch LSTM parameters (bias_hh zero)."""
    kernel, recurrent, bias = (_to_numpy(w) for w in weights)
    return {"weight_ih" + suffix: kernel.T.copy(), "weight_hh" + suffix: recurrent.T.copy(),
            "bias_ih" + suffix: bias.copy(), "bias_hh" + suffix: np.zeros_like(bias)}


def flip_update_gate(state_dict):
    """Convert GRU parameters between h' = (1 − z) n + z h and h' = z n + (1 − z) h.

    Negates the z block (rows H:2H) of every weight and bias, since σ(−a) = 1 − σ(a). Works on
    every layer and direction; applying it twice gives the original parameters back.
    """
    out = {}
    for name, value in state_dict.items():
        a = _to_numpy(value).copy()
        H = a.shape[0] // 3
        a[H:2 * H] *= -1
        out[name] = a
    return out
