"""The oracles the tests compare gru_lib with, and the small helpers the test files share.

An oracle is something gru_lib did not write:

* ``torch.nn`` (RNN, GRU, LSTM and their cells) for every model it has, in the same dtype;
* ``reference_gru``, the reset-before GRU of Cho et al. (2014) written below from the paper's
  equations, gate by gate, in plain torch (``torch.nn`` has no reset-before GRU). Its layer and
  direction loop is validated against ``torch.nn.GRU`` in ``test_forward.py`` by running the same
  code with the PyTorch (reset-after) candidate;
* torch autograd on either of them, for every gradient.

The tests never compare gru_lib with an output of gru_lib captured earlier. (This is a plain module
next to ``conftest.py``, which holds the fixtures; pytest puts ``tests/`` on ``sys.path``.)
"""

from dataclasses import dataclass

import numpy as np
import torch

import gru_lib.numpy as gnp
import gru_lib.torch as gtorch

# Sizes of the standard test problem: L steps, N sequences, H_in input features, H hidden units.
L, N, H_IN, H = 5, 3, 4, 3

# Largest allowed max |difference| with the oracle, forward (outputs and final states) and backward.
FORWARD_TOL = {"float64": 1e-10, "float32": 1e-5}
GRADIENT_TOL = 1e-8                                   # float64

LAYOUTS = ("seq_first", "batch_first", "unbatched")  # (L, N, H_in), (N, L, H_in), (L, H_in)


# --------------------------------------------------------------------------------------------
# The kinds of model under test

@dataclass(frozen=True)
class Kind:
    """A recurrent model: its class names and the gru_lib options that select it.

    ``in_torch_nn`` is False for the reset-before GRU, which ``torch.nn`` does not have: its oracle
    is ``reference_gru``.
    """

    id: str
    layer: str                 # "RNN", "GRU" or "LSTM"; the cell is layer + "Cell"
    options: tuple = ()        # gru_lib keyword options, e.g. (("reset", "before"),)
    in_torch_nn: bool = True

    @property
    def cell(self):
        return self.layer + "Cell"

    @property
    def has_cell_state(self):
        return self.layer == "LSTM"

    def torch_nn_options(self):
        """The options torch.nn understands (nonlinearity); reset is gru_lib's alone."""
        return {k: v for k, v in self.options if k != "reset"}

    def __str__(self):
        return self.id


RNN_TANH = Kind("rnn_tanh", "RNN", (("nonlinearity", "tanh"),))
RNN_RELU = Kind("rnn_relu", "RNN", (("nonlinearity", "relu"),))
GRU_AFTER = Kind("gru_after", "GRU", (("reset", "after"),))
GRU_BEFORE = Kind("gru_before", "GRU", (("reset", "before"),), in_torch_nn=False)
LSTM = Kind("lstm", "LSTM")
KINDS = (RNN_TANH, RNN_RELU, GRU_AFTER, GRU_BEFORE, LSTM)


@dataclass(frozen=True)
class LayerCase:
    """One point of the grid of layer configurations; its str is the pytest id."""

    kind: Kind
    num_layers: int = 1
    bidirectional: bool = False
    layout: str = "seq_first"
    bias: bool = True
    with_h0: bool = True

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def batched(self):
        return self.layout != "unbatched"

    def constructor_kwargs(self):
        """The torch.nn constructor arguments (without the model's own options)."""
        return dict(num_layers=self.num_layers, bias=self.bias,
                    batch_first=self.layout == "batch_first", bidirectional=self.bidirectional)

    def __str__(self):
        return "-".join([self.kind.id, f"{self.num_layers}layer",
                         "bi" if self.bidirectional else "uni", self.layout,
                         "bias" if self.bias else "nobias", "h0" if self.with_h0 else "noh0"])


def layer_grid(kinds=KINDS, layers=(1, 2, 3)):
    """Every combination of kind, depth, directions, layout, bias and h0 given or not."""
    return [LayerCase(kind, num_layers, bidirectional, layout, bias, with_h0)
            for kind in kinds for num_layers in layers for bidirectional in (False, True)
            for layout in LAYOUTS for bias in (True, False) for with_h0 in (True, False)]


