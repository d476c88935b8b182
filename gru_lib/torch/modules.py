"""Recurrent layers and cells as ``torch.nn.Module`` subclasses that spell the equations out.

The mirror of ``gru_lib.numpy.modules``, name for name: one base class loops over layers,
directions and time and calls the step of ``gru_lib.torch.cells``; autograd does the backward.
Nothing here calls ``nn.GRU``, ``nn.GRUCell`` or ``torch._VF``. Parameters are registered in
``torch.nn``'s order and initialised like it, so under the same ``torch.manual_seed`` a module here
starts with exactly the weights of its ``torch.nn`` namesake.
Shapes: L sequence length, N batch, D directions, H_in input size, H hidden size, G gate blocks.
"""

import math

import numpy as np
import torch
from torch import nn

from .. import _checks
from . import cells


class _Module(nn.Module):
    """Parameters in ``torch.nn``'s order and initialisation; ``load_state_dict`` takes NumPy too."""

    def _add_parameter(self, name, shape, dtype):
        self.register_parameter(name, nn.Parameter(torch.empty(shape, dtype=dtype)))

    def reset_parameters(self, seed=None):
        """PyTorch's default initialisation: every parameter ~ U(-1/sqrt(H), 1/sqrt(H))."""
        k = 1.0 / math.sqrt(self.hidden_size)
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(-k, k, generator=generator)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Load parameters from a mapping of torch tensors or NumPy arrays (copied, cast)."""
        tensors = {k: v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v))
                   for k, v in state_dict.items()}
        _checks.check_state_dict({k: t.shape for k, t in tensors.items()},
                                 {k: p.shape for k, p in self.named_parameters()})
        return super().load_state_dict(tensors, strict=strict, assign=assign)

    def _check_tensor(self, name, a):
        if not isinstance(a, torch.Tensor):
            raise TypeError(f"expected {name} as a torch.Tensor, got {type(a).__module__}."
                            f"{type(a).__name__}")
        _checks.check_dtype(name, str(a.dtype), str(next(self.parameters()).dtype))
        _checks.check_finite(name, bool(torch.isfinite(a).all()))
        return a

    def _state(self, hx, names, shape):
        """hx as a tuple with one checked array of ``shape`` per name (zeros where hx is None)."""
        if hx is None:
            return tuple(torch.zeros(shape, dtype=next(self.parameters()).dtype) for _ in names)
        if len(names) == 1:
            hx = (hx,)
        elif not (isinstance(hx, tuple) and len(hx) == 2):
            raise TypeError(f"expected the LSTM state as a tuple ({', '.join(names)}), "
                            f"got {type(hx).__name__}")
        for name, s in zip(names, hx):
            self._check_tensor(name, s)
            _checks.check_state(name, s.shape, shape)
        return hx


# --------------------------------------------------------------------------------------------
# The three kinds of step: each adapts its cell's function to a state tuple, (h,) or (h, c).

class _RNNStep:
    gates = 1
    state_names = ("h",)

    def _step(self, gi, state, p):
        return (cells.rnn_cell_forward(gi, state[0], p["weight_hh"], p.get("bias_hh"),
                                       self.nonlinearity),)


class _GRUStep:
    gates = 3
    state_names = ("h",)

    def _step(self, gi, state, p):
        return (cells.gru_cell_forward(gi, state[0], p["weight_hh"], p.get("bias_hh"),
                                       self.reset),)


class _LSTMStep:
    gates = 4
    state_names = ("h", "c")

    def _step(self, gi, state, p):
        return cells.lstm_cell_forward(gi, state[0], state[1], p["weight_hh"], p.get("bias_hh"))


# --------------------------------------------------------------------------------------------
# Sequence layers

def _carry(m, new_state, state):
    """Per-sequence lengths: ``h_t = m_t * h_t' + (1 - m_t) * h_{t-1}`` for each state tensor.

    m (N, 1) is 1 where the step is valid, 0 where it is padding (the state is carried over).
    """
    return tuple(m * new + (1 - m) * old for new, old in zip(new_state, state))


class _RNNBase(_Module):
    """Loops over layers × directions × time; subclasses supply the step.

    Arguments after ``batch_first`` are keyword-only: there ``torch.nn`` takes ``dropout``
    positionally, which gru_lib does not implement, so a positional call fails instead of
    silently meaning something else.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, *,
                 bidirectional=False, dtype=None, seed=None):
        _checks.check_sizes(input_size, hidden_size, num_layers)
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.num_directions = 2 if bidirectional else 1
        G, H = self.gates, hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else H * self.num_directions
            for direction in range(self.num_directions):
                sfx = self._suffix(layer, direction)
                self._add_parameter("weight_ih" + sfx, (G * H, layer_input), dtype)
                self._add_parameter("weight_hh" + sfx, (G * H, H), dtype)
                if bias:
                    self._add_parameter("bias_ih" + sfx, (G * H,), dtype)
                    self._add_parameter("bias_hh" + sfx, (G * H,), dtype)
        self.reset_parameters(seed)

    @staticmethod
    def _suffix(layer, direction):
        return f"_l{layer}" + ("_reverse" if direction else "")

    def _slot(self, layer, direction):
        """{'weight_ih': ..., 'weight_hh': ..., ...} of one layer and direction."""
        sfx = self._suffix(layer, direction)
        return {k: getattr(self, k + sfx) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                if hasattr(self, k + sfx)}

    def _initial_state(self, hx, batched, N):
        """Check h0 (and c0) and return one state tuple per layer × direction, each (N, H)."""
        count = self.num_layers * self.num_directions
        shape = (count, N, self.hidden_size) if batched else (count, self.hidden_size)
        hx = self._state(hx, [name + "0" for name in self.state_names], shape)
        if not batched:
            hx = tuple(s.unsqueeze(1) for s in hx)
        return [tuple(s[i] for s in hx) for i in range(count)]

    def _mask(self, lengths, batched, L, N):
        """None without lengths, else the mask m (L, N, 1): 1 at the valid steps of each sequence."""
        if lengths is None:
            return None
        lengths = torch.as_tensor(lengths)
        _checks.check_lengths(lengths.shape, str(lengths.dtype),
                              not (lengths.is_floating_point() or lengths.is_complex()
                                   or lengths.dtype == torch.bool), lengths.flatten().tolist(),
                              batched, L, N)
        mask = torch.arange(L)[:, None] < lengths.cpu()
        return mask.unsqueeze(2).to(next(self.parameters()))              # its dtype and device

    def forward(self, x, hx=None, *, lengths=None):
        """x (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched.

        Returns ``output`` (L, N, D*H) (batch-first or unbatched to match x) and ``h_n``
        (num_layers*D, N, H); for ``LSTM`` the state is the tuple ``(h_n, c_n)``.
        ``lengths`` (N,) integers, 1 <= lengths[i] <= L, marks the steps t >= lengths[i] of
        sequence i as padding, as ``torch.nn.utils.rnn.pack_padded_sequence`` does: there the
        state is carried unchanged, ``h_t = m_t * h_t' + (1 - m_t) * h_{t-1}`` with the mask m_t,
        the output is 0, and ``h_n`` is the state after each sequence's last valid step (the
        reverse direction starts from h0 at that step).
        """
        x = self._check_tensor("input", x)
        batched, L, N = _checks.check_sequence_input(x.shape, self.input_size, self.batch_first)
        mask = self._mask(lengths, batched, L, N)                          # None or (L, N, 1)
        states = self._initial_state(hx, batched, N)
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        finals = []
        layer_input = x                                                    # (L, N, H_in)
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                p = self._slot(layer, direction)
                # the input projections of all L steps in one matrix product: (L, N, G*H)
                gi = (layer_input.reshape(L * N, -1) @ p["weight_ih"].T).reshape(L, N, -1)
                if self.bias:
                    gi = gi + p["bias_ih"]
                state = states[layer * self.num_directions + direction]
                out = [None] * L
                for t in (reversed(range(L)) if direction else range(L)):
                    new_state = self._step(gi[t], state, p)
                    state = new_state if mask is None else _carry(mask[t], new_state, state)
                    out[t] = state[0]
                out = torch.stack(out)                                     # (L, N, H)
                outputs.append(out if mask is None else out * mask)
                finals.append(state)
            layer_input = torch.cat(outputs, dim=2) if len(outputs) > 1 else outputs[0]
        output = layer_input                                               # (L, N, D*H)
        h_n = tuple(torch.stack([s[i] for s in finals]) for i in range(len(self.state_names)))
        if not batched:
            output, h_n = output[:, 0], tuple(s[:, 0] for s in h_n)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (h_n if len(h_n) > 1 else h_n[0])

    def extra_repr(self):
        extra = "" if self.num_layers == 1 else f", num_layers={self.num_layers}"
        extra += "" if self.bias else ", bias=False"
        extra += ", batch_first=True" if self.batch_first else ""
        extra += ", bidirectional=True" if self.bidirectional else ""
        return f"{self.input_size}, {self.hidden_size}{extra}"


