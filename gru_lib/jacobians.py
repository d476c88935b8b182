"""One-step state Jacobians ∂s_t/∂s_{t-1} in closed form (NumPy), for RNN, GRU and LSTM.

Backpropagation through time multiplies the loss gradient by the transpose of these matrices once
per step, so their products over many steps decide whether gradients vanish or explode. Each
function takes the same arguments as its step in ``gru_lib.numpy.cells`` (the input projection
``gi = x W_ih^T + b_ih`` and the previous state), runs that step to get the gates, and returns one
Jacobian per sequence of the batch, ``J[k, i, j] = ∂s_i/∂s_prev_j`` for sequence k.

``diag(v) W`` is written ``v[:, :, None] * W``: row i of W scaled by v_i.
"""

import numpy as np

from . import _checks
from .numpy import cells


def _check_step(gi, h_prev, weight_hh, gates):
    N, H = h_prev.shape
    _checks.check_state("gi", gi.shape, (N, gates * H))
    _checks.check_state("weight_hh", weight_hh.shape, (gates * H, H))


def rnn_state_jacobian(gi, h_prev, weight_hh, bias_hh, nonlinearity="tanh"):
    """gi (N, H), h_prev (N, H), weight_hh (H, H) -> ∂h/∂h_prev (N, H, H).

        ∂h/∂h_prev = diag(act'(a)) W_hh,   act' = 1 − h² (tanh) or [a > 0] (ReLU)
    """
    _check_step(gi, h_prev, weight_hh, 1)
    h, _ = cells.rnn_cell_forward(gi, h_prev, weight_hh, bias_hh, nonlinearity)
    d_act = 1 - h * h if nonlinearity == "tanh" else (h > 0).astype(h.dtype)
    return d_act[:, :, None] * weight_hh


def gru_state_jacobian(gi, h_prev, weight_hh, bias_hh, reset="after"):
    """gi (N, 3H), h_prev (N, H), weight_hh (3H, H) -> ∂h/∂h_prev (N, H, H).

    With D_n = diag((1 − z)(1 − n²)) and hn the candidate's recurrent term (see the cell):

        ∂h/∂h_prev = diag(z) + diag((h_prev − n) z(1 − z)) W_hz + D_n ∂a_n/∂h_prev
        reset="after":  ∂a_n/∂h_prev = diag(r) W_hn + diag(hn r(1 − r)) W_hr
        reset="before": ∂a_n/∂h_prev = W_hn [diag(r) + diag(h_prev r(1 − r)) W_hr]
    """
    _checks.check_option("reset", reset, _checks.RESETS)
    _check_step(gi, h_prev, weight_hh, 3)
    H = h_prev.shape[-1]
    W_hr, W_hz, W_hn = weight_hh[:H], weight_hh[H:2 * H], weight_hh[2 * H:]
    _, (_, r, z, n, hn) = cells.gru_cell_forward(gi, h_prev, weight_hh, bias_hh, reset)
    d_r = r * (1 - r)                                          # σ' at r's pre-activation
    if reset == "after":
        d_a_n = r[:, :, None] * W_hn + (hn * d_r)[:, :, None] * W_hr
    else:
        d_rh = r[:, :, None] * np.eye(H) + (h_prev * d_r)[:, :, None] * W_hr   # ∂(r ⊙ h_prev)
        d_a_n = W_hn @ d_rh                                    # (N, H, H)
    return (z[:, :, None] * np.eye(H)                          # the additive path, diag(z)
            + ((h_prev - n) * z * (1 - z))[:, :, None] * W_hz
            + ((1 - z) * (1 - n * n))[:, :, None] * d_a_n)


def lstm_state_jacobian(gi, h_prev, c_prev, weight_hh, bias_hh):
    """gi (N, 4H), h_prev and c_prev (N, H), weight_hh (4H, H) -> J (N, 2H, 2H).

    J = ∂[h; c]/∂[h_prev; c_prev], the state being the concatenation [h; c]. Its blocks are

        ∂c/∂h_prev = diag(c_prev f(1 − f)) W_hf + diag(g i(1 − i)) W_hi + diag(i(1 − g²)) W_hg
        ∂c/∂c_prev = diag(f)                        (the LSTM's additive path)
        ∂h/∂h_prev = diag(tanh(c) o(1 − o)) W_ho + diag(o(1 − tanh²(c))) ∂c/∂h_prev
        ∂h/∂c_prev = diag(o(1 − tanh²(c)) f)
    """
    _check_step(gi, h_prev, weight_hh, 4)
    _checks.check_state("c_prev", c_prev.shape, h_prev.shape)
    H = h_prev.shape[-1]
    W_hi, W_hf, W_hg, W_ho = (weight_hh[k * H:(k + 1) * H] for k in range(4))
    _, _, (_, _, i, f, g, o, tanh_c) = cells.lstm_cell_forward(gi, h_prev, c_prev, weight_hh,
                                                               bias_hh)
    dc_dh = ((c_prev * f * (1 - f))[:, :, None] * W_hf + (g * i * (1 - i))[:, :, None] * W_hi
             + (i * (1 - g * g))[:, :, None] * W_hg)
    dc_dc = f[:, :, None] * np.eye(H)
    d_tanh = (o * (1 - tanh_c * tanh_c))[:, :, None]           # ∂h/∂c, as a row scaling
    dh_dh = (tanh_c * o * (1 - o))[:, :, None] * W_ho + d_tanh * dc_dh
    dh_dc = d_tanh * dc_dc
    return np.concatenate([np.concatenate([dh_dh, dh_dc], axis=2),
                           np.concatenate([dc_dh, dc_dc], axis=2)], axis=1)


def state_jacobians(module, x, hx=None):
    """Every step's Jacobian along one sequence of a one-layer, one-direction gru_lib.numpy layer.

    x (L, H_in) (one unbatched sequence), hx (1, H) or for LSTM a tuple of two, zeros if None.
    Returns J (L, S, S) with J[t] = ∂s_t/∂s_{t-1} (t counted from 0), S = H, or 2H for the LSTM
    state [h; c]. Their product J[t] ⋯ J[k] is ∂s_t/∂s_{k-1}.
    """
    if module.num_layers != 1 or module.bidirectional:
        raise ValueError(f"expected a one-layer, one-direction layer, got num_layers="
                         f"{module.num_layers}, bidirectional={module.bidirectional}")
    if x.ndim != 2:
        raise ValueError(f"expected one unbatched sequence (L, H_in), got shape {x.shape}")
    _, h_n = module(x, hx)                                     # checks x and hx
    (_, step_caches), = module._cache[0]                      # each step's cache starts with h_prev
    p = dict(module.named_parameters())
    w_hh, b_hh = p["weight_hh_l0"], p.get("bias_hh_l0")
    gi = x @ p["weight_ih_l0"].T + (p["bias_ih_l0"] if module.bias else 0)    # (L, G*H)
    steps = []
    for t, cache in enumerate(step_caches):
        if isinstance(h_n, tuple):                             # LSTM: cache starts (h_prev, c_prev)
            steps.append(lstm_state_jacobian(gi[t:t + 1], cache[0], cache[1], w_hh, b_hh))
        elif module.gates == 3:
            steps.append(gru_state_jacobian(gi[t:t + 1], cache[0], w_hh, b_hh, module.reset))
        else:
            steps.append(rnn_state_jacobian(gi[t:t + 1], cache[0], w_hh, b_hh,
                                            module.nonlinearity))
    return np.concatenate(steps)
