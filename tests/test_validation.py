"""Bad input fails at once, with a message that names what was expected and what arrived.

Each test gives one kind of bad input to both backends (where it applies) and checks the type of
the exception and, with ``match``, that the message contains the expected and the received
shape or value. The modules are float32 (the default) with input_size 3 and hidden_size 5.
"""

import re

import numpy as np
import pytest
import torch

import gru_lib.numpy as gnp
import gru_lib.torch as gtorch

BACKENDS = {"numpy": gnp, "torch": gtorch}
IN, HID = 3, 5


def array(backend, shape, dtype="float32", fill=None):
    """A NumPy array or a torch tensor of random values (or ``fill``) for ``backend``."""
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    if fill is not None:
        a.fill(fill)
    return a if backend == "numpy" else torch.from_numpy(a)


def dtype_name(backend, name):
    """How each backend spells a dtype in messages: float32 or torch.float32."""
    return name if backend == "numpy" else f"torch.{name}"


def shape_text(shape):
    """The regex for a shape as Python prints a tuple: (4, 2, 7) or (5,)."""
    return re.escape(str(tuple(shape)))


both = pytest.mark.parametrize("backend", ["numpy", "torch"])


# --------------------------------------------------------------------------------------------
# Shapes of the input

@both
@pytest.mark.parametrize("shape", [(4,), (2, 4, 2, IN)], ids=["1d", "4d"])
def test_layer_input_of_the_wrong_rank(backend, shape):
    gru = BACKENDS[backend].GRU(IN, HID)
    with pytest.raises(ValueError, match=rf"3 or 2 dimensions, got {len(shape)} dimensions "
                                         rf"{shape_text(shape)}"):
        gru(array(backend, shape))


@both
def test_cell_input_of_the_wrong_rank(backend):
    cell = BACKENDS[backend].GRUCell(IN, HID)
    with pytest.raises(ValueError, match=r"\(N, H_in\) or \(H_in,\).*got 3 dimensions "
                                         r"\(2, 4, 3\)"):
        cell(array(backend, (2, 4, IN)))


@both
@pytest.mark.parametrize("shape,batch_first", [((4, 2, 7), False), ((2, 4, 7), True),
                                               ((4, 7), False)],
                         ids=["seq_first", "batch_first", "unbatched"])
def test_layer_input_with_the_wrong_feature_size(backend, shape, batch_first):
    gru = BACKENDS[backend].GRU(IN, HID, batch_first=batch_first)
    with pytest.raises(ValueError, match=rf"expected input with {IN} features.*"
                                         rf"got shape {shape_text(shape)}"):
        gru(array(backend, shape))


