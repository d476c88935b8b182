"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?") in NumPy, with hand-written backward.

Both drop h_prev from the gates and from the candidate, so every step is the *linear* recurrence

    h_t = a_t ⊙ h_{t-1} + b_t                 with a_t ∈ [0, 1], b_t computed from x_t alone

    minGRU:   z = σ(k_z),  n = g(k_n),                a = 1 − z,  b = z ⊙ n
    minLSTM:  f = σ(k_f),  i = σ(k_i),  n = g(k_n),   a = f / (f + i),  b = i / (f + i) ⊙ n

where ``gi = x W_ih^T + b_ih`` holds the pre-activations [k_z | k_n] (minGRU) or [k_f | k_i | k_n]
(minLSTM) and g(k) = k + 1/2 for k ≥ 0, σ(k) for k < 0 is the paper's positive activation (no tanh).
Note the paper's convention, used here: z weighs the *candidate* (PyTorch's GRU: z weighs h_prev).

The recurrence is evaluated three ways, all with the same result: ``sequential_scan`` (one step at a
time, as in streaming inference), ``log_space_scan`` (the paper's parallel form: cumulative sums in
log space) and ``chunked_scan`` (a two-level scan in linear space, the fastest here). Its backward is
again a linear recurrence, run backwards in time: δ_t = ∂L/∂h_t + a_{t+1} ⊙ δ_{t+1}.
Shapes: L sequence length, N batch, H_in input size, H hidden size.
"""

import numpy as np

from .. import _checks
from .modules import _Module

MODES = ("chunked", "log", "sequential")


def sigmoid(k):
    """Logistic function, written with tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * k))


def log_sigmoid(k):
    """log σ(k) = −softplus(−k), finite for every finite k."""
    return -np.logaddexp(0.0, -k)


def g(k):
    """The paper's candidate activation: k + 1/2 for k ≥ 0, σ(k) for k < 0 (positive, continuous)."""
    return np.where(k >= 0, k + 0.5, sigmoid(k))


def log_g(k):
    """log g(k), each branch computed in its own safe form (no log of 0, no overflow)."""
    return np.where(k >= 0, np.log(np.maximum(k, 0) + 0.5), log_sigmoid(k))


def g_grad(k):
    """g'(k): 1 for k ≥ 0, σ(k)(1 − σ(k)) for k < 0."""
    s = sigmoid(k)
    return np.where(k >= 0, 1.0, s * (1 - s))


# --------------------------------------------------------------------------------------------
# The coefficients a, b of h_t = a_t ⊙ h_{t-1} + b_t, from the pre-activations gi (any leading
# shape, gate blocks on the last axis), in linear and in log space, with their backward.

def min_gru_coefficients(gi):
    """gi [k_z | k_n] (..., 2H) -> a = 1 − z, b = z ⊙ g(k_n), each (..., H)."""
    H = gi.shape[-1] // 2
    z = sigmoid(gi[..., :H])
    return 1 - z, z * g(gi[..., H:])


def min_gru_log_coefficients(gi):
    """gi (..., 2H) -> log a = log σ(−k_z), log b = log σ(k_z) + log g(k_n)."""
    H = gi.shape[-1] // 2
    k_z = gi[..., :H]
    return log_sigmoid(-k_z), log_sigmoid(k_z) + log_g(gi[..., H:])


def min_gru_coefficients_backward(d_a, d_b, gi):
    """d_a, d_b (..., H) -> d_gi (..., 2H)."""
    H = gi.shape[-1] // 2
    k_z, k_n = gi[..., :H], gi[..., H:]
    z = sigmoid(k_z)
    d_k_z = (d_b * g(k_n) - d_a) * z * (1 - z)
    d_k_n = d_b * z * g_grad(k_n)
    return np.concatenate([d_k_z, d_k_n], axis=-1)


