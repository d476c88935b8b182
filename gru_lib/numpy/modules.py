"""Recurrent layers and cells in NumPy, with PyTorch's names, shapes and defaults.

``RNN``, ``GRU`` and ``LSTM`` differ only in their step (the three ``_*Step`` mixins below); one base
class, ``_RNNBase``, loops over layers, directions and time, and runs backpropagation through time
in ``backward``. Shapes use PyTorch's letters: L sequence length, N batch, D directions (1 or 2),
H_in input size, H hidden size, G gate blocks (1 RNN, 3 GRU, 4 LSTM).
"""

import numpy as np

from .. import _checks
from . import cells


class _Module:
    """Parameters in a dict, in PyTorch's order, with ``state_dict`` and ``load_state_dict``."""

    def __init__(self, dtype, seed):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}")
        self._rng = np.random.default_rng(seed)
        self._params = {}
        self._cache = None

    def _add_parameter(self, name, shape):
        """PyTorch's default initialisation: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)).

        Recurrent weights are stored in column-major order, so that W_hh^T is row-major and the
        per-step product ``h_prev @ W_hh.T`` is a faster BLAS call; in-place updates keep the order.
        """
        k = 1.0 / np.sqrt(self.hidden_size)
        p = self._rng.uniform(-k, k, size=shape).astype(self.dtype)
        self._params[name] = np.asfortranarray(p) if name.startswith("weight_hh") else p

    def named_parameters(self):
        """(name, array) pairs; the arrays are the live parameters (update them in place)."""
        return list(self._params.items())

    def parameters(self):
        return list(self._params.values())

    def state_dict(self):
        """A copy of every parameter, keyed and shaped as in ``torch.nn``."""
        return {name: p.copy() for name, p in self._params.items()}

    def load_state_dict(self, state_dict):
        """Load parameters from a mapping of NumPy arrays or torch tensors (copied, cast to dtype)."""
        arrays = {k: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v)
                  for k, v in state_dict.items()}
        _checks.check_state_dict({k: a.shape for k, a in arrays.items()},
                                 {k: p.shape for k, p in self._params.items()})
        for name in self._params:
            self._params[name][...] = arrays[name]

    def _check_array(self, name, a):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"expected {name} as a numpy.ndarray, got {type(a).__module__}."
                            f"{type(a).__name__}")
        _checks.check_dtype(name, str(a.dtype), str(self.dtype))
        _checks.check_finite(name, np.isfinite(a).all())
        return a

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def _state(self, hx, names, shape):
        """hx as a tuple with one checked array of ``shape`` per name (zeros where hx is None)."""
        if hx is None:
            return tuple(np.zeros(shape, self.dtype) for _ in names)
        if len(names) == 1:
            hx = (hx,)
        elif not (isinstance(hx, tuple) and len(hx) == 2):
            raise TypeError(f"expected the LSTM state as a tuple ({', '.join(names)}), "
                            f"got {type(hx).__name__}")
        for name, s in zip(names, hx):
            self._check_array(name, s)
            _checks.check_state(name, s.shape, shape)
        return hx


# --------------------------------------------------------------------------------------------
# The three kinds of step: each adapts its cell's functions to a state tuple, (h,) or (h, c).
# ``_step_backward`` with grads=None leaves the recurrent weights' gradients to ``_weight_grads``,
# which the layers call once for all time steps (stacked: d_gi (L, N, G*H), L step caches); the
# layers' own version serves RNN and LSTM, whose gradient at gh is d_gi itself.

class _RNNStep:
    gates = 1
    state_names = ("h",)

    def _step(self, gi, state, p):
        h, cache = cells.rnn_cell_forward(gi, state[0], p["weight_hh"], p.get("bias_hh"),
                                          self.nonlinearity)
        return (h,), cache

    def _step_backward(self, d_state, cache, p, grads):
        d_gi, d_h_prev = cells.rnn_cell_backward(d_state[0], cache, p["weight_hh"], grads,
                                                 self.nonlinearity)
        return d_gi, (d_h_prev,)


class _GRUStep:
    gates = 3
    state_names = ("h",)

    def _step(self, gi, state, p):
        h, cache = cells.gru_cell_forward(gi, state[0], p["weight_hh"], p.get("bias_hh"),
                                          self.reset)
        return (h,), cache

    def _step_backward(self, d_state, cache, p, grads):
        d_gi, d_h_prev = cells.gru_cell_backward(d_state[0], cache, p["weight_hh"], grads,
                                                 self.reset)
        return d_gi, (d_h_prev,)

    def _weight_grads(self, d_gi, step_caches, grads):
        h_prev, r = (np.stack([cache[k] for cache in step_caches]) for k in (0, 1))
        cells.gru_weight_grads(d_gi, h_prev, r, grads, self.reset)


