"""Forward parity: both backends against torch.nn, and the reset-before GRU against Cho et al.

Oracle: ``torch.nn.RNN/GRU/LSTM`` and their cells, in the same dtype, with the same parameters
(loaded from one random state_dict); for ``reset="before"``, ``oracles.reference_gru``, the
paper's equations written in the test. Tolerance: max |difference| of outputs and final states
≤ 1e-10 in float64, ≤ 1e-5 in float32.
"""

import numpy as np
import pytest
import torch

from oracles import (FORWARD_TOL, GRU_AFTER, GRU_BEFORE, H, H_IN, KINDS, LAYOUTS, N, LayerCase,
                     cell_grid, cell_oracle, layer_grid, layer_oracle, make_cell_state,
                     make_gru_lib, make_input, make_state, make_torch_nn, max_abs_diff,
                     random_state_dict, reference_gru, run_forward, to_torch)


def layer_problem(case, dtype, seed=0):
    """Random parameters, input and (if the case says so) initial state for a LayerCase."""
    rng = np.random.default_rng(seed)
    state_dict = random_state_dict(case.kind, rng, dtype=dtype, **case.constructor_kwargs())
    x = make_input(case.layout, rng, dtype)
    count = case.num_layers * case.num_directions
    hx = make_state(case.kind, count, case.batched, rng, dtype) if case.with_h0 else None
    return state_dict, x, hx


def oracle_forward(case, state_dict, x, hx, dtype):
    forward, _ = layer_oracle(case, state_dict, dtype)
    with torch.no_grad():
        result = forward(to_torch(x), to_torch(hx))
    return [t.numpy() for t in (result[0], *(result[1] if isinstance(result[1], tuple)
                                             else (result[1],)))]


# --------------------------------------------------------------------------------------------
# First the oracle itself: reference_gru with PyTorch's candidate must equal torch.nn.GRU, so its
# loop over layers, directions, layouts and time is right, and only the candidate line differs.

@pytest.mark.parametrize("case", layer_grid(kinds=[GRU_AFTER]), ids=str)
def test_reference_gru_with_reset_after_equals_torch_nn(case):
    state_dict, x, hx = layer_problem(case, "float64")
    params = {k: torch.from_numpy(v) for k, v in state_dict.items()}
    with torch.no_grad():
        got = reference_gru(params, to_torch(x), to_torch(hx), num_layers=case.num_layers,
                            bidirectional=case.bidirectional,
                            batch_first=case.layout == "batch_first", reset="after")
    expected = oracle_forward(case, state_dict, x, hx, "float64")
    assert max_abs_diff([t.numpy() for t in got], expected) <= 1e-12


def test_reference_gru_reset_before_differs_from_reset_after():
    """The two candidates are different models: otherwise the reset-before tests prove nothing."""
    case = LayerCase(GRU_BEFORE)
    state_dict, x, hx = layer_problem(case, "float64")
    params = {k: torch.from_numpy(v) for k, v in state_dict.items()}
    before, after = (reference_gru(params, to_torch(x), to_torch(hx), reset=reset)[0]
                     for reset in ("before", "after"))
    assert float((before - after).abs().max()) > 1e-3


# --------------------------------------------------------------------------------------------
# Layers: 5 kinds × 1-3 layers × uni/bi × 3 layouts × bias × h0, both dtypes, both backends

@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", layer_grid(), ids=str)
def test_layer_forward_matches_oracle(case, dtype, backend):
    state_dict, x, hx = layer_problem(case, dtype)
    module = make_gru_lib(backend, case.kind, dtype, **case.constructor_kwargs())
    module.load_state_dict(state_dict)

    got = run_forward(backend, module, x, hx)
    expected = oracle_forward(case, state_dict, x, hx, dtype)

    assert all(g.dtype == np.dtype(dtype) for g in got)
    assert max_abs_diff(got, expected) <= FORWARD_TOL[dtype]


# --------------------------------------------------------------------------------------------
# Cells: 5 kinds × batched or not × bias × hx given or not, both dtypes, both backends

@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", cell_grid(), ids=str)
def test_cell_forward_matches_oracle(case, dtype, backend):
    rng = np.random.default_rng(1)
    state_dict = random_state_dict(case.kind, rng, cell=True, dtype=dtype, bias=case.bias)
    x = rng.standard_normal((N, H_IN) if case.batched else (H_IN,)).astype(dtype)
    hx = make_cell_state(case.kind, case.batched, rng, dtype) if case.with_hx else None
    module = make_gru_lib(backend, case.kind, dtype, cell=True, bias=case.bias)
    module.load_state_dict(state_dict)

    got = run_forward(backend, module, x, hx)
    forward, _ = cell_oracle(case, state_dict, dtype)
    expected = run_forward("torch", forward, x, hx)

    assert max_abs_diff(got, expected) <= FORWARD_TOL[dtype]


# --------------------------------------------------------------------------------------------
# Shapes and dtypes of what forward returns, spelled out (the grid above compares with oracles
# of the same shapes; here the shapes are written down as torch.nn's documentation gives them)

@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_layer_output_shapes(kind, layout, backend):
    num_layers, D, L = 2, 2, 6
    module = make_gru_lib(backend, kind, "float64", num_layers=num_layers, bidirectional=True,
                          batch_first=layout == "batch_first")
    x = make_input(layout, np.random.default_rng(0), seq_len=L)
    output, *states = run_forward(backend, module, x)
    expected_output = {"seq_first": (L, N, D * H), "batch_first": (N, L, D * H),
                       "unbatched": (L, D * H)}[layout]
    expected_state = (num_layers * D, N, H) if layout != "unbatched" else (num_layers * D, H)
    assert output.shape == expected_output
    assert [s.shape for s in states] == [expected_state] * (2 if kind.has_cell_state else 1)


def test_float32_is_the_default_dtype_of_both_backends():
    import gru_lib.numpy as gnp
    import gru_lib.torch as gtorch
    x = np.zeros((2, 1, 3), np.float32)
    out_np, h_np = gnp.GRU(3, 4)(x)
    out_t, h_t = gtorch.GRU(3, 4)(torch.from_numpy(x))
    assert out_np.dtype == h_np.dtype == np.float32
    assert out_t.dtype == h_t.dtype == torch.float32
    assert all(p.dtype == np.float32 for p in gnp.GRU(3, 4).parameters())


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_h0_none_means_zeros(backend):
    """Oracle: the same module given explicit zeros (torch.nn's documented meaning of h0=None)."""
    module = make_gru_lib(backend, GRU_BEFORE, num_layers=2, bidirectional=True)
    x = make_input("seq_first", np.random.default_rng(0))
    zeros = np.zeros((4, N, H))
    implicit, explicit = run_forward(backend, module, x), run_forward(backend, module, x, zeros)
    assert max_abs_diff(implicit, explicit) == 0


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("kind", [k for k in KINDS if k.in_torch_nn], ids=str)
def test_batch_first_does_not_apply_to_unbatched_input(kind, backend):
    """torch.nn reads an unbatched (L, H_in) input the same way whatever batch_first says."""
    rng = np.random.default_rng(3)
    config = dict(num_layers=2, bidirectional=True, batch_first=True)
    state_dict = random_state_dict(kind, rng, **config)
    x = make_input("unbatched", rng)
    hx = make_state(kind, 4, False, rng)
    module = make_gru_lib(backend, kind, **config)
    module.load_state_dict(state_dict)
    reference = make_torch_nn(kind, **config)
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
    expected = run_forward("torch", reference, x, hx)
    assert max_abs_diff(run_forward(backend, module, x, hx), expected) <= FORWARD_TOL["float64"]
