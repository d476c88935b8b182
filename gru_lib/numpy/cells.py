"""One time step of each recurrent cell, forward and backward side by side (NumPy).

Every step function receives the *input projection* ``gi = x W_ih^T + b_ih`` already computed (the
layers compute it for all time steps in one matrix product) and the previous state. The forward
returns the new state and a cache holding exactly what the backward reads. The backward receives
the gradient of the loss with respect to the new state and returns the gradient with respect to
``gi`` and to the previous state. It also adds the gradients of ``weight_hh`` and ``bias_hh`` into
``grads`` (``+=``), through the cell's ``*_weight_grads`` function, unless ``grads`` is None: then
the caller does it. The layers do, once for all time steps, as they do for the input projection:
one ``(G·H × T·N)`` by ``(T·N × H)`` product instead of ``T`` small ones.

Shapes: N batch, H hidden size; gate blocks are stacked along the last axis in PyTorch's order:
GRU ``[r | z | n]``, LSTM ``[i | f | g | o]``.

The GRU step (``gru_cell_forward``), with ``gi = [W_ir x + b_ir | W_iz x + b_iz | W_in x + b_in]``::

    r  = σ(W_ir x + b_ir + W_hr h_prev + b_hr)                 reset gate, (N, H)
    z  = σ(W_iz x + b_iz + W_hz h_prev + b_hz)                 update gate, (N, H)
    n  = tanh(W_in x + b_in + r ⊙ (W_hn h_prev + b_hn))        candidate, reset="after"
    n  = tanh(W_in x + b_in + W_hn (r ⊙ h_prev) + b_hn)        candidate, reset="before"
    h  = (1 − z) ⊙ n + z ⊙ h_prev                              new state, (N, H)
"""

import numpy as np


def sigmoid(a):
    """Logistic function σ(a) = (1 + tanh(a/2)) / 2, written with tanh so that it never overflows.

    The four operations run in place in one new array: the same bits as
    ``0.5 * (1.0 + np.tanh(0.5 * a))`` without its three temporary arrays. A scalar gives a scalar.
    """
    s = np.multiply(0.5, a, out=np.empty(np.shape(a), np.result_type(a, 0.5)))
    np.tanh(s, out=s)
    s += 1.0
    s *= 0.5
    return s[()]                      # the array, or its number when the input was a scalar


# --------------------------------------------------------------------------------------------
# Vanilla RNN:  h = act(W_ih x + b_ih + W_hh h_prev + b_hh)

def rnn_cell_forward(gi, h_prev, weight_hh, bias_hh, nonlinearity="tanh"):
    """gi (N, H), h_prev (N, H), weight_hh (H, H), bias_hh (H,) or None -> h (N, H), cache."""
    a = gi + h_prev @ weight_hh.T                              # (N, H)
    if bias_hh is not None:
        a += bias_hh
    h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
    return h, (h_prev, h)


def rnn_cell_backward(d_h, cache, weight_hh, grads, nonlinearity="tanh"):
    """d_h (N, H) -> d_gi (N, H), d_h_prev (N, H); adds grads of weight_hh, bias_hh (or None)."""
    h_prev, h = cache
    d_a = d_h * (1 - h * h) if nonlinearity == "tanh" else d_h * (h > 0)
    if grads is not None:
        recurrent_weight_grads(d_a, h_prev, grads)
    return d_a, d_a @ weight_hh


def recurrent_weight_grads(d_gh, h_prev, grads):
    """Adds ∂L/∂weight_hh = Σ d_gh^T h_prev and ∂L/∂bias_hh = Σ d_gh into grads.

    d_gh (..., N, G·H) is the gradient at ``gh = h_prev W_hh^T + b_hh`` and h_prev (..., N, H) the
    state it multiplied: one step, or T steps stacked in front, summed in one matrix product.
    """
    d_gh2 = d_gh.reshape(-1, d_gh.shape[-1])                   # (T·N, G·H)
    grads["weight_hh"] += d_gh2.T @ h_prev.reshape(-1, h_prev.shape[-1])    # (G·H, H)
    if "bias_hh" in grads:
        grads["bias_hh"] += d_gh2.sum(axis=0)


# --------------------------------------------------------------------------------------------
# GRU (the equations are in the module docstring): reset="after" is PyTorch's, cuDNN's and
# Keras's reset_after=True; reset="before" is Cho et al. 2014's, Keras reset_after=False, d2l.ai.