class _LSTMStep:
    gates = 4
    state_names = ("h", "c")

    def _step(self, gi, state, p):
        h, c, cache = cells.lstm_cell_forward(gi, state[0], state[1], p["weight_hh"],
                                              p.get("bias_hh"))
        return (h, c), cache

    def _step_backward(self, d_state, cache, p, grads):
        d_gi, d_h_prev, d_c_prev = cells.lstm_cell_backward(d_state[0], d_state[1], cache,
                                                            p["weight_hh"], grads)
        return d_gi, (d_h_prev, d_c_prev)


# --------------------------------------------------------------------------------------------
# Sequence layers

def _carry(m, new_state, state):
    """Per-sequence lengths: ``h_t = m_t * h_t' + (1 - m_t) * h_{t-1}`` for each state array.

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
                 bidirectional=False, dtype=np.float32, seed=None):
        _checks.check_sizes(input_size, hidden_size, num_layers)
        super().__init__(dtype, seed)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.num_directions = 2 if bidirectional else 1
        G, H = self.gates, hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else H * self.num_directions
            for direction in range(self.num_directions):
                sfx = self._suffix(layer, direction)
                self._add_parameter("weight_ih" + sfx, (G * H, layer_input))
                self._add_parameter("weight_hh" + sfx, (G * H, H))
                if bias:
                    self._add_parameter("bias_ih" + sfx, (G * H,))
                    self._add_parameter("bias_hh" + sfx, (G * H,))

    @staticmethod
    def _suffix(layer, direction):
        return f"_l{layer}" + ("_reverse" if direction else "")

    def _slot(self, mapping, layer, direction):
        """{'weight_ih': ..., 'weight_hh': ..., ...} of one layer and direction, from ``mapping``."""
        sfx = self._suffix(layer, direction)
        return {k[:-len(sfx)]: v for k, v in mapping.items() if k.endswith(sfx)
                and k[:-len(sfx)] in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}

    def _weight_grads(self, d_gi, step_caches, grads):
        """W_hh's and b_hh's gradients of all steps in one product (every cache starts with h_prev)."""
        h_prev = np.stack([cache[0] for cache in step_caches])
        cells.recurrent_weight_grads(d_gi, h_prev, grads)

    def _initial_state(self, hx, batched, N, label="{}0"):
        """Check h0 (and c0) and return one state tuple per layer × direction, each (N, H)."""
        count = self.num_layers * self.num_directions
        shape = (count, N, self.hidden_size) if batched else (count, self.hidden_size)
        hx = self._state(hx, [label.format(name) for name in self.state_names], shape)
        if not batched:
            hx = tuple(s[:, None] for s in hx)
        return [tuple(s[i] for s in hx) for i in range(count)]

    def _mask(self, lengths, batched, L, N):
        """None without lengths, else the mask m (L, N, 1): 1 at the valid steps of each sequence."""
        if lengths is None:
            return None
        lengths = np.asarray(lengths)
        _checks.check_lengths(lengths.shape, str(lengths.dtype),
                              np.issubdtype(lengths.dtype, np.integer), lengths.ravel().tolist(),
                              batched, L, N)
        return (np.arange(L)[:, None] < lengths)[:, :, None].astype(self.dtype)

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
        x = self._check_array("input", x)
        batched, L, N = _checks.check_sequence_input(x.shape, self.input_size, self.batch_first)
        mask = self._mask(lengths, batched, L, N)                          # None or (L, N, 1)
        states = self._initial_state(hx, batched, N)
        if not batched:
            x = x[:, None]
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        H, caches, finals = self.hidden_size, [], []
        layer_input = x                                                    # (L, N, H_in)
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                p = self._slot(self._params, layer, direction)
                # the input projections of all L steps in one matrix product: (L, N, G*H)
                gi = (layer_input.reshape(L * N, -1) @ p["weight_ih"].T).reshape(L, N, -1)
                if self.bias:
                    gi += p["bias_ih"]
                state = states[layer * self.num_directions + direction]
                out = np.empty((L, N, H), self.dtype)
                step_caches = [None] * L
                for t in (reversed(range(L)) if direction else range(L)):
                    new_state, step_caches[t] = self._step(gi[t], state, p)
                    state = new_state if mask is None else _carry(mask[t], new_state, state)
                    out[t] = state[0]
                outputs.append(out if mask is None else out * mask)
                finals.append(state)
                caches.append((layer_input, step_caches))
            layer_input = np.concatenate(outputs, axis=2) if len(outputs) > 1 else outputs[0]
        self._cache = (caches, mask, batched, x.shape)
        output = layer_input                                               # (L, N, D*H)
        h_n = tuple(np.stack([s[i] for s in finals]) for i in range(len(self.state_names)))
        if not batched:
            output, h_n = output[:, 0], tuple(s[:, 0] for s in h_n)
        elif self.batch_first:
            output = output.transpose(1, 0, 2)
        return output, (h_n if len(h_n) > 1 else h_n[0])

    def backward(self, d_output, d_h_n=None):
        """Backpropagation through time for the last ``forward``.

        d_output has the shape of ``output``; d_h_n that of ``h_n`` (a tuple for LSTM) or None.
        Returns a dict with the gradient of every parameter (same keys as ``state_dict``), of the
        input (``"input"``) and of the initial state (``"h0"``, and ``"c0"`` for LSTM).
        """
        if self._cache is None:
            raise RuntimeError("backward() needs a forward() first")
        caches, mask, batched, (L, N, _) = self._cache
        D, H = self.num_directions, self.hidden_size
        count = self.num_layers * D
        out_shape = (L, N, D * H) if not self.batch_first else (N, L, D * H)
        self._check_array("d_output", d_output)
        _checks.check_state("d_output", d_output.shape, out_shape if batched else (L, D * H))
        d_out = d_output[:, None] if not batched else (
            d_output.transpose(1, 0, 2) if self.batch_first else d_output)
        if mask is not None:
            d_out = d_out * mask                                           # padded outputs are 0
        if d_h_n is None:
            d_final = [tuple(np.zeros((N, H), self.dtype) for _ in self.state_names)] * count
        else:
            d_final = self._initial_state(d_h_n, batched, N, label="d_{}_n")
        grads = {name: np.zeros(p.shape, self.dtype) for name, p in self._params.items()}
        d_state0 = [None] * count
        for layer in reversed(range(self.num_layers)):
            d_layer_input = None
            for direction in range(D):
                idx = layer * D + direction
                layer_input, step_caches = caches[idx]
                p = self._slot(self._params, layer, direction)
                # row-major W_hh for the per-step product d_gh @ W_hh (stored column-major)
                p["weight_hh"] = np.ascontiguousarray(p["weight_hh"])
                g = self._slot(grads, layer, direction)
                d_gi = np.empty((L, N, self.gates * H), self.dtype)
                d_state = d_final[idx]
                for t in (range(L) if direction else reversed(range(L))):
                    d_h = d_state[0] + d_out[t, :, direction * H:(direction + 1) * H]
                    d_new = (d_h,) + d_state[1:]
                    if mask is None:
                        d_gi[t], d_state = self._step_backward(d_new, step_caches[t], p, None)
                    else:                      # _carry's backward: m to the step, 1 - m past it
                        m = mask[t]
                        d_gi[t], d_prev = self._step_backward(tuple(m * d for d in d_new),
                                                              step_caches[t], p, None)
                        d_state = tuple(dp + (1 - m) * d for dp, d in zip(d_prev, d_new))
                d_state0[idx] = d_state
                self._weight_grads(d_gi, step_caches, g)                    # all steps at once
                flat = d_gi.reshape(L * N, -1)                             # (L*N, G*H)
                g["weight_ih"] += flat.T @ layer_input.reshape(L * N, -1)
                if self.bias:
                    g["bias_ih"] += flat.sum(axis=0)
                d_x = (flat @ p["weight_ih"]).reshape(L, N, -1)             # (L, N, layer in)
                d_layer_input = d_x if d_layer_input is None else d_layer_input + d_x
            d_out = d_layer_input
        d_input = d_out[:, 0] if not batched else (
            d_out.transpose(1, 0, 2) if self.batch_first else d_out)
        grads["input"] = d_input
        for i, name in enumerate(self.state_names):
            s = np.stack([d[i] for d in d_state0])                          # (count, N, H)
            grads[name + "0"] = s if batched else s[:, 0]
        return grads

    def __repr__(self):
        extra = "" if self.num_layers == 1 else f", num_layers={self.num_layers}"
        extra += "" if self.bias else ", bias=False"
        extra += ", batch_first=True" if self.batch_first else ""
        extra += ", bidirectional=True" if self.bidirectional else ""
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extra})"


class RNN(_RNNStep, _RNNBase):
    """Elman RNN: ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` (or ReLU).

    Same arguments, shapes and parameter names as ``torch.nn.RNN``; ``weight_ih_l[k]`` is
    (H, H_in) for k = 0 and (H, D*H) after.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, *, bidirectional=False, dtype=np.float32, seed=None):
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
                 bidirectional=False, reset="after", dtype=np.float32, seed=None):
        _checks.check_option("reset", reset, _checks.RESETS)
        self.reset = reset
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first,
                         bidirectional=bidirectional, dtype=dtype, seed=seed)


class LSTM(_LSTMStep, _RNNBase):
    """Multi-layer LSTM with ``torch.nn.LSTM``'s gate order ``[i; f; g; o]``; state ``(h, c)``."""


# --------------------------------------------------------------------------------------------
# Cells: one step, with the parameters weight_ih, weight_hh, bias_ih, bias_hh

class _CellBase(_Module):
    def __init__(self, input_size, hidden_size, bias=True, *, dtype=np.float32, seed=None):
        _checks.check_sizes(input_size, hidden_size)
        super().__init__(dtype, seed)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        G, H = self.gates, hidden_size
        self._add_parameter("weight_ih", (G * H, input_size))
        self._add_parameter("weight_hh", (G * H, H))
        if bias:
            self._add_parameter("bias_ih", (G * H,))
            self._add_parameter("bias_hh", (G * H,))

    def forward(self, x, hx=None):
        """x (N, H_in) or (H_in,); hx (N, H) or (H,), a tuple (h, c) for LSTMCell, zeros if None.

        Returns the next state: h' (N, H), or (h', c') for ``LSTMCell``.
        """
        x = self._check_array("input", x)
        batched, N = _checks.check_cell_input(x.shape, self.input_size)
        shape = (N, self.hidden_size) if batched else (self.hidden_size,)
        hx = self._state(hx, ("hx", "cx")[:len(self.state_names)], shape)
        x2, state = (x, hx) if batched else (x[None], tuple(s[None] for s in hx))
        gi = x2 @ self._params["weight_ih"].T                              # (N, G*H)
        if self.bias:
            gi += self._params["bias_ih"]
        state, cache = self._step(gi, state, self._params)
        self._cache = (x2, cache, batched)
        state = state if batched else tuple(s[0] for s in state)
        return state if len(state) > 1 else state[0]

    def backward(self, d_h, d_c=None):
        """Gradients of the last ``forward``: every parameter, ``"input"`` and ``"hx"`` (``"cx"``)."""
        if self._cache is None:
            raise RuntimeError("backward() needs a forward() first")
        x2, cache, batched = self._cache
        self._check_array("d_h", d_h)
        shape = (x2.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        _checks.check_state("d_h", d_h.shape, shape)
        if d_c is None:
            d_c = np.zeros(shape, self.dtype)
        else:
            self._check_array("d_c", d_c)
            _checks.check_state("d_c", d_c.shape, shape)
        d_state = (d_h,) if len(self.state_names) == 1 else (d_h, d_c)
        if not batched:
            d_state = tuple(d[None] for d in d_state)
        grads = {name: np.zeros(p.shape, self.dtype) for name, p in self._params.items()}
        d_gi, d_prev = self._step_backward(d_state, cache, self._params, grads)
        grads["weight_ih"] += d_gi.T @ x2
        if self.bias:
            grads["bias_ih"] += d_gi.sum(axis=0)
        d_x = d_gi @ self._params["weight_ih"]
        grads["input"] = d_x if batched else d_x[0]
        for name, d in zip(("hx", "cx"), d_prev):
            grads[name] = d if batched else d[0]
        return grads

    def __repr__(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"


class RNNCell(_RNNStep, _CellBase):
    """One Elman step, as ``torch.nn.RNNCell``."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", *,
                 dtype=np.float32, seed=None):
        _checks.check_option("nonlinearity", nonlinearity, _checks.NONLINEARITIES)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype=dtype, seed=seed)


class GRUCell(_GRUStep, _CellBase):
    """One GRU step, as ``torch.nn.GRUCell``; ``reset="before"`` for Cho et al.'s candidate."""

    def __init__(self, input_size, hidden_size, bias=True, *, reset="after", dtype=np.float32,
                 seed=None):
        _checks.check_option("reset", reset, _checks.RESETS)
        self.reset = reset
        super().__init__(input_size, hidden_size, bias, dtype=dtype, seed=seed)


class LSTMCell(_LSTMStep, _CellBase):
    """One LSTM step, as ``torch.nn.LSTMCell``; takes and returns the state ``(h, c)``."""
