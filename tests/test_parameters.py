"""Parameters: names, shapes, state_dict interoperability, initialisation, dtypes, and that the
torch backend spells the equations out instead of calling PyTorch's fused kernels.

Oracles: torch.nn's own modules (names, shapes, initial weights under torch.manual_seed, the
fused kernels' names), the distribution U(−1/√H, 1/√H) that torch.nn documents, and the source
text of gru_lib/torch read as a syntax tree.
"""

import ast
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode, resolve_name

import gru_lib.numpy as gnp
import gru_lib.torch as gtorch
from oracles import (GRU_AFTER, H_IN, KINDS, make_gru_lib, make_input, make_torch_nn,
                     max_abs_diff, random_state_dict, run_forward)

CONFIGS = [dict(), dict(num_layers=3), dict(bidirectional=True), dict(bias=False),
           dict(num_layers=2, bidirectional=True, bias=False)]
CONFIG_IDS = ["1layer", "3layers", "bidirectional", "nobias", "2layers-bi-nobias"]


def shapes(named_arrays):
    """[(name, shape), ...] in order, for NumPy arrays and torch tensors alike."""
    return [(name, tuple(a.shape)) for name, a in named_arrays]


# --------------------------------------------------------------------------------------------
# Names and shapes, in order, exactly torch.nn's

@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_layer_parameters_named_and_shaped_like_torch_nn(kind, config, backend):
    module = make_gru_lib(backend, kind, **config)
    expected = shapes(make_torch_nn(kind, **config).named_parameters())
    assert shapes(module.named_parameters()) == expected
    assert shapes(module.state_dict().items()) == expected


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_cell_parameters_named_and_shaped_like_torch_nn(kind, bias, backend):
    module = make_gru_lib(backend, kind, cell=True, bias=bias)
    expected = shapes(make_torch_nn(kind, cell=True, bias=bias).named_parameters())
    assert shapes(module.named_parameters()) == expected


def test_torch_nn_constructor_keywords_are_accepted():
    """torch.nn's keyword names and defaults (dropout and proj_size aside) work in both backends."""
    for module in (gnp, gtorch):
        gru = module.GRU(input_size=3, hidden_size=4, num_layers=2, bias=False, batch_first=True,
                         bidirectional=True)
        assert (gru.input_size, gru.hidden_size, gru.num_layers, gru.bias, gru.batch_first,
                gru.bidirectional) == (3, 4, 2, False, True, True)
        default = module.GRU(3, 4)
        assert (default.num_layers, default.bias, default.batch_first,
                default.bidirectional) == (1, True, False, False)
        assert module.RNN(3, 4, nonlinearity="relu").nonlinearity == "relu"
        assert module.RNNCell(3, 4, nonlinearity="relu").nonlinearity == "relu"
        assert module.GRU(3, 4).reset == "after"


# --------------------------------------------------------------------------------------------
# state_dict in every direction. The oracle of each load is torch.nn's output with the same weights.

def as_numpy(state):
    """{name: NumPy copy} of a state_dict of arrays or tensors."""
    return {k: (v.detach().numpy() if isinstance(v, torch.Tensor) else v).copy()
            for k, v in state.items()}


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("kind", [k for k in KINDS if k.in_torch_nn], ids=str)
def test_state_dict_round_trips_through_torch_nn(kind, config):
    x = make_input("seq_first", np.random.default_rng(0))
    reference = make_torch_nn(kind, **config)                      # random torch.nn weights
    expected = run_forward("torch", reference, x)
    expected_state = as_numpy(reference.state_dict())

    # numpy <- torch.nn (tensors, requires_grad=True ones included), then torch.nn <- numpy
    numpy_module = make_gru_lib("numpy", kind, **config)
    numpy_module.load_state_dict(reference.state_dict())
    numpy_module.load_state_dict(dict(reference.named_parameters()))
    assert max_abs_diff(run_forward("numpy", numpy_module, x), expected) <= 1e-10
    back = make_torch_nn(kind, **config)
    back.load_state_dict({k: torch.from_numpy(v) for k, v in numpy_module.state_dict().items()})
    assert max_abs_diff(run_forward("torch", back, x), expected) == 0

    # gru_lib.torch <- torch.nn, <- numpy; and numpy <- gru_lib.torch, torch.nn <- gru_lib.torch
    torch_module = make_gru_lib("torch", kind, **config)
    torch_module.load_state_dict(reference.state_dict())
    assert max_abs_diff(run_forward("torch", torch_module, x), expected) <= 1e-10
    torch_module = make_gru_lib("torch", kind, **config)
    torch_module.load_state_dict(numpy_module.state_dict())
    assert max_abs_diff(run_forward("torch", torch_module, x), expected) <= 1e-10
    numpy_again = make_gru_lib("numpy", kind, **config)
    numpy_again.load_state_dict(torch_module.state_dict())
    assert max_abs_diff(run_forward("numpy", numpy_again, x), expected) <= 1e-10
    back.load_state_dict(torch_module.state_dict())
    assert max_abs_diff(run_forward("torch", back, x), expected) == 0

    # every hop kept every weight bit for bit
    for module in (numpy_module, torch_module, numpy_again, back):
        state = as_numpy(module.state_dict())
        assert list(state) == list(expected_state)
        assert all(np.array_equal(state[k], expected_state[k]) for k in expected_state)