def gru_cell_forward(gi, h_prev, weight_hh, bias_hh, reset="after"):
    """gi (N, 3H), h_prev (N, H), weight_hh (3H, H), bias_hh (3H,) or None -> h (N, H), cache.

    The cache is ``(h_prev, r, z, n, hn)`` where ``hn`` is the recurrent term of the candidate:
    ``W_hn h_prev + b_hn`` (reset after) or ``W_hn (r ⊙ h_prev) + b_hn`` (reset before);
    r and z are the two halves of one (N, 2H) array, from one sigmoid call.
    """
    H = h_prev.shape[-1]
    if reset == "after":
        gh = h_prev @ weight_hh.T                              # (N, 3H)
        if bias_hh is not None:
            gh += bias_hh
        rz = sigmoid(gi[:, :2 * H] + gh[:, :2 * H])            # r and z in one call, (N, 2H)
        r, z = rz[:, :H], rz[:, H:]
        hn = gh[:, 2 * H:]                                     # (N, H)
        a_n = gi[:, 2 * H:] + r * hn                           # n's pre-activation
    else:
        gh = h_prev @ weight_hh[:2 * H].T                      # (N, 2H)
        if bias_hh is not None:
            gh += bias_hh[:2 * H]
        rz = sigmoid(gi[:, :2 * H] + gh)                       # r and z in one call, (N, 2H)
        r, z = rz[:, :H], rz[:, H:]
        hn = (r * h_prev) @ weight_hh[2 * H:].T                # (N, H)
        if bias_hh is not None:
            hn += bias_hh[2 * H:]
        a_n = gi[:, 2 * H:] + hn
    n = np.tanh(a_n, out=a_n)                                  # in place: a_n is a new array
    h = (1 - z) * n + z * h_prev
    return h, (h_prev, r, z, n, hn)


def gru_cell_backward(d_h, cache, weight_hh, grads, reset="after"):
    """d_h (N, H) -> d_gi (N, 3H), d_h_prev (N, H); adds grads of weight_hh, bias_hh (or None)."""
    h_prev, r, z, n, hn = cache
    H = h_prev.shape[-1]
    d_n = d_h * (1 - z) * (1 - n * n)                          # at n's pre-activation
    d_z = d_h * (h_prev - n) * z * (1 - z)                     # at z's pre-activation
    d_h_prev = d_h * z                                         # the additive path
    if reset == "after":
        d_hn = d_n * r                                         # at W_hn h_prev + b_hn
        d_r = d_n * hn * r * (1 - r)
        d_gh = np.concatenate([d_r, d_z, d_hn], axis=1)        # (N, 3H)
        d_h_prev += d_gh @ weight_hh
    else:
        d_rh = d_n @ weight_hh[2 * H:]                         # at r ⊙ h_prev
        d_r = d_rh * h_prev * r * (1 - r)
        d_h_prev += np.concatenate([d_r, d_z], axis=1) @ weight_hh[:2 * H] + d_rh * r
    d_gi = np.concatenate([d_r, d_z, d_n], axis=1)             # (N, 3H)
    if grads is not None:
        gru_weight_grads(d_gi, h_prev, r, grads, reset)
    return d_gi, d_h_prev


def gru_weight_grads(d_gi, h_prev, r, grads, reset="after"):
    """Adds the gradients of weight_hh and bias_hh into grads, from d_gi (..., N, 3H) and the
    step's h_prev and r (..., N, H): one step, or T steps stacked in front (one product each).

    The gradient at ``gh`` is d_gi with the candidate block times r (reset after: the block is
    ``W_hn h_prev + b_hn``, scaled by r). Reset before: that block multiplies ``r ⊙ h_prev``.
    """
    H = h_prev.shape[-1]
    if reset == "after":
        d_gh = d_gi.copy()
        d_gh[..., 2 * H:] *= r                                 # d_hn = d_n ⊙ r
        recurrent_weight_grads(d_gh, h_prev, grads)
    else:
        rz = {k: v[:2 * H] for k, v in grads.items() if k in ("weight_hh", "bias_hh")}
        hn = {k: v[2 * H:] for k, v in grads.items() if k in ("weight_hh", "bias_hh")}
        recurrent_weight_grads(d_gi[..., :2 * H], h_prev, rz)         # views: += writes grads
        recurrent_weight_grads(d_gi[..., 2 * H:], r * h_prev, hn)


# --------------------------------------------------------------------------------------------
# LSTM:  [i, f, g, o] = [σ, σ, tanh, σ](W_ih x + b_ih + W_hh h_prev + b_hh)
#        c = f ⊙ c_prev + i ⊙ g,   h = o ⊙ tanh(c)

def lstm_cell_forward(gi, h_prev, c_prev, weight_hh, bias_hh):
    """gi (N, 4H), h_prev and c_prev (N, H), weight_hh (4H, H) -> h (N, H), c (N, H), cache."""
    H = h_prev.shape[-1]
    a = gi + h_prev @ weight_hh.T                              # (N, 4H)
    if bias_hh is not None:
        a += bias_hh
    i_f = sigmoid(a[:, :2 * H])                                # i and f in one call, (N, 2H)
    i, f = i_f[:, :H], i_f[:, H:]
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (h_prev, c_prev, i, f, g, o, tanh_c)


def lstm_cell_backward(d_h, d_c, cache, weight_hh, grads):
    """d_h, d_c (N, H) -> d_gi (N, 4H), d_h_prev (N, H), d_c_prev (N, H); adds grads (or None)."""
    h_prev, c_prev, i, f, g, o, tanh_c = cache
    d_c = d_c + d_h * o * (1 - tanh_c * tanh_c)
    d_a = np.concatenate([d_c * g * i * (1 - i),               # d_i
                          d_c * c_prev * f * (1 - f),          # d_f
                          d_c * i * (1 - g * g),               # d_g
                          d_h * tanh_c * o * (1 - o)], axis=1)  # d_o, (N, 4H)
    if grads is not None:
        recurrent_weight_grads(d_a, h_prev, grads)
    return d_a, d_a @ weight_hh, d_c * f
