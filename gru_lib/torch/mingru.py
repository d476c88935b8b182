"""minGRU and minLSTM (Feng et al. 2024) as ``torch.nn.Module``s: the mirror of ``gru_lib.numpy.mingru``.

    h_t = a_t ⊙ h_{t-1} + b_t
    minGRU:   a = 1 − σ(k_z),  b = σ(k_z) ⊙ g(k_n)
    minLSTM:  a = σ(u),  b = σ(−u) ⊙ g(k_n),  u = log σ(k_f) − log σ(k_i)   (a = f/(f+i))

with gi = x W_ih^T + b_ih = [k_z | k_n] or [k_f | k_i | k_n] and g(k) = k + 1/2 (k ≥ 0), σ(k) (k < 0).
The recurrence is evaluated by ``sequential_scan`` (autograd through L steps), ``log_space_scan``
(the paper's parallel form, autograd through ``torch.logcumsumexp``) or ``chunked_scan`` (a
two-level scan in linear space, an ``autograd.Function`` whose backward is the same scan run
backwards in time: δ_t = ∂L/∂h_t + a_{t+1} ⊙ δ_{t+1}). Shapes: L, N, H_in, H as in ``modules``.
"""

import math

import torch
import torch.nn.functional as F

from .. import _checks
from .modules import _Module

MODES = ("chunked", "log", "sequential")


def g(k):
    """The paper's candidate activation: k + 1/2 for k ≥ 0, σ(k) for k < 0 (positive, continuous)."""
    return torch.where(k >= 0, F.relu(k) + 0.5, torch.sigmoid(k))


def log_g(k):
    """log g(k), each branch computed in its own safe form (no log of 0, no NaN in the gradient)."""
    return torch.where(k >= 0, torch.log(F.relu(k) + 0.5), F.logsigmoid(k))


# --------------------------------------------------------------------------------------------
# The coefficients a, b of h_t = a_t ⊙ h_{t-1} + b_t, in linear and in log space.

def min_gru_coefficients(gi):
    """gi [k_z | k_n] (..., 2H) -> a = 1 − z, b = z ⊙ g(k_n), each (..., H)."""
    k_z, k_n = gi.chunk(2, dim=-1)
    z = torch.sigmoid(k_z)
    return 1 - z, z * g(k_n)


def min_gru_log_coefficients(gi):
    """gi (..., 2H) -> log a = log σ(−k_z), log b = log σ(k_z) + log g(k_n)."""
    k_z, k_n = gi.chunk(2, dim=-1)
    return F.logsigmoid(-k_z), F.logsigmoid(k_z) + log_g(k_n)


def min_lstm_coefficients(gi):
    """gi [k_f | k_i | k_n] (..., 3H) -> a = f/(f+i) = σ(u), b = σ(−u) ⊙ g(k_n)."""
    k_f, k_i, k_n = gi.chunk(3, dim=-1)
    u = F.logsigmoid(k_f) - F.logsigmoid(k_i)
    return torch.sigmoid(u), torch.sigmoid(-u) * g(k_n)


def min_lstm_log_coefficients(gi):
    """gi (..., 3H) -> log a = log σ(u), log b = log σ(−u) + log g(k_n)."""
    k_f, k_i, k_n = gi.chunk(3, dim=-1)
    u = F.logsigmoid(k_f) - F.logsigmoid(k_i)
    return F.logsigmoid(u), F.logsigmoid(-u) + log_g(k_n)


# --------------------------------------------------------------------------------------------
# Three evaluations of h_t = a_t ⊙ h_{t-1} + b_t for t = 1..L; a, b (L, N, H), h0 (N, H).

def recurrence_step(a, b, h_prev):
    """One step of the recurrence: h = a ⊙ h_prev + b (streaming inference)."""
    return torch.addcmul(b, a, h_prev)


def sequential_scan(a, b, h0):
    """h (L, N, H) one step at a time: L dependent steps (autograd records each)."""
    h, h_prev = [], h0
    for t in range(len(a)):
        h_prev = recurrence_step(a[t], b[t], h_prev)
        h.append(h_prev)
    return torch.stack(h)


def _chunk_size(L, chunk):
    return max(1, math.ceil(math.sqrt(L))) if chunk is None else min(chunk, L)


def _into_chunks(x, C, fill):
    """(L, N, H) -> (K, C, N, H), padding the end of time with ``fill`` (identity steps)."""
    pad = -len(x) % C
    if pad:
        x = torch.cat([x, x.new_full((pad,) + x.shape[1:], fill)])
    return x.reshape((-1, C) + x.shape[1:])


def _carry(h_local, decay, h0, L):
    """Second level of a chunked scan: add each chunk's incoming state (see the NumPy twin)."""
    h_in = [h0]                                                        # K states (N, H)
    for k in range(1, len(h_local)):
        h_in.append(recurrence_step(decay[k - 1, -1], h_local[k - 1, -1], h_in[-1]))
    h = h_local + decay * torch.stack(h_in)[:, None]
    return h.reshape((-1,) + h0.shape)[:L]


def _chunked_scan(a, b, h0, C):
    """The two-level linear-space scan on plain tensors (no autograd)."""
    a_c, b_c = _into_chunks(a, C, 1.0), _into_chunks(b, C, 0.0)        # (K, C, N, H)
    h_local = torch.empty_like(b_c)
    h_local[:, 0] = b_c[:, 0]
    for t in range(1, C):
        torch.addcmul(b_c[:, t], a_c[:, t], h_local[:, t - 1], out=h_local[:, t])
    return _carry(h_local, torch.cumprod(a_c, dim=1), h0, len(a))