def test_numpy_state_dict_is_a_copy():
    """As its docstring says (torch.nn's state_dict, by contrast, shares the parameters' memory)."""
    module = make_gru_lib("numpy", GRU_AFTER)
    original = as_numpy(module.state_dict())
    for value in module.state_dict().values():
        value[...] = 0
    assert all(np.array_equal(v, original[k]) for k, v in module.state_dict().items())


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_load_state_dict_copies_its_source(backend):
    module = make_gru_lib(backend, GRU_AFTER)
    source = random_state_dict(GRU_AFTER, np.random.default_rng(0))
    expected = as_numpy(source)
    module.load_state_dict(source)
    for value in source.values():
        value[...] = 7                           # editing the source after loading
    assert all(np.array_equal(v, expected[k]) for k, v in as_numpy(module.state_dict()).items())


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_load_state_dict_casts_to_the_module_dtype(backend):
    float64_state = random_state_dict(GRU_AFTER, np.random.default_rng(0))
    module = make_gru_lib(backend, GRU_AFTER, "float32")
    module.load_state_dict(float64_state)
    for name, value in module.state_dict().items():
        assert str(value.dtype).endswith("float32")
    for name, value in as_numpy(module.state_dict()).items():
        assert np.array_equal(value, float64_state[name].astype(np.float32))


# --------------------------------------------------------------------------------------------
# Initialisation

@pytest.mark.parametrize("dtype", [None, torch.float64], ids=["default_dtype", "float64"])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("kind", [k for k in KINDS if k.in_torch_nn], ids=str)
def test_torch_backend_starts_with_torch_nn_weights_under_the_same_seed(kind, config, dtype):
    options = kind.torch_nn_options()
    torch.manual_seed(1234)
    expected = getattr(torch.nn, kind.layer)(5, 7, **config, **options, dtype=dtype).state_dict()
    torch.manual_seed(1234)
    got = getattr(gtorch, kind.layer)(5, 7, **config, **options, dtype=dtype).state_dict()
    assert list(got) == list(expected)
    assert all(torch.equal(got[k], expected[k]) for k in expected)


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("kind", [k for k in KINDS if k.in_torch_nn], ids=str)
def test_torch_backend_cells_start_with_torch_nn_weights_under_the_same_seed(kind, bias):
    options = kind.torch_nn_options()
    torch.manual_seed(99)
    expected = getattr(torch.nn, kind.cell)(5, 7, bias=bias, **options).state_dict()
    torch.manual_seed(99)
    got = getattr(gtorch, kind.cell)(5, 7, bias=bias, **options).state_dict()
    assert list(got) == list(expected)
    assert all(torch.equal(got[k], expected[k]) for k in expected)


def test_reset_before_gru_starts_like_torch_nn_gru():
    """reset changes the equations, not the parameters or their initialisation."""
    torch.manual_seed(5)
    expected = torch.nn.GRU(4, 6, num_layers=2).state_dict()
    torch.manual_seed(5)
    got = gtorch.GRU(4, 6, num_layers=2, reset="before").state_dict()
    assert all(torch.equal(got[k], expected[k]) for k in expected)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_same_seed_same_weights_other_seed_other_weights(backend):
    def weights(seed):
        cls = gnp.GRU if backend == "numpy" else gtorch.GRU
        return [np.asarray(v) for v in cls(3, 4, num_layers=2, seed=seed).state_dict().values()]
    assert all(np.array_equal(a, b) for a, b in zip(weights(7), weights(7)))
    assert not any(np.array_equal(a, b) for a, b in zip(weights(7), weights(8)))


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_numpy_init_is_uniform_within_one_over_sqrt_hidden(kind):
    """Every parameter ~ U(−k, k), k = 1/√H: the bound, and a Kolmogorov–Smirnov distance."""
    hidden = 64
    cls = getattr(gnp, kind.layer)
    module = cls(32, hidden, num_layers=2, **dict(kind.options), seed=0)
    values = np.concatenate([p.ravel() for p in module.parameters()]).astype(np.float64)
    k = 1 / np.sqrt(hidden)
    assert np.all(np.abs(values) <= k)
    assert values.max() > 0.99 * k and values.min() < -0.99 * k    # the bound is the range
    # KS statistic against the CDF of U(-k, k); 1.63/√n is the 1% critical value
    sorted_values = np.sort(values)
    n = len(sorted_values)
    cdf = (sorted_values + k) / (2 * k)
    ks = max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))
    assert ks < 1.63 / np.sqrt(n), ks
    # and no parameter left out: each one spans most of the range
    for name, p in module.named_parameters():
        assert np.abs(p).max() > 0.8 * k, name