def min_lstm_coefficients(gi):
    """gi [k_f | k_i | k_n] (..., 3H) -> a = f/(f+i) = σ(u), b = σ(−u) ⊙ g(k_n),
    with u = log σ(k_f) − log σ(k_i)."""
    H = gi.shape[-1] // 3
    u = log_sigmoid(gi[..., :H]) - log_sigmoid(gi[..., H:2 * H])
    return sigmoid(u), sigmoid(-u) * g(gi[..., 2 * H:])


def min_lstm_log_coefficients(gi):
    """gi (..., 3H) -> log a = log σ(u), log b = log σ(−u) + log g(k_n)."""
    H = gi.shape[-1] // 3
    u = log_sigmoid(gi[..., :H]) - log_sigmoid(gi[..., H:2 * H])
    return log_sigmoid(u), log_sigmoid(-u) + log_g(gi[..., 2 * H:])


def min_lstm_coefficients_backward(d_a, d_b, gi):
    """d_a, d_b (..., H) -> d_gi (..., 3H)."""
    H = gi.shape[-1] // 3
    k_f, k_i, k_n = gi[..., :H], gi[..., H:2 * H], gi[..., 2 * H:]
    a = sigmoid(log_sigmoid(k_f) - log_sigmoid(k_i))
    d_u = (d_a - d_b * g(k_n)) * a * (1 - a)
    d_k_f = d_u * sigmoid(-k_f)                                # d log σ(k)/dk = σ(−k)
    d_k_i = -d_u * sigmoid(-k_i)
    d_k_n = d_b * (1 - a) * g_grad(k_n)
    return np.concatenate([d_k_f, d_k_i, d_k_n], axis=-1)


# --------------------------------------------------------------------------------------------
# Three evaluations of h_t = a_t ⊙ h_{t-1} + b_t for t = 1..L; a, b (L, N, H), h0 (N, H).

def recurrence_step(a, b, h_prev):
    """One step of the recurrence: h = a ⊙ h_prev + b (streaming inference)."""
    return a * h_prev + b


def sequential_scan(a, b, h0):
    """h (L, N, H) one step at a time: L dependent steps."""
    h = np.empty_like(b)
    h_prev = h0
    for t in range(len(a)):
        h_prev = h[t] = recurrence_step(a[t], b[t], h_prev)
    return h


def _chunk_size(L, chunk):
    return max(1, int(np.ceil(np.sqrt(L)))) if chunk is None else min(chunk, L)


def _into_chunks(x, C, fill):
    """(L, N, H) -> (K, C, N, H), padding the end of time with ``fill`` (identity steps)."""
    pad = -len(x) % C
    if pad:
        x = np.concatenate([x, np.full((pad,) + x.shape[1:], fill, x.dtype)])
    return x.reshape((-1, C) + x.shape[1:])


def _carry(h_local, decay, h0, L):
    """Second level of a chunked scan: add each chunk's incoming state.

    h_local (K, C, N, H) is every chunk's recurrence started from zero, decay (K, C, N, H) the
    product of a from the chunk's start; the state entering chunk k is carried over K steps.
    """
    h_in = np.empty((len(h_local),) + h0.shape, h_local.dtype)     # (K, N, H)
    h_in[0] = h0
    for k in range(1, len(h_local)):
        h_in[k] = decay[k - 1, -1] * h_in[k - 1] + h_local[k - 1, -1]
    h = h_local + decay * h_in[:, None]
    return h.reshape((-1,) + h0.shape)[:L]


def chunked_scan(a, b, h0, chunk=None):
    """h (L, N, H) by a two-level scan in linear space, chunks of C (default ⌈√L⌉) steps.

    Level 1 runs the recurrence inside all L/C chunks at once (C steps); level 2 carries the state
    across chunks (L/C steps). Only products of a ∈ [0, 1] and sums: nothing can overflow.
    """
    C = _chunk_size(len(a), chunk)
    a_c, b_c = _into_chunks(a, C, 1.0), _into_chunks(b, C, 0.0)        # (K, C, N, H)
    h_local = np.empty_like(b_c)
    h_local[:, 0] = b_c[:, 0]
    for t in range(1, C):
        h_local[:, t] = recurrence_step(a_c[:, t], b_c[:, t], h_local[:, t - 1])
    return _carry(h_local, np.cumprod(a_c, axis=1), h0, len(a))