@dataclass(frozen=True)
class CellCase:
    kind: Kind
    batched: bool = True
    bias: bool = True
    with_hx: bool = True

    def __str__(self):
        return "-".join([self.kind.id + "_cell", "batched" if self.batched else "unbatched",
                         "bias" if self.bias else "nobias", "hx" if self.with_hx else "nohx"])


def cell_grid(kinds=KINDS):
    return [CellCase(kind, batched, bias, with_hx) for kind in kinds
            for batched in (True, False) for bias in (True, False) for with_hx in (True, False)]


# --------------------------------------------------------------------------------------------
# Building modules

NUMPY_DTYPES = {"float32": np.float32, "float64": np.float64}
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def make_gru_lib(backend, kind, dtype="float64", cell=False, input_size=H_IN, hidden_size=H,
                 **kwargs):
    """A gru_lib module of either backend: ``make_gru_lib("numpy", GRU_BEFORE, num_layers=2)``."""
    module = gnp if backend == "numpy" else gtorch
    dt = NUMPY_DTYPES[dtype] if backend == "numpy" else TORCH_DTYPES[dtype]
    cls = getattr(module, kind.cell if cell else kind.layer)
    return cls(input_size, hidden_size, **kwargs, **dict(kind.options), dtype=dt, seed=0)


def make_torch_nn(kind, dtype="float64", cell=False, input_size=H_IN, hidden_size=H, **kwargs):
    """The torch.nn namesake; for the reset-before GRU, a torch.nn.GRU (same parameter layout)."""
    cls = getattr(torch.nn, kind.cell if cell else kind.layer)
    return cls(input_size, hidden_size, **kwargs, **kind.torch_nn_options(),
               dtype=TORCH_DTYPES[dtype])


def random_state_dict(kind, rng, cell=False, dtype="float64", scale=0.6, **kwargs):
    """Random parameters with torch.nn's names and shapes, U(-scale, scale), as NumPy arrays.

    The names and shapes come from torch.nn itself, so loading them into gru_lib also checks
    that gru_lib names and shapes its parameters exactly like torch.nn.
    """
    template = make_torch_nn(kind, dtype, cell, **kwargs).state_dict()
    return {name: rng.uniform(-scale, scale, size=tuple(t.shape)).astype(NUMPY_DTYPES[dtype])
            for name, t in template.items()}


# --------------------------------------------------------------------------------------------
# Inputs, states, conversion

def make_input(layout, rng, dtype="float64", seq_len=L, batch=N, input_size=H_IN):
    shape = {"seq_first": (seq_len, batch, input_size), "batch_first": (batch, seq_len, input_size),
             "unbatched": (seq_len, input_size)}[layout]
    return rng.standard_normal(shape).astype(NUMPY_DTYPES[dtype])


def make_state(kind, count, batched, rng, dtype="float64", batch=N, hidden_size=H):
    """h0 (count, N, H) or (count, H) unbatched; a tuple (h0, c0) for LSTM."""
    shape = (count, batch, hidden_size) if batched else (count, hidden_size)
    states = tuple(rng.standard_normal(shape).astype(NUMPY_DTYPES[dtype])
                   for _ in range(2 if kind.has_cell_state else 1))
    return states if kind.has_cell_state else states[0]


def make_cell_state(kind, batched, rng, dtype="float64", batch=N, hidden_size=H):
    """A cell's hx: (N, H) or (H,) unbatched; a tuple (h, c) for LSTMCell."""
    shape = (batch, hidden_size) if batched else (hidden_size,)
    states = tuple(rng.standard_normal(shape).astype(NUMPY_DTYPES[dtype])
                   for _ in range(2 if kind.has_cell_state else 1))
    return states if kind.has_cell_state else states[0]


