"""Variable-length batches: ``forward(x, hx, lengths=...)`` against torch's packed sequences.

Oracles: ``torch.nn.utils.rnn.pack_padded_sequence`` (enforce_sorted=False) + torch.nn.RNN / GRU /
LSTM + ``pad_packed_sequence``, and torch autograd through that packed path, in float64. The
reset-before GRU, which torch.nn lacks, is compared with ``reference_gru`` run on each sequence
alone, cut to its own length; that per-sequence oracle is itself checked against packing for the
kinds torch.nn has. Padded steps must change nothing: outputs there are 0, ``h_n`` is the state
at each sequence's last valid step (the reverse direction starts there), padded inputs get zero
gradient, and whatever the padding holds leaves every result unchanged.
"""

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from oracles import (FORWARD_TOL, GRADIENT_TOL, GRU_AFTER, GRU_BEFORE, KINDS, L, LSTM, N,
                     RNN_TANH, LayerCase, autograd_gradients, flat_numpy, layer_oracle,
                     linear_loss_weights, make_gru_lib, make_input, make_state, max_abs_diff,
                     random_state_dict, reference_gru, to_torch)

# L = 5 steps, N = 3 sequences: unsorted with a length-1 sequence, sorted, all full (= no lengths)
LENGTHS = {"unsorted": [3, 5, 1], "sorted": [5, 4, 2], "full": [5, 5, 5]}
LAYOUTS = ("seq_first", "batch_first")


def length_grid(kinds=KINDS):
    return [(LayerCase(kind, num_layers, bidirectional, layout), lengths)
            for kind in kinds for num_layers in (1, 2) for bidirectional in (False, True)
            for layout in LAYOUTS for lengths in LENGTHS]


def case_id(value):
    return str(value)


def packed_oracle(case, state_dict, lengths, dtype="float64"):
    """(forward(x, hx) -> (output, h_n), {name: parameter tensor}) on padded input with lengths.

    torch.nn through pack_padded_sequence / pad_packed_sequence (padded outputs are zeros) for
    the kinds torch.nn has; the per-sequence reference GRU for reset="before".
    """
    if not case.kind.in_torch_nn:
        return per_sequence_oracle(case, state_dict, lengths)
    module, params = layer_oracle(case, state_dict, dtype)
    batch_first = case.layout == "batch_first"

    def forward(x, hx=None):
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first,
                                      enforce_sorted=False)
        output, state = module(packed, hx)
        output, _ = pad_packed_sequence(output, batch_first=batch_first, total_length=L)
        return output, state
    return forward, params


def per_sequence_oracle(case, state_dict, lengths):
    """Run each sequence alone on its valid steps (no padding at all) and pad the outputs."""
    params = {k: torch.tensor(v, requires_grad=True) for k, v in state_dict.items()}
    reset = dict(case.kind.options).get("reset", "after")
    batch_first = case.layout == "batch_first"

    def forward(x, h0):
        x = x.transpose(0, 1) if batch_first else x                        # (L, N, H_in)
        outputs, finals = [], []
        for i, length in enumerate(lengths):
            out, h_n = reference_gru(params, x[:length, i], h0[:, i], num_layers=case.num_layers,
                                     bidirectional=case.bidirectional, reset=reset)
            outputs.append(torch.cat([out, out.new_zeros(L - length, out.shape[1])]))
            finals.append(h_n)
        output = torch.stack(outputs, dim=1)                               # (L, N, D*H)
        return (output.transpose(0, 1) if batch_first else output), torch.stack(finals, dim=1)
    return forward, params


def problem(case, seed=0):
    """Random float64 parameters, padded input (padding filled with noise) and initial state."""
    rng = np.random.default_rng(seed)
    state_dict = random_state_dict(case.kind, rng, **case.constructor_kwargs())
    x = make_input(case.layout, rng)
    hx = make_state(case.kind, case.num_layers * case.num_directions, True, rng)
    return state_dict, x, hx, rng


def state_names(kind):
    return ("h0", "c0") if kind.has_cell_state else ("h0",)


# --------------------------------------------------------------------------------------------
# Forward: both backends against packing