def log_space_scan(log_a, log_b, h0, chunk=None):
    """h (L, N, H) from log a, log b (L, N, H) by the paper's log-space scan (b > 0, any h0).

    Inside a chunk, with A_t = Σ_{s≤t} log a_s:  h_t = e^{A_t} h_in + exp(A_t + log Σ_{s≤t}
    e^{log b_s − A_s}). The log-sum-exp is accumulated with ``np.logaddexp``; ``chunk=len(log_a)``
    is the unchunked form, whose rounding error grows with |A_t| (see the chapter).
    """
    C = _chunk_size(len(log_a), chunk)
    A = np.cumsum(_into_chunks(log_a, C, 0.0), axis=1)               # (K, C, N, H)
    log_b_c = _into_chunks(log_b, C, 0.0)
    h_local = np.exp(A + np.logaddexp.accumulate(log_b_c - A, axis=1))
    return _carry(h_local, np.exp(A), h0, len(log_a))


SCANS = {"sequential": sequential_scan, "chunked": chunked_scan}


def reverse_scan(a, d_h, mode="chunked"):
    """δ (L, N, H) with δ_t = d_h_t + a_{t+1} ⊙ δ_{t+1}: the same recurrence backwards in time."""
    a_next = np.concatenate([a[1:], np.zeros_like(a[:1])])[::-1]
    scan = SCANS["sequential" if mode == "sequential" else "chunked"]
    return scan(a_next, d_h[::-1], np.zeros_like(d_h[0]))[::-1]


# --------------------------------------------------------------------------------------------
# Layers