class RNN(_RNNStep, _RNNBase):
    """Elman RNN: ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` (or ReLU).

    Same arguments, shapes and parameter names as ``torch.nn.RNN``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, *, bidirectional=False, dtype=None, seed=None):
        _checks.check_option("nonlinearity", nonlinearity, _checks.NONLINEARITIES)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first,
                         bidirectional=bidirectional, dtype=dtype, seed=seed)


class GRU(_GRUStep, _RNNBase):
    """Multi-layer GRU, the equations of ``cells.gru_cell_forward`` at every step.

    Same arguments, shapes and parameter names as ``torch.nn.GRU``: ``weight_ih_l[k]`` is
    ``[W_ir; W_iz; W_in]``, (3H, H_in) for k = 0 and (3H, D*H) after; ``weight_hh_l[k]`` is
    ``[W_hr; W_hz; W_hn]``, (3H, H); ``bias_ih_l[k]``, ``bias_hh_l[k]`` are (3H,). The reverse
    direction's names end in ``_reverse``. ``reset="before"`` applies r before W_hn (Cho et al.).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, *,
                 bidirectional=False, reset="after", dtype=None, seed=None):
        _checks.check_option("reset", reset, _checks.RESETS)
        self.reset = reset
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first,
                         bidirectional=bidirectional, dtype=dtype, seed=seed)


