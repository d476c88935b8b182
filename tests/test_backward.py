"""Gradients: the NumPy backend's hand-written BPTT and the torch backend's autograd.

Oracles: torch autograd through torch.nn (or, for reset="before", through the reference GRU of
``oracles.py``) for the linear loss Σ w ⊙ output + Σ w' ⊙ h_n with random weights, in float64,
to 1e-8; and central finite differences, both gru_lib.gradcheck's and a small loop written here.
"""

import numpy as np
import pytest
import torch

from gru_lib.gradcheck import check_gradients
from oracles import (GRADIENT_TOL, GRU_BEFORE, H, H_IN, KINDS, LSTM, N, CellCase, LayerCase,
                     autograd_gradients, cell_grid, cell_oracle, flat_numpy, layer_grid,
                     layer_oracle, linear_loss_weights, make_cell_state, make_gru_lib,
                     make_input, make_state, make_torch_nn, random_state_dict, to_torch)


def layer_problem(case, seed=0):
    """Random float64 parameters, input, initial state (zeros when the case has none)."""
    rng = np.random.default_rng(seed)
    state_dict = random_state_dict(case.kind, rng, **case.constructor_kwargs())
    x = make_input(case.layout, rng)
    count = case.num_layers * case.num_directions
    hx = make_state(case.kind, count, case.batched, rng)
    if not case.with_h0:
        hx = tuple(np.zeros_like(s) for s in hx) if isinstance(hx, tuple) else np.zeros_like(hx)
    return state_dict, x, hx, rng


def state_names(kind, cell=False):
    names = ("hx", "cx") if cell else ("h0", "c0")
    return names if kind.has_cell_state else names[:1]


def assert_gradients_close(got, expected, tol=GRADIENT_TOL):
    """Same names, same shapes, max |difference| ≤ tol for every gradient."""
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name].shape == expected[name].shape, name
        diff = float(np.max(np.abs(got[name] - expected[name])))
        assert diff <= tol, f"gradient of {name}: max |difference| {diff:.3g} > {tol}"


# --------------------------------------------------------------------------------------------
# NumPy backward vs torch autograd over the layer grid, with and without d_h_n

@pytest.mark.parametrize("with_d_h_n", [True, False], ids=["d_h_n", "no_d_h_n"])
@pytest.mark.parametrize("case", layer_grid(), ids=str)
def test_numpy_backward_matches_autograd(case, with_d_h_n):
    state_dict, x, hx, rng = layer_problem(case)
    module = make_gru_lib("numpy", case.kind, **case.constructor_kwargs())
    module.load_state_dict(state_dict)
    outputs = flat_numpy(module(x, hx if case.with_h0 else None))
    weights = linear_loss_weights(outputs, rng)
    if not with_d_h_n:
        weights[1:] = [None] * (len(weights) - 1)        # the loss reads the output only

    d_h_n = None if not with_d_h_n else (tuple(weights[1:]) if len(weights) > 2 else weights[1])
    got = module.backward(weights[0], d_h_n)

    forward, params = layer_oracle(case, state_dict)
    expected = autograd_gradients(forward, params, x, hx, weights, state_names(case.kind))
    assert_gradients_close(got, expected)


# --------------------------------------------------------------------------------------------
# The torch backend's autograd vs torch.nn's autograd (reference GRU for reset="before")

@pytest.mark.parametrize("case", layer_grid(), ids=str)
def test_torch_backend_autograd_matches_oracle(case):
    state_dict, x, hx, rng = layer_problem(case)
    module = make_gru_lib("torch", case.kind, **case.constructor_kwargs())
    module.load_state_dict(state_dict)
    with torch.no_grad():
        weights = linear_loss_weights(flat_numpy(module(to_torch(x), to_torch(hx))), rng)

    got = autograd_gradients(module, dict(module.named_parameters()), x, hx, weights,
                             state_names(case.kind))
    forward, params = layer_oracle(case, state_dict)
    expected = autograd_gradients(forward, params, x, hx, weights, state_names(case.kind))
    assert_gradients_close(got, expected)


# --------------------------------------------------------------------------------------------
# Cells: NumPy backward (d_h, and d_c for LSTMCell) vs autograd

@pytest.mark.parametrize("case", cell_grid(), ids=str)
def test_numpy_cell_backward_matches_autograd(case):
    rng = np.random.default_rng(2)
    state_dict = random_state_dict(case.kind, rng, cell=True, bias=case.bias)
    x = rng.standard_normal((N, H_IN) if case.batched else (H_IN,))
    hx = make_cell_state(case.kind, case.batched, rng)
    if not case.with_hx:
        hx = tuple(np.zeros_like(s) for s in hx) if isinstance(hx, tuple) else np.zeros_like(hx)
    module = make_gru_lib("numpy", case.kind, cell=True, bias=case.bias)
    module.load_state_dict(state_dict)
    weights = linear_loss_weights(flat_numpy(module(x, hx if case.with_hx else None)), rng)

    got = module.backward(*weights)

    forward, params = cell_oracle(case, state_dict)
    expected = autograd_gradients(forward, params, x, hx, weights, state_names(case.kind, True))
    assert_gradients_close(got, expected)