class _MinRNNBase(_Module):
    """A single-layer minGRU/minLSTM: input projection, coefficients, scan. Subclasses name the gates.

    Parameters ``weight_ih`` (G*H, H_in) and ``bias_ih`` (G*H,), torch-style, initialised
    U(−1/√H, 1/√H); there is no ``weight_hh``: nothing multiplies h_prev.
    """

    def __init__(self, input_size, hidden_size, bias=True, *, batch_first=False,
                 dtype=np.float32, seed=None):
        _checks.check_sizes(input_size, hidden_size)
        super().__init__(dtype, seed)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.bias, self.batch_first = bias, batch_first
        self._add_parameter("weight_ih", (self.gates * hidden_size, input_size))
        if bias:
            self._add_parameter("bias_ih", (self.gates * hidden_size,))

    def _project(self, x):
        gi = x @ self._params["weight_ih"].T                           # (..., G*H)
        if self.bias:
            gi += self._params["bias_ih"]
        return gi

    def step(self, x, h_prev):
        """One time step for streaming: x (N, H_in), h_prev (N, H) -> h (N, H)."""
        self._check_array("input", x)
        _checks.check_cell_input(x.shape, self.input_size)
        self._check_array("h_prev", h_prev)
        _checks.check_state("h_prev", h_prev.shape, x.shape[:-1] + (self.hidden_size,))
        a, b = self.coefficients(self._project(x))
        return recurrence_step(a, b, h_prev)

    def forward(self, x, h0=None, mode="chunked"):
        """x (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched; h0 (1, N, H).

        mode: "chunked" (two-level linear scan), "log" (the paper's log-space scan) or
        "sequential" (step by step). Returns ``output`` (L, N, H) laid out like x, ``h_n`` (1, N, H).
        """
        _checks.check_option("mode", mode, MODES)
        x = self._check_array("input", x)
        batched, L, N = _checks.check_sequence_input(x.shape, self.input_size, self.batch_first)
        H = self.hidden_size
        if h0 is None:
            h0 = np.zeros((1, N, H) if batched else (1, H), self.dtype)
        self._check_array("h0", h0)
        _checks.check_state("h0", h0.shape, (1, N, H) if batched else (1, H))
        x = x[:, None] if not batched else (x.transpose(1, 0, 2) if self.batch_first else x)
        gi = self._project(x)                                          # (L, N, G*H)
        if mode == "log":
            h = log_space_scan(*self.log_coefficients(gi), h0.reshape(N, H))
            a = self.coefficients(gi)[0]
        else:
            a, b = self.coefficients(gi)
            h = SCANS[mode](a, b, h0.reshape(N, H))                    # (L, N, H)
        self._cache = (x, gi, a, h0.reshape(N, H), h, mode, batched)
        h_n = h[-1:]                                                   # (1, N, H)
        if not batched:
            return h[:, 0], h_n[:, 0]
        return (h.transpose(1, 0, 2) if self.batch_first else h), h_n

    def backward(self, d_output, d_h_n=None):
        """Gradients for the last ``forward``: a dict with every parameter, "input" and "h0".

        d_output has the shape of ``output``, d_h_n that of ``h_n`` (or None).
        """
        if self._cache is None:
            raise RuntimeError("backward() needs a forward() first")
        x, gi, a, h0, h, mode, batched = self._cache
        L, N, H = h.shape
        self._check_array("d_output", d_output)
        out_shape = ((N, L, H) if self.batch_first else (L, N, H)) if batched else (L, H)
        _checks.check_state("d_output", d_output.shape, out_shape)
        d_h = (d_output[:, None] if not batched else
               d_output.transpose(1, 0, 2) if self.batch_first else d_output).copy()
        if d_h_n is not None:
            self._check_array("d_h_n", d_h_n)
            _checks.check_state("d_h_n", d_h_n.shape, (1, N, H) if batched else (1, H))
            d_h[-1] += d_h_n.reshape(N, H)
        delta = reverse_scan(a, d_h, mode)                             # (L, N, H)
        h_prev = np.concatenate([h0[None], h[:-1]])                    # (L, N, H)
        d_gi = self.coefficients_backward(delta * h_prev, delta, gi)   # (L, N, G*H)
        grads = {"weight_ih": d_gi.reshape(L * N, -1).T @ x.reshape(L * N, -1)}
        if self.bias:
            grads["bias_ih"] = d_gi.sum(axis=(0, 1))
        d_x = d_gi @ self._params["weight_ih"]                         # (L, N, H_in)
        d_h0 = (a[0] * delta[0])[None]                                 # (1, N, H)
        if not batched:
            grads["input"], grads["h0"] = d_x[:, 0], d_h0[:, 0]
        else:
            grads["input"] = d_x.transpose(1, 0, 2) if self.batch_first else d_x
            grads["h0"] = d_h0
        return grads


class MinGRU(_MinRNNBase):
    """minGRU (Feng et al. 2024): z = σ(W_iz x + b_iz), n = g(W_in x + b_in),
    h = (1 − z) ⊙ h_prev + z ⊙ n.  ``weight_ih`` = W_iz|W_in, (2H, H_in)."""
    gates = 2
    coefficients = staticmethod(min_gru_coefficients)
    log_coefficients = staticmethod(min_gru_log_coefficients)
    coefficients_backward = staticmethod(min_gru_coefficients_backward)


class MinLSTM(_MinRNNBase):
    """minLSTM (Feng et al. 2024): f = σ(W_if x + b_if), i = σ(W_ii x + b_ii), n = g(W_in x + b_in),
    h = f/(f+i) ⊙ h_prev + i/(f+i) ⊙ n.  ``weight_ih`` = W_if|W_ii|W_in, (3H, H_in)."""
    gates = 3
    coefficients = staticmethod(min_lstm_coefficients)
    log_coefficients = staticmethod(min_lstm_log_coefficients)
    coefficients_backward = staticmethod(min_lstm_coefficients_backward)