def test_numpy_cells_init_within_the_bound():
    for cls in (gnp.RNNCell, gnp.GRUCell, gnp.LSTMCell):
        module = cls(10, 25, seed=1)
        k = 1 / np.sqrt(25)
        for name, p in module.named_parameters():
            assert np.all(np.abs(p) <= k) and np.abs(p).max() > 0.8 * k, (cls.__name__, name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_dtype_of_parameters_and_results(dtype):
    module = gnp.LSTM(3, 4, dtype=dtype, seed=0)
    assert all(p.dtype == dtype for p in module.parameters())
    output, (h_n, c_n) = module(np.ones((2, 1, 3), dtype))
    assert output.dtype == h_n.dtype == c_n.dtype == dtype
    grads = module.backward(np.ones_like(output))
    assert all(g.dtype == dtype for g in grads.values())


# --------------------------------------------------------------------------------------------
# The torch backend spells the equations out: no nn.GRU/nn.LSTM/nn.RNN, no torch._VF, no fused op

FORBIDDEN_NAMES = {"GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell", "RNNBase",
                   "RNNCellBase", "_VF", "gru", "gru_cell", "lstm", "lstm_cell", "rnn_tanh",
                   "rnn_relu", "rnn_tanh_cell", "rnn_relu_cell", "_rnn_impls"}
TORCH_BACKEND = Path(gtorch.__file__).parent


def attribute_chains(tree):
    """Every dotted name read in the code (``nn.GRU``, ``torch._VF.gru``) and every import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parts, inner = [node.attr], node.value
            while isinstance(inner, ast.Attribute):
                parts.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name):
                yield ".".join([inner.id, *reversed(parts)])
        elif isinstance(node, ast.ImportFrom):
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def fused_references(source):
    """The dotted names in ``source`` that reach a torch.nn recurrent module or a fused kernel."""
    chains = set(attribute_chains(ast.parse(source)))
    torch_chains = [c for c in chains if c.split(".")[0] in ("torch", "nn", "F", "_VF")]
    return sorted(c for c in torch_chains if set(c.split(".")[1:]) & FORBIDDEN_NAMES
                  or c.startswith("torch.nn.modules.rnn"))


def test_fused_reference_check_finds_what_it_looks_for():
    """The check itself: it must flag each way of reaching a fused RNN, and ignore docstrings."""
    source = ('"""Nothing here calls nn.GRU or torch._VF."""\n'
              "from torch import nn, _VF\nfrom torch.nn import LSTMCell\n"
              "import torch.nn.modules.rnn\n"
              "a = nn.GRU(3, 4)\nb = torch._VF.gru\nc = torch.rnn_tanh\nd = nn.Linear(3, 4)\n")
    assert fused_references(source) == ["nn.GRU", "torch._VF", "torch._VF.gru",
                                        "torch.nn.LSTMCell", "torch.nn.modules.rnn",
                                        "torch.rnn_tanh"]
    assert fused_references('"""nn.GRU, torch._VF"""\nimport torch\nx = torch.tanh\n') == []


@pytest.mark.parametrize("path", sorted(TORCH_BACKEND.glob("*.py")), ids=lambda p: p.name)
def test_torch_backend_source_uses_no_fused_recurrent_module(path):
    """Read as code, not text: the module docstring may say "nn.GRU"; the code may not use it."""
    assert fused_references(path.read_text()) == []


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_torch_backend_modules_are_not_torch_nn_recurrent_modules(kind, config):
    layer = make_gru_lib("torch", kind, **config)
    cell = make_gru_lib("torch", kind, cell=True)
    for module in [*layer.modules(), *cell.modules()]:
        assert not isinstance(module, (torch.nn.RNNBase, torch.nn.RNNCellBase)), module
    assert type(layer).__module__ == "gru_lib.torch.modules"


class RecordTorchCalls(TorchFunctionMode):
    """Records the name of every torch function called while the mode is active."""

    def __init__(self):
        super().__init__()
        self.names = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.add(resolve_name(func) or repr(func))
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_torch_backend_calls_no_fused_recurrent_kernel(kind):
    """torch.nn.GRU calls torch.gru (the _VF kernel); gru_lib.torch must not call any such op."""
    x = torch.randn(4, 2, H_IN)
    with RecordTorchCalls() as reference:
        make_torch_nn(kind, "float32", num_layers=2)(x)
    fused = {name for name in reference.names if name.split(".")[-1] in FORBIDDEN_NAMES}
    assert fused, "the recorder should see torch.nn's fused kernel"
    with RecordTorchCalls() as calls:
        make_gru_lib("torch", kind, "float32", num_layers=2, bidirectional=True)(x)
        make_gru_lib("torch", kind, "float32", cell=True)(x[0])
    assert not {name for name in calls.names if name.split(".")[-1] in FORBIDDEN_NAMES}