@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("case,lengths", length_grid(), ids=case_id)
def test_forward_matches_packed_sequence(case, lengths, backend):
    state_dict, x, hx, _ = problem(case)
    lengths = LENGTHS[lengths]
    module = make_gru_lib(backend, case.kind, **case.constructor_kwargs())
    module.load_state_dict(state_dict)
    if backend == "numpy":
        got = flat_numpy(module(x, hx, lengths=np.array(lengths)))
    else:
        with torch.no_grad():
            got = flat_numpy(module(to_torch(x), to_torch(hx), lengths=torch.tensor(lengths)))
    forward, _ = packed_oracle(case, state_dict, lengths)
    with torch.no_grad():
        expected = flat_numpy(forward(to_torch(x), to_torch(hx)))
    assert max_abs_diff(got, expected) <= FORWARD_TOL["float64"]


@pytest.mark.parametrize("case,lengths", length_grid(kinds=(GRU_AFTER,)), ids=case_id)
def test_per_sequence_oracle_matches_packing(case, lengths):
    """The reset-before oracle's length handling, run with the PyTorch candidate, is packing."""
    state_dict, x, hx, _ = problem(case)
    with torch.no_grad():
        packed = flat_numpy(packed_oracle(case, state_dict, LENGTHS[lengths])[0](
            to_torch(x), to_torch(hx)))
        alone = flat_numpy(per_sequence_oracle(case, state_dict, LENGTHS[lengths])[0](
            to_torch(x), to_torch(hx)))
    assert max_abs_diff(alone, packed) <= FORWARD_TOL["float64"]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("kind", [GRU_AFTER, LSTM], ids=str)
def test_forward_float32_matches_packed_sequence(kind, backend):
    case = LayerCase(kind, num_layers=2, bidirectional=True, layout="batch_first")
    state_dict, x, hx, _ = problem(case)
    lengths = LENGTHS["unsorted"]
    state_dict = {k: v.astype(np.float32) for k, v in state_dict.items()}
    x = x.astype(np.float32)
    hx = tuple(s.astype(np.float32) for s in hx) if kind is LSTM else hx.astype(np.float32)
    module = make_gru_lib(backend, kind, dtype="float32", **case.constructor_kwargs())
    module.load_state_dict(state_dict)
    with torch.no_grad():
        got = flat_numpy(module(x, hx, lengths=lengths) if backend == "numpy" else
                         module(to_torch(x), to_torch(hx), lengths=lengths))
        forward, _ = packed_oracle(case, state_dict, lengths, "float32")
        expected = flat_numpy(forward(to_torch(x), to_torch(hx)))
    assert max_abs_diff(got, expected) <= FORWARD_TOL["float32"]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_full_lengths_equal_no_lengths(kind, backend):
    """lengths = L everywhere is bit for bit the call without lengths."""
    case = LayerCase(kind, num_layers=2, bidirectional=True)
    state_dict, x, hx, _ = problem(case)
    module = make_gru_lib(backend, kind, **case.constructor_kwargs())
    module.load_state_dict(state_dict)
    with torch.no_grad():
        args = (x, hx) if backend == "numpy" else (to_torch(x), to_torch(hx))
        with_lengths = flat_numpy(module(*args, lengths=[L] * N))
        without = flat_numpy(module(*args))
    for a, b in zip(with_lengths, without):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_padding_content_is_ignored(kind, backend):
    """Replacing the padded inputs by large noise changes no result."""
    case = LayerCase(kind, num_layers=2, bidirectional=True, layout="batch_first")
    state_dict, x, hx, rng = problem(case)
    lengths = LENGTHS["unsorted"]
    noisy = x.copy()
    for i, length in enumerate(lengths):
        noisy[i, length:] = 100 * rng.standard_normal(noisy[i, length:].shape)
    module = make_gru_lib(backend, kind, **case.constructor_kwargs())
    module.load_state_dict(state_dict)
    with torch.no_grad():
        results = [flat_numpy(module(a, hx, lengths=lengths) if backend == "numpy" else
                              module(to_torch(a), to_torch(hx), lengths=lengths))
                   for a in (x, noisy)]
    assert max_abs_diff(*results) == 0.0


def test_lengths_accept_lists_numpy_and_torch_integers():
    module = make_gru_lib("numpy", GRU_AFTER)
    x = make_input("seq_first", np.random.default_rng(0))
    results = [flat_numpy(module(x, lengths=lengths)) for lengths in
               ([3, 5, 1], np.array([3, 5, 1], np.int32), torch.tensor([3, 5, 1]))]
    assert max_abs_diff(results[0], results[1]) == max_abs_diff(results[0], results[2]) == 0.0