class ChunkedScan(torch.autograd.Function):
    """h = chunked scan of (a, b, h0); backward: δ = the same scan backwards in time, then
    ∂L/∂a_t = δ_t ⊙ h_{t-1}, ∂L/∂b_t = δ_t, ∂L/∂h0 = a_1 ⊙ δ_1."""

    @staticmethod
    def forward(ctx, a, b, h0, C):
        h = _chunked_scan(a, b, h0, C)
        ctx.save_for_backward(a, h, h0)
        ctx.C = C
        return h

    @staticmethod
    def backward(ctx, d_h):
        a, h, h0 = ctx.saved_tensors
        a_next = torch.cat([a[1:], torch.zeros_like(a[:1])]).flip(0)
        delta = _chunked_scan(a_next, d_h.flip(0), torch.zeros_like(h0), ctx.C).flip(0)
        h_prev = torch.cat([h0[None], h[:-1]])
        return delta * h_prev, delta, a[0] * delta[0], None


def chunked_scan(a, b, h0, chunk=None):
    """h (L, N, H) by a two-level scan in linear space, chunks of C (default ⌈√L⌉) steps."""
    return ChunkedScan.apply(a, b, h0, _chunk_size(len(a), chunk))


def log_space_scan(log_a, log_b, h0, chunk=None):
    """h (L, N, H) from log a, log b (L, N, H) by the paper's log-space scan (b > 0, any h0).

    Inside a chunk, with A_t = Σ_{s≤t} log a_s:  h_t = e^{A_t} h_in + exp(A_t + logcumsumexp(log b − A)_t).
    """
    C = _chunk_size(len(log_a), chunk)
    A = torch.cumsum(_into_chunks(log_a, C, 0.0), dim=1)              # (K, C, N, H)
    log_b_c = _into_chunks(log_b, C, 0.0)
    h_local = torch.exp(A + torch.logcumsumexp(log_b_c - A, dim=1))
    return _carry(h_local, torch.exp(A), h0, len(log_a))


SCANS = {"sequential": sequential_scan, "chunked": chunked_scan}


# --------------------------------------------------------------------------------------------
# Layers

class _MinRNNBase(_Module):
    """A single-layer minGRU/minLSTM: input projection, coefficients, scan. Subclasses name the gates.

    Parameters ``weight_ih`` (G*H, H_in) and ``bias_ih`` (G*H,), initialised U(−1/√H, 1/√H).
    """

    def __init__(self, input_size, hidden_size, bias=True, *, batch_first=False, dtype=None,
                 seed=None):
        _checks.check_sizes(input_size, hidden_size)
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.bias, self.batch_first = bias, batch_first
        self._add_parameter("weight_ih", (self.gates * hidden_size, input_size), dtype)
        if bias:
            self._add_parameter("bias_ih", (self.gates * hidden_size,), dtype)
        self.reset_parameters(seed)

    def _project(self, x):
        return F.linear(x, self.weight_ih, self.bias_ih if self.bias else None)  # (..., G*H)

    def step(self, x, h_prev):
        """One time step for streaming: x (N, H_in), h_prev (N, H) -> h (N, H)."""
        self._check_tensor("input", x)
        _checks.check_cell_input(x.shape, self.input_size)
        self._check_tensor("h_prev", h_prev)
        _checks.check_state("h_prev", h_prev.shape, tuple(x.shape[:-1]) + (self.hidden_size,))
        a, b = self.coefficients(self._project(x))
        return recurrence_step(a, b, h_prev)

    def forward(self, x, h0=None, mode="chunked"):
        """x (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched; h0 (1, N, H).

        mode: "chunked" (two-level linear scan), "log" (the paper's log-space scan) or
        "sequential" (step by step). Returns ``output`` (L, N, H) laid out like x, ``h_n`` (1, N, H).
        """
        _checks.check_option("mode", mode, MODES)
        x = self._check_tensor("input", x)
        batched, L, N = _checks.check_sequence_input(x.shape, self.input_size, self.batch_first)
        H = self.hidden_size
        if h0 is None:
            h0 = x.new_zeros((1, N, H) if batched else (1, H))
        self._check_tensor("h0", h0)
        _checks.check_state("h0", h0.shape, (1, N, H) if batched else (1, H))
        x = x.unsqueeze(1) if not batched else (x.transpose(0, 1) if self.batch_first else x)
        gi = self._project(x)                                          # (L, N, G*H)
        if mode == "log":
            h = log_space_scan(*self.log_coefficients(gi), h0.reshape(N, H))
        else:
            h = SCANS[mode](*self.coefficients(gi), h0.reshape(N, H))  # (L, N, H)
        h_n = h[-1:]                                                   # (1, N, H)
        if not batched:
            return h[:, 0], h_n[:, 0]
        return (h.transpose(0, 1) if self.batch_first else h), h_n


class MinGRU(_MinRNNBase):
    """minGRU (Feng et al. 2024): z = σ(W_iz x + b_iz), n = g(W_in x + b_in),
    h = (1 − z) ⊙ h_prev + z ⊙ n.  ``weight_ih`` = W_iz|W_in, (2H, H_in)."""
    gates = 2
    coefficients = staticmethod(min_gru_coefficients)
    log_coefficients = staticmethod(min_gru_log_coefficients)


class MinLSTM(_MinRNNBase):
    """minLSTM (Feng et al. 2024): f = σ(W_if x + b_if), i = σ(W_ii x + b_ii), n = g(W_in x + b_in),
    h = f/(f+i) ⊙ h_prev + i/(f+i) ⊙ n.  ``weight_ih`` = W_if|W_ii|W_in, (3H, H_in)."""
    gates = 3
    coefficients = staticmethod(min_lstm_coefficients)
    log_coefficients = staticmethod(min_lstm_log_coefficients)