def to_torch(value, requires_grad=False):
    """NumPy array (or tuple of them, or None) -> torch tensor(s)."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(to_torch(v, requires_grad) for v in value)
    return torch.tensor(value, requires_grad=requires_grad)


def flat_numpy(result):
    """The arrays of a forward's result, as a flat list of NumPy arrays.

    (output, h_n) -> [output, h_n]; (output, (h_n, c_n)) -> [output, h_n, c_n]; h -> [h];
    (h, c) -> [h, c]. Works for NumPy arrays and torch tensors alike.
    """
    if isinstance(result, (tuple, list)):
        return [a for item in result for a in flat_numpy(item)]
    if isinstance(result, torch.Tensor):
        return [result.detach().numpy()]
    return [np.asarray(result)]


def run_forward(backend, module, x, hx=None):
    """Call a gru_lib (or torch.nn) module on NumPy data; return the flat list of NumPy results."""
    if backend == "numpy":
        return flat_numpy(module(x, hx))
    with torch.no_grad():
        return flat_numpy(module(to_torch(x), to_torch(hx)))


def max_abs_diff(a_list, b_list):
    """max |a − b| over lists of arrays of equal shapes (a shape mismatch fails the test)."""
    assert len(a_list) == len(b_list), f"{len(a_list)} arrays vs {len(b_list)}"
    for a, b in zip(a_list, b_list):
        assert a.shape == b.shape, f"shape {a.shape} vs {b.shape}"
    return max(float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
               for a, b in zip(a_list, b_list))


# --------------------------------------------------------------------------------------------
# The reference GRU: Cho et al. (2014), written from the paper's equations

def _sigmoid(a):
    return 1.0 / (1.0 + torch.exp(-a))


def reference_gru_step(x, h, w_ih, w_hh, b_ih=None, b_hh=None, reset="before"):
    """One GRU step, gate by gate. x (N, H_in), h (N, H); weights in torch.nn's [r; z; n] layout.

        r  = σ(W_ir x + b_ir + W_hr h + b_hr)
        z  = σ(W_iz x + b_iz + W_hz h + b_hz)
        n  = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)        Cho et al. 2014 ("before")
        n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))        PyTorch / cuDNN ("after")
        h' = (1 − z) ⊙ n + z ⊙ h
    """
    W_ir, W_iz, W_in = w_ih.chunk(3, dim=0)
    W_hr, W_hz, W_hn = w_hh.chunk(3, dim=0)
    zeros = torch.zeros(w_hh.shape[0], dtype=w_hh.dtype)
    b_ir, b_iz, b_in = (zeros if b_ih is None else b_ih).chunk(3)
    b_hr, b_hz, b_hn = (zeros if b_hh is None else b_hh).chunk(3)
    r = _sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = _sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    if reset == "before":
        n = torch.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    else:
        n = torch.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    return (1 - z) * n + z * h


def reference_gru(params, x, h0=None, *, num_layers=1, bidirectional=False, batch_first=False,
                  reset="before"):
    """A stacked, optionally bidirectional GRU of ``reference_gru_step``; torch.nn's conventions.

    params: torch.nn.GRU's names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ...) -> tensors.
    x: (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched;
    h0: (layers·D, N, H), or (layers·D, H) unbatched.
    Returns (output, h_n) shaped like torch.nn.GRU's.
    """
    unbatched = x.dim() == 2
    if unbatched:
        x = x.unsqueeze(1)
        h0 = None if h0 is None else h0.unsqueeze(1)
    elif batch_first:
        x = x.transpose(0, 1)
    seq_len, batch = x.shape[:2]
    hidden = params["weight_hh_l0"].shape[1]
    directions = 2 if bidirectional else 1
    if h0 is None:
        h0 = torch.zeros(num_layers * directions, batch, hidden, dtype=x.dtype)
    layer_input, finals = x, []
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            p = [params.get(name + suffix) for name in ("weight_ih", "weight_hh", "bias_ih",
                                                        "bias_hh")]
            h = h0[layer * directions + direction]
            out = [None] * seq_len
            times = range(seq_len) if direction == 0 else range(seq_len - 1, -1, -1)
            for t in times:
                h = reference_gru_step(layer_input[t], h, *p, reset=reset)
                out[t] = h
            outputs.append(torch.stack(out))
            finals.append(h)
        layer_input = torch.cat(outputs, dim=2)
    output, h_n = layer_input, torch.stack(finals)
    if unbatched:
        return output[:, 0], h_n[:, 0]
    return (output.transpose(0, 1) if batch_first else output), h_n


# --------------------------------------------------------------------------------------------
# Oracles: a forward function with named parameter leaves, for values and autograd gradients

def layer_oracle(case, state_dict, dtype="float64"):
    """(forward(x, hx) -> (output, h_n), {name: parameter tensor}) for a LayerCase.

    torch.nn for every kind it has; ``reference_gru`` for the reset-before GRU.
    """
    if case.kind.in_torch_nn:
        sizes = dict(input_size=state_dict["weight_ih_l0"].shape[1],
                     hidden_size=state_dict["weight_hh_l0"].shape[1])
        module = make_torch_nn(case.kind, dtype, **sizes, **case.constructor_kwargs())
        module.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
        return module, dict(module.named_parameters())
    params = {k: torch.tensor(v, requires_grad=True) for k, v in state_dict.items()}

    def forward(x, h0=None):
        return reference_gru(params, x, h0, num_layers=case.num_layers,
                             bidirectional=case.bidirectional,
                             batch_first=case.layout == "batch_first", reset="before")
    return forward, params


def cell_oracle(case, state_dict, dtype="float64"):
    """(forward(x, hx) -> h' or (h', c'), {name: parameter tensor}) for a CellCase."""
    if case.kind.in_torch_nn:
        sizes = dict(input_size=state_dict["weight_ih"].shape[1],
                     hidden_size=state_dict["weight_hh"].shape[1])
        module = make_torch_nn(case.kind, dtype, cell=True, bias=case.bias, **sizes)
        module.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
        return module, dict(module.named_parameters())
    params = {k: torch.tensor(v, requires_grad=True) for k, v in state_dict.items()}

    def forward(x, h=None):
        unbatched = x.dim() == 1
        x2 = x.unsqueeze(0) if unbatched else x
        if h is None:
            h = torch.zeros(x2.shape[0], params["weight_hh"].shape[1], dtype=x.dtype)
        elif unbatched:
            h = h.unsqueeze(0)
        h_new = reference_gru_step(x2, h, params["weight_ih"], params["weight_hh"],
                                   params.get("bias_ih"), params.get("bias_hh"), reset="before")
        return h_new[0] if unbatched else h_new
    return forward, params


def linear_loss_weights(outputs, rng):
    """Random weights w_k, one per output array: the loss is Σ_k Σ w_k ⊙ out_k."""
    return [rng.standard_normal(a.shape) for a in outputs]


def autograd_gradients(forward, params, x, hx, loss_weights, state_names):
    """Gradients of Σ_k Σ w_k ⊙ out_k by torch autograd, as {name: NumPy array}.

    forward: an oracle (or gru_lib.torch module); params: its {name: leaf tensor}; x, hx: NumPy
    (hx a tuple for LSTM); loss_weights: one array per output, or None to leave an output out;
    state_names: ("h0",), ("h0", "c0"), ("hx",) or ("hx", "cx"). hx must be given, so that it
    gets a gradient: to compare with a module run with hx=None, pass zeros (what None means).
    """
    x_t = torch.tensor(x, requires_grad=True)
    states = hx if isinstance(hx, tuple) else (hx,)
    states_t = tuple(torch.tensor(s, requires_grad=True) for s in states)
    result = forward(x_t, states_t if len(states_t) > 1 else states_t[0])
    outputs = _flat_tensors(result)
    loss = sum((out * torch.from_numpy(w)).sum()
               for out, w in zip(outputs, loss_weights) if w is not None)
    leaves = list(params.values()) + [x_t, *states_t]
    grads = torch.autograd.grad(loss, leaves, allow_unused=True)
    names = list(params) + ["input", *state_names]
    return {name: (np.zeros(leaf.shape) if g is None else g.detach().numpy())
            for name, leaf, g in zip(names, leaves, grads)}


def _flat_tensors(result):
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in _flat_tensors(item)]
    return [result]