class LSTM(_LSTMStep, _RNNBase):
    """Multi-layer LSTM with ``torch.nn.LSTM``'s gate order ``[i; f; g; o]``; state ``(h, c)``."""


# --------------------------------------------------------------------------------------------
# Cells: one step, with the parameters weight_ih, weight_hh, bias_ih, bias_hh

class _CellBase(_Module):
    def __init__(self, input_size, hidden_size, bias=True, *, dtype=None, seed=None):
        _checks.check_sizes(input_size, hidden_size)
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        G, H = self.gates, hidden_size
        self._add_parameter("weight_ih", (G * H, input_size), dtype)
        self._add_parameter("weight_hh", (G * H, H), dtype)
        if bias:
            self._add_parameter("bias_ih", (G * H,), dtype)
            self._add_parameter("bias_hh", (G * H,), dtype)
        self.reset_parameters(seed)

    def forward(self, x, hx=None):
        """x (N, H_in) or (H_in,); hx (N, H) or (H,), a tuple (h, c) for LSTMCell, zeros if None.

        Returns the next state: h' (N, H), or (h', c') for ``LSTMCell``.
        """
        x = self._check_tensor("input", x)
        batched, N = _checks.check_cell_input(x.shape, self.input_size)
        shape = (N, self.hidden_size) if batched else (self.hidden_size,)
        hx = self._state(hx, ("hx", "cx")[:len(self.state_names)], shape)
        x2, state = (x, hx) if batched else (x.unsqueeze(0), tuple(s.unsqueeze(0) for s in hx))
        gi = x2 @ self.weight_ih.T                                         # (N, G*H)
        if self.bias:
            gi = gi + self.bias_ih
        p = {k: getattr(self, k) for k in ("weight_hh", "bias_hh") if hasattr(self, k)}
        state = self._step(gi, state, p)
        state = state if batched else tuple(s[0] for s in state)
        return state if len(state) > 1 else state[0]

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class RNNCell(_RNNStep, _CellBase):
    """One Elman step, as ``torch.nn.RNNCell``."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", *,
                 dtype=None, seed=None):
        _checks.check_option("nonlinearity", nonlinearity, _checks.NONLINEARITIES)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype=dtype, seed=seed)


class GRUCell(_GRUStep, _CellBase):
    """One GRU step, as ``torch.nn.GRUCell``; ``reset="before"`` for Cho et al.'s candidate."""

    def __init__(self, input_size, hidden_size, bias=True, *, reset="after", dtype=None,
                 seed=None):
        _checks.check_option("reset", reset, _checks.RESETS)
        self.reset = reset
        super().__init__(input_size, hidden_size, bias, dtype=dtype, seed=seed)


class LSTMCell(_LSTMStep, _CellBase):
    """One LSTM step, as ``torch.nn.LSTMCell``; takes and returns the state ``(h, c)``."""