# --------------------------------------------------------------------------------------------
# Backward: the NumPy BPTT and the torch backend's autograd against autograd through packing

@pytest.mark.parametrize("case,lengths", length_grid(), ids=case_id)
def test_numpy_backward_matches_autograd_through_packing(case, lengths):
    state_dict, x, hx, rng = problem(case)
    lengths = LENGTHS[lengths]
    module = make_gru_lib("numpy", case.kind, **case.constructor_kwargs())
    module.load_state_dict(state_dict)
    outputs = flat_numpy(module(x, hx, lengths=lengths))
    weights = linear_loss_weights(outputs, rng)           # random weights on padded outputs too
    d_h_n = tuple(weights[1:]) if len(weights) > 2 else weights[1]
    got = module.backward(weights[0], d_h_n)
    forward, params = packed_oracle(case, state_dict, lengths)
    expected = autograd_gradients(forward, params, x, hx, weights, state_names(case.kind))
    assert sorted(got) == sorted(expected)
    for name in expected:
        diff = float(np.max(np.abs(got[name] - expected[name])))
        assert diff <= GRADIENT_TOL, f"gradient of {name}: max |difference| {diff:.3g}"
    d_x = got["input"] if case.layout == "batch_first" else got["input"].transpose(1, 0, 2)
    for i, length in enumerate(lengths):
        assert not d_x[i, length:].any(), "padded inputs must get exactly zero gradient"


@pytest.mark.parametrize("case,lengths", length_grid(kinds=(RNN_TANH, GRU_BEFORE, LSTM))[::3],
                         ids=case_id)
def test_torch_backend_gradients_match_autograd_through_packing(case, lengths):
    state_dict, x, hx, rng = problem(case)
    lengths = LENGTHS[lengths]
    module = make_gru_lib("torch", case.kind, **case.constructor_kwargs())
    module.load_state_dict(state_dict)
    params = dict(module.named_parameters())

    def forward(x_t, hx_t):
        return module(x_t, hx_t, lengths=lengths)
    with torch.no_grad():
        weights = linear_loss_weights(flat_numpy(forward(to_torch(x), to_torch(hx))), rng)
    got = autograd_gradients(forward, params, x, hx, weights, state_names(case.kind))
    oracle, oracle_params = packed_oracle(case, state_dict, lengths)
    expected = autograd_gradients(oracle, oracle_params, x, hx, weights, state_names(case.kind))
    assert max_abs_diff([got[k] for k in expected], list(expected.values())) <= GRADIENT_TOL


# --------------------------------------------------------------------------------------------
# Validation: the same clear errors from both backends

BAD_LENGTHS = [
    ([3.0, 5.0, 1.0], TypeError, r"expected lengths of an integer dtype, got (torch\.)?float"),
    ([True, True, True], TypeError, r"expected lengths of an integer dtype, got (torch\.)?bool"),
    ([3, 5], ValueError, r"expected lengths of shape \(3,\), one per sequence in the batch, "
                         r"got \(2,\)"),
    ([[3, 5, 1]], ValueError, r"expected lengths of shape \(3,\)"),
    ([3, 0, 1], ValueError, "expected every length between 1 and the sequence length L=5, got "
                            "lengths from 0 to 3"),
    ([3, 6, 1], ValueError, "expected every length between 1 and the sequence length L=5, got "
                            "lengths from 1 to 6"),
]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("lengths,error,message", BAD_LENGTHS, ids=range(len(BAD_LENGTHS)))
def test_bad_lengths_are_refused(backend, lengths, error, message):
    module = make_gru_lib(backend, GRU_AFTER)
    x = make_input("seq_first", np.random.default_rng(0))
    if backend == "numpy":
        x, lengths = x, np.array(lengths)
    else:
        x, lengths = to_torch(x), torch.tensor(lengths)
    with pytest.raises(error, match=message):
        module(x, lengths=lengths)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_lengths_need_a_batched_input(backend):
    module = make_gru_lib(backend, GRU_AFTER)
    x = make_input("unbatched", np.random.default_rng(0))
    with pytest.raises(ValueError, match="lengths need a batched input"):
        module(x if backend == "numpy" else to_torch(x), lengths=[3])