@both
@pytest.mark.parametrize("name", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cell_input_with_the_wrong_feature_size(backend, name):
    cell = getattr(BACKENDS[backend], name)(IN, HID)
    with pytest.raises(ValueError, match=r"expected input with 3 features.*got shape \(2, 7\)"):
        cell(array(backend, (2, 7)))


@both
@pytest.mark.parametrize("shape,batch_first", [((0, 2, IN), False), ((4, 0, IN), False),
                                               ((0, 4, IN), True), ((4, 0, IN), True),
                                               ((0, IN), False)],
                         ids=["L=0", "N=0", "N=0-batch_first", "L=0-batch_first",
                              "L=0-unbatched"])
def test_empty_sequences_are_refused(backend, shape, batch_first):
    lstm = BACKENDS[backend].LSTM(IN, HID, batch_first=batch_first)
    with pytest.raises(ValueError, match=rf"non-empty sequence \(L >= 1, N >= 1\), got input "
                                         rf"shape {shape_text(shape)}"):
        lstm(array(backend, shape))


@both
def test_empty_batch_is_refused_by_cells(backend):
    cell = BACKENDS[backend].GRUCell(IN, HID)
    with pytest.raises(ValueError, match=r"non-empty batch \(N >= 1\), got input shape \(0, 3\)"):
        cell(array(backend, (0, IN)))


# --------------------------------------------------------------------------------------------
# Shapes of the initial state

@both
@pytest.mark.parametrize("config,x_shape,h0_shape,expected", [
    (dict(), (4, 2, IN), (1, 3, HID), (1, 2, HID)),                   # wrong batch
    (dict(), (4, 2, IN), (1, 2, HID + 1), (1, 2, HID)),               # wrong hidden size
    (dict(num_layers=2), (4, 2, IN), (1, 2, HID), (2, 2, HID)),        # one layer short
    (dict(bidirectional=True), (4, 2, IN), (1, 2, HID), (2, 2, HID)),  # one direction short
    (dict(), (4, IN), (1, 2, HID), (1, HID)),                         # batched h0, unbatched x
    (dict(), (4, 2, IN), (2, HID), (1, 2, HID)),                      # unbatched h0, batched x
    (dict(batch_first=True), (2, 4, IN), (1, 4, HID), (1, 2, HID)),   # h0 is never batch-first
], ids=["batch", "hidden", "layers", "directions", "unbatched_x", "unbatched_h0",
        "batch_first"])
def test_h0_of_the_wrong_shape(backend, config, x_shape, h0_shape, expected):
    gru = BACKENDS[backend].GRU(IN, HID, **config)
    with pytest.raises(ValueError, match=rf"expected h0 of shape {shape_text(expected)}, "
                                         rf"got {shape_text(h0_shape)}"):
        gru(array(backend, x_shape), array(backend, h0_shape))


@both
def test_lstm_c0_of_the_wrong_shape_and_a_state_that_is_not_a_pair(backend):
    lstm = BACKENDS[backend].LSTM(IN, HID)
    x, h0 = array(backend, (4, 2, IN)), array(backend, (1, 2, HID))
    with pytest.raises(ValueError, match=r"expected c0 of shape \(1, 2, 5\), got \(1, 2, 4\)"):
        lstm(x, (h0, array(backend, (1, 2, 4))))
    with pytest.raises(TypeError, match=r"expected the LSTM state as a tuple \(h0, c0\), got "
                                        r"(ndarray|Tensor)"):
        lstm(x, h0)


@both
@pytest.mark.parametrize("name", ["RNNCell", "GRUCell"])
def test_cell_hx_of_the_wrong_shape(backend, name):
    cell = getattr(BACKENDS[backend], name)(IN, HID)
    with pytest.raises(ValueError, match=r"expected hx of shape \(2, 5\), got \(5,\)"):
        cell(array(backend, (2, IN)), array(backend, (HID,)))
    with pytest.raises(ValueError, match=r"expected hx of shape \(5,\), got \(1, 5\)"):
        cell(array(backend, (IN,)), array(backend, (1, HID)))


@both
def test_lstm_cell_cx_of_the_wrong_shape(backend):
    cell = BACKENDS[backend].LSTMCell(IN, HID)
    x, h = array(backend, (2, IN)), array(backend, (2, HID))
    with pytest.raises(ValueError, match=r"expected cx of shape \(2, 5\), got \(2, 6\)"):
        cell(x, (h, array(backend, (2, 6))))
    with pytest.raises(TypeError, match=r"expected the LSTM state as a tuple \(hx, cx\), got list"):
        cell(x, [h, h])


# --------------------------------------------------------------------------------------------
# Types and dtypes

@both
def test_input_of_another_dtype_than_the_module(backend):
    gru = BACKENDS[backend].GRU(IN, HID)                                  # float32 parameters
    with pytest.raises(TypeError, match=rf"expected input of dtype "
                                        rf"{dtype_name(backend, 'float32')}.*got "
                                        rf"{dtype_name(backend, 'float64')}"):
        gru(array(backend, (4, 2, IN), "float64"))
    with pytest.raises(TypeError, match=rf"got {dtype_name(backend, 'int64')}"):
        gru(array(backend, (4, 2, IN), "int64"))


@both
def test_h0_of_another_dtype_than_the_module(backend):
    module = BACKENDS[backend]
    gru = module.GRU(IN, HID, dtype=np.float64 if backend == "numpy" else torch.float64)
    with pytest.raises(TypeError, match=rf"expected h0 of dtype "
                                        rf"{dtype_name(backend, 'float64')}.*got "
                                        rf"{dtype_name(backend, 'float32')}"):
        gru(array(backend, (4, 2, IN), "float64"), array(backend, (1, 2, HID), "float32"))


@both
@pytest.mark.parametrize("name", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cell_input_of_another_dtype(backend, name):
    cell = getattr(BACKENDS[backend], name)(IN, HID)
    with pytest.raises(TypeError, match=rf"expected input of dtype "
                                        rf"{dtype_name(backend, 'float32')}.*got "
                                        rf"{dtype_name(backend, 'float64')}"):
        cell(array(backend, (2, IN), "float64"))


def test_numpy_backend_refuses_what_is_not_an_ndarray():
    gru = gnp.GRU(IN, HID)
    with pytest.raises(TypeError, match=r"expected input as a numpy.ndarray, got builtins.list"):
        gru([[[0.0] * IN]])
    with pytest.raises(TypeError, match=r"expected input as a numpy.ndarray, got torch.Tensor"):
        gru(torch.zeros(4, 2, IN))
    with pytest.raises(TypeError, match=r"expected h0 as a numpy.ndarray, got builtins.float"):
        gru(np.zeros((4, 2, IN), np.float32), 0.0)
    with pytest.raises(TypeError, match=r"expected input as a numpy.ndarray, got builtins.list"):
        gnp.GRUCell(IN, HID)([0.0] * IN)


def test_torch_backend_refuses_what_is_not_a_tensor():
    gru = gtorch.GRU(IN, HID)
    with pytest.raises(TypeError, match=r"expected input as a torch.Tensor, got numpy.ndarray"):
        gru(np.zeros((4, 2, IN), np.float32))
    with pytest.raises(TypeError, match=r"expected h0 as a torch.Tensor, got builtins.list"):
        gru(torch.zeros(4, 2, IN), [[[0.0] * HID] * 2])
    with pytest.raises(TypeError, match=r"expected input as a torch.Tensor, got builtins.list"):
        gtorch.LSTMCell(IN, HID)([0.0] * IN)


def test_numpy_backend_refuses_a_dtype_other_than_float32_or_float64():
    with pytest.raises(TypeError, match=r"dtype must be float32 or float64, got int64"):
        gnp.GRU(IN, HID, dtype=np.int64)
    with pytest.raises(TypeError, match=r"dtype must be float32 or float64, got float16"):
        gnp.GRUCell(IN, HID, dtype=np.float16)


# --------------------------------------------------------------------------------------------
# Options and sizes

@both
@pytest.mark.parametrize("name", ["GRU", "GRUCell"])
def test_unknown_reset(backend, name):
    with pytest.raises(ValueError, match=r"reset must be one of \('after', 'before'\), "
                                         r"got 'middle'"):
        getattr(BACKENDS[backend], name)(IN, HID, reset="middle")


@both
@pytest.mark.parametrize("name", ["RNN", "RNNCell"])
def test_unknown_nonlinearity(backend, name):
    with pytest.raises(ValueError, match=r"nonlinearity must be one of \('tanh', 'relu'\), "
                                         r"got 'sigmoid'"):
        getattr(BACKENDS[backend], name)(IN, HID, nonlinearity="sigmoid")


BAD_SIZES = [("input_size", 0), ("hidden_size", -1), ("hidden_size", 2.5), ("input_size", True),
             ("num_layers", 0)]
SIZE_CASES = [(name, argument, value)
              for name in ("RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell")
              for argument, value in BAD_SIZES
              if not (argument == "num_layers" and name.endswith("Cell"))]   # cells: no layers


@both
@pytest.mark.parametrize("name,argument,value", SIZE_CASES,
                         ids=[f"{n}-{a}={v!r}" for n, a, v in SIZE_CASES])
def test_sizes_must_be_positive_ints(backend, name, argument, value):
    sizes = dict(input_size=IN, hidden_size=HID)
    sizes[argument] = value
    with pytest.raises(ValueError, match=rf"{argument} must be a positive int, got "
                                         rf"{re.escape(repr(value))}"):
        getattr(BACKENDS[backend], name)(**sizes)


# --------------------------------------------------------------------------------------------
# Non-finite values: refused at the input instead of spreading through every later step

@both
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_input_and_states(backend, bad):
    def poisoned(shape):
        a = array(backend, shape)
        a[(0,) * len(shape)] = float(bad)
        return a

    lstm = BACKENDS[backend].LSTM(IN, HID)
    x, h0, c0 = array(backend, (4, 2, IN)), array(backend, (1, 2, HID)), array(backend, (1, 2, HID))
    with pytest.raises(ValueError, match="input contains NaN or infinity"):
        lstm(poisoned((4, 2, IN)))
    with pytest.raises(ValueError, match="h0 contains NaN or infinity"):
        lstm(x, (poisoned((1, 2, HID)), c0))
    with pytest.raises(ValueError, match="c0 contains NaN or infinity"):
        lstm(x, (h0, poisoned((1, 2, HID))))
    cell = BACKENDS[backend].GRUCell(IN, HID)
    with pytest.raises(ValueError, match="input contains NaN or infinity"):
        cell(poisoned((2, IN)))
    with pytest.raises(ValueError, match="hx contains NaN or infinity"):
        cell(array(backend, (2, IN)), poisoned((2, HID)))


# --------------------------------------------------------------------------------------------
# load_state_dict

@both
def test_load_state_dict_with_missing_or_unexpected_keys(backend):
    gru = BACKENDS[backend].GRU(IN, HID)
    state = {k: np.asarray(v.detach() if hasattr(v, "detach") else v)
             for k, v in gru.state_dict().items()}
    missing = {k: v for k, v in state.items() if k != "bias_hh_l0"}
    with pytest.raises(ValueError, match=r"missing \['bias_hh_l0'\], unexpected \[\]"):
        gru.load_state_dict(missing)
    with pytest.raises(ValueError, match=r"missing \[\], unexpected \['weight_ih_l1'\]"):
        gru.load_state_dict({**state, "weight_ih_l1": state["weight_ih_l0"]})
    bidirectional = BACKENDS[backend].GRU(IN, HID, bidirectional=True).state_dict()
    with pytest.raises(ValueError, match=r"missing \[\], unexpected \['weight_ih_l0_reverse'"):
        gru.load_state_dict(bidirectional)
    no_bias = BACKENDS[backend].GRU(IN, HID, bias=False).state_dict()
    with pytest.raises(ValueError, match=r"missing \['bias_ih_l0', 'bias_hh_l0'\]"):
        gru.load_state_dict(no_bias)


@both
def test_load_state_dict_with_wrong_shapes(backend):
    gru = BACKENDS[backend].GRU(IN, HID)
    other_input = BACKENDS[backend].GRU(IN + 1, HID).state_dict()
    with pytest.raises(ValueError, match=r"parameter weight_ih_l0: expected shape \(15, 3\), "
                                         r"got \(15, 4\)"):
        gru.load_state_dict(other_input)
    lstm_state = torch.nn.LSTM(IN, HID).state_dict()                  # 4H rows, not 3H
    with pytest.raises(ValueError, match=r"expected shape \(15, 3\), got \(20, 3\)"):
        gru.load_state_dict(lstm_state)
    cell = BACKENDS[backend].GRUCell(IN, HID)
    with pytest.raises(ValueError, match=r"parameter weight_hh: expected shape \(15, 5\), "
                                         r"got \(15, 6\)"):
        cell.load_state_dict(torch.nn.GRUCell(IN, 6).state_dict() | {
            k: v for k, v in cell.state_dict().items() if k != "weight_hh"} | {
            "weight_hh": np.zeros((15, 6), np.float32)})


@both
def test_failed_load_leaves_the_parameters_alone(backend):
    gru = BACKENDS[backend].GRU(IN, HID, seed=0)
    before = {k: np.array(np.asarray(v.detach() if hasattr(v, "detach") else v))
              for k, v in gru.state_dict().items()}
    bad = {k: np.zeros(v.shape, np.float32) for k, v in before.items()}
    bad["bias_hh_l0"] = np.zeros(7, np.float32)
    with pytest.raises(ValueError):
        gru.load_state_dict(bad)
    after = {k: np.asarray(v.detach() if hasattr(v, "detach") else v)
             for k, v in gru.state_dict().items()}
    assert all(np.array_equal(after[k], before[k]) for k in before)


# --------------------------------------------------------------------------------------------
# The NumPy backward

def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"backward\(\) needs a forward\(\) first"):
        gnp.GRU(IN, HID).backward(np.zeros((4, 2, HID), np.float32))
    with pytest.raises(RuntimeError, match=r"backward\(\) needs a forward\(\) first"):
        gnp.LSTMCell(IN, HID).backward(np.zeros((2, HID), np.float32))


@pytest.mark.parametrize("config,x_shape,bad,expected", [
    (dict(), (4, 2, IN), (4, 2, HID + 1), (4, 2, HID)),
    (dict(bidirectional=True), (4, 2, IN), (4, 2, HID), (4, 2, 2 * HID)),
    (dict(batch_first=True), (2, 4, IN), (4, 2, HID), (2, 4, HID)),
    (dict(), (4, IN), (4, 1, HID), (4, HID)),
], ids=["hidden", "bidirectional", "batch_first", "unbatched"])
def test_backward_with_d_output_of_the_wrong_shape(config, x_shape, bad, expected):
    gru = gnp.GRU(IN, HID, **config)
    gru(np.zeros(x_shape, np.float32))
    with pytest.raises(ValueError, match=rf"expected d_output of shape {shape_text(expected)}, "
                                         rf"got {shape_text(bad)}"):
        gru.backward(np.zeros(bad, np.float32))


def test_backward_with_d_h_n_of_the_wrong_shape_or_dtype():
    gru = gnp.GRU(IN, HID, num_layers=2)
    output, h_n = gru(np.zeros((4, 2, IN), np.float32))
    with pytest.raises(ValueError, match=r"expected d_h_n of shape \(2, 2, 5\), got \(1, 2, 5\)"):
        gru.backward(np.zeros_like(output), np.zeros((1, 2, HID), np.float32))
    with pytest.raises(TypeError, match=r"expected d_output of dtype float32.*got float64"):
        gru.backward(np.zeros(output.shape))
    with pytest.raises(ValueError, match=r"d_output contains NaN or infinity"):
        gru.backward(np.full_like(output, np.nan))
    lstm = gnp.LSTM(IN, HID)
    output, (h_n, c_n) = lstm(np.zeros((4, 2, IN), np.float32))
    with pytest.raises(ValueError, match=r"expected d_c_n of shape \(1, 2, 5\), got \(2, 5\)"):
        lstm.backward(np.zeros_like(output), (np.zeros_like(h_n), np.zeros((2, HID), np.float32)))


@pytest.mark.parametrize("name", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cell_backward_with_d_h_of_the_wrong_shape(name):
    cell = getattr(gnp, name)(IN, HID)
    cell(np.zeros((2, IN), np.float32))
    with pytest.raises(ValueError, match=r"expected d_h of shape \(2, 5\), got \(5,\)"):
        cell.backward(np.zeros(HID, np.float32))


@pytest.mark.parametrize("bad_shape", [(2, HID + 1), (HID,), (1, HID)],
                         ids=["wrong_hidden", "broadcastable_1d", "broadcastable_row"])
def test_lstm_cell_backward_with_d_c_of_the_wrong_shape(bad_shape):
    """d_c is checked like d_h: a wrong shape must not be broadcast into a wrong gradient."""
    cell = gnp.LSTMCell(IN, HID)
    h, c = cell(np.zeros((2, IN), np.float32))
    with pytest.raises(ValueError, match=rf"expected d_c of shape \(2, 5\), got "
                                         rf"{shape_text(bad_shape)}"):
        cell.backward(np.zeros_like(h), np.zeros(bad_shape, np.float32))


def test_lstm_cell_backward_with_d_c_of_another_dtype_or_non_finite():
    cell = gnp.LSTMCell(IN, HID)
    h, c = cell(np.zeros((2, IN), np.float32))
    with pytest.raises(TypeError, match=r"expected d_c of dtype float32.*got float64"):
        cell.backward(np.zeros_like(h), np.zeros((2, HID)))
    with pytest.raises(ValueError, match=r"d_c contains NaN or infinity"):
        cell.backward(np.zeros_like(h), np.full((2, HID), np.nan, np.float32))