def test_lstm_cell_backward_without_d_c_means_zero():
    """Oracle: the same backward with an explicit zero d_c."""
    module = make_gru_lib("numpy", LSTM, cell=True)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, H_IN))
    module(x)
    d_h = rng.standard_normal((N, H))
    implicit = module.backward(d_h)
    explicit = module.backward(d_h, np.zeros((N, H)))
    assert all(np.array_equal(implicit[k], explicit[k]) for k in explicit)


def test_backward_returns_every_gradient_name():
    """Every state_dict key, plus "input", "h0" and "c0"; cells "input", "hx", "cx"."""
    layer = make_gru_lib("numpy", LSTM, num_layers=2, bidirectional=True)
    output, (h_n, c_n) = layer(make_input("seq_first", np.random.default_rng(0)))
    grads = layer.backward(np.ones_like(output))
    assert set(grads) == set(layer.state_dict()) | {"input", "h0", "c0"}
    cell = make_gru_lib("numpy", LSTM, cell=True)
    h, c = cell(np.ones((N, H_IN)))
    assert set(cell.backward(np.ones_like(h))) == set(cell.state_dict()) | {"input", "hx", "cx"}


# --------------------------------------------------------------------------------------------
# Finite differences, with gru_lib.gradcheck.check_gradients

FD_LAYER_CASES = [LayerCase(kind, num_layers=2, bidirectional=True, layout=layout)
                  for kind in KINDS for layout in ("seq_first", "unbatched")]


@pytest.mark.parametrize("case", FD_LAYER_CASES, ids=str)
def test_numpy_backward_matches_finite_differences(case):
    rng = np.random.default_rng(3)
    module = make_gru_lib("numpy", case.kind, input_size=3, hidden_size=2,
                          **case.constructor_kwargs())
    x = make_input(case.layout, rng, seq_len=3, batch=2, input_size=3)
    hx = make_state(case.kind, 4, case.batched, rng, batch=2, hidden_size=2)

    errors = check_gradients(module, x, hx)

    assert set(errors) == set(module.state_dict()) | {"input", *state_names(case.kind)}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("case", [CellCase(kind) for kind in KINDS], ids=str)
def test_numpy_cell_backward_matches_finite_differences(case):
    rng = np.random.default_rng(4)
    module = make_gru_lib("numpy", case.kind, cell=True)
    x = rng.standard_normal((N, H_IN))
    hx = make_cell_state(case.kind, True, rng)

    errors = check_gradients(module, x, hx)

    assert set(errors) == set(module.state_dict()) | {"input", *state_names(case.kind, True)}
    assert max(errors.values()) < 1e-7, errors


# --------------------------------------------------------------------------------------------
# Finite differences once more, with a loop written here (independent of gru_lib.gradcheck)

def test_reset_before_gru_backward_matches_hand_written_finite_differences():
    """∂loss/∂θ ≈ (loss(θ + ε) − loss(θ − ε)) / 2ε for a few entries of every kind of array."""
    rng = np.random.default_rng(5)
    module = make_gru_lib("numpy", GRU_BEFORE, num_layers=2, bidirectional=True)
    x = rng.standard_normal((4, 2, H_IN))
    h0 = rng.standard_normal((4, 2, H))
    output, h_n = module(x, h0)
    w_out, w_h = rng.standard_normal(output.shape), rng.standard_normal(h_n.shape)

    def loss():
        output, h_n = module(x, h0)
        return float(np.sum(w_out * output) + np.sum(w_h * h_n))

    module(x, h0)
    grads = module.backward(w_out, w_h)
    arrays = dict(module.named_parameters(), input=x, h0=h0)   # live arrays: perturb in place
    eps = 1e-6
    for name, array in arrays.items():
        for index in [(0,) * array.ndim, tuple(s - 1 for s in array.shape)]:
            saved = array[index]
            array[index] = saved + eps
            up = loss()
            array[index] = saved - eps
            down = loss()
            array[index] = saved
            numeric = (up - down) / (2 * eps)
            assert abs(grads[name][index] - numeric) < 1e-7, (name, index)


@pytest.mark.parametrize("kind", [k for k in KINDS if k.in_torch_nn], ids=str)
def test_numpy_backward_of_unbatched_input_to_a_batch_first_module(kind):
    rng = np.random.default_rng(6)
    config = dict(num_layers=2, bidirectional=True, batch_first=True)
    state_dict = random_state_dict(kind, rng, **config)
    x, hx = make_input("unbatched", rng), make_state(kind, 4, False, rng)
    module = make_gru_lib("numpy", kind, **config)
    module.load_state_dict(state_dict)
    weights = linear_loss_weights(flat_numpy(module(x, hx)), rng)

    got = module.backward(weights[0], tuple(weights[1:]) if len(weights) > 2 else weights[1])

    reference = make_torch_nn(kind, **config)
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
    expected = autograd_gradients(reference, dict(reference.named_parameters()), x, hx, weights,
                                  state_names(kind))
    assert_gradients_close(got, expected)
