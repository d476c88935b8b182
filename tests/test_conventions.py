"""gru_lib.conventions: the weight converters against the real Keras 3, and flip_update_gate.

Oracles: ``keras.layers.GRU`` (reset_after=True and False) and ``keras.layers.LSTM`` running on
Keras's torch backend, ``torch.nn.GRU``/``torch.nn.LSTM``, the reference reset-before GRU of
``oracles.py``, and for flip_update_gate a GRU step written here in the other convention,
h' = u ⊙ n + (1 − u) ⊙ h (Chung et al. 2014). Keras runs in float32, so the outputs agree to 1e-5;
round trips of the weights are exact.
"""

import numpy as np
import pytest
import torch

from gru_lib.conventions import (flip_update_gate, gru_keras_to_torch, gru_torch_to_keras,
                                 lstm_keras_to_torch, lstm_torch_to_keras)
from oracles import (GRU_AFTER, GRU_BEFORE, LSTM, LayerCase, layer_oracle, make_gru_lib,
                     make_torch_nn, max_abs_diff, random_state_dict, run_forward)

L, N, H_IN, H = 6, 3, 4, 5
FLOAT32_TOL = 1e-5
# Keras's own numpy conversions trigger NumPy 2's __array__(copy=...) deprecation: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

RESETS = {True: "after", False: "before"}          # Keras reset_after -> gru_lib reset


def keras_run(keras, layer, x, initial_state):
    """Run a Keras recurrent layer (batch-first); return [output, h_n(, c_n)] as NumPy."""
    result = layer(x, initial_state=list(initial_state))
    return [keras.ops.convert_to_numpy(t) for t in result]


def random_keras_weights(layer, rng):
    """Random values (biases included, not Keras's zeros) in the shapes the built layer has."""
    return [rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in layer.get_weights()]


def keras_with_random_weights(keras, layer, rng, x, states):
    """Build ``layer``, give it random weights, run it: (its weights, its results in torch layout)."""
    layer.build((None, L, H_IN))
    weights = random_keras_weights(layer, rng)
    layer.set_weights(weights)
    assert all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), weights))
    return layer.get_weights(), as_torch_layout(keras_run(keras, layer, x, [s[0] for s in states]))


def as_torch_layout(keras_results):
    """Keras returns h_n (N, H); torch.nn returns (num_layers·D, N, H) = (1, N, H)."""
    output, *states = keras_results
    return [output, *(s[None] for s in states)]


def gru_lib_results(backend, kind, state_dict, x, states):
    module = make_gru_lib(backend, kind, "float32", input_size=H_IN, hidden_size=H,
                          batch_first=True)
    module.load_state_dict(state_dict)
    return run_forward(backend, module, x, states if len(states) > 1 else states[0])


def inputs(seed, lstm=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, L, H_IN)).astype(np.float32)
    states = tuple(rng.standard_normal((1, N, H)).astype(np.float32)
                   for _ in range(2 if lstm else 1))
    return rng, x, states


def gru_oracle_results(reset, state_dict, x, states):
    """torch.nn.GRU for reset="after", the reference (Cho et al.) GRU for "before"."""
    case = LayerCase(GRU_AFTER if reset == "after" else GRU_BEFORE, layout="batch_first")
    forward, _ = layer_oracle(case, state_dict, "float32")
    return run_forward("torch", forward, x, states[0])


# --------------------------------------------------------------------------------------------
# GRU, Keras -> PyTorch layout, both reset modes

@pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])
def test_keras_gru_converted_to_torch_layout_gives_keras_outputs(keras, reset_after):
    rng, x, states = inputs(0)
    layer = keras.layers.GRU(H, return_sequences=True, return_state=True,
                             reset_after=reset_after)
    keras_weights, expected = keras_with_random_weights(keras, layer, rng, x, states)

    state_dict = gru_keras_to_torch(keras_weights)

    reset = RESETS[reset_after]
    kind = GRU_AFTER if reset == "after" else GRU_BEFORE
    for backend in ("numpy", "torch"):
        got = gru_lib_results(backend, kind, state_dict, x, states)
        assert max_abs_diff(got, expected) <= FLOAT32_TOL, backend
    got = gru_oracle_results(reset, state_dict, x, states)
    assert max_abs_diff(got, expected) <= FLOAT32_TOL


@pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])
def test_torch_gru_converted_to_keras_layout_gives_torch_outputs(keras, reset_after):
    rng, x, states = inputs(1)
    state_dict = random_state_dict(GRU_AFTER, rng, dtype="float32", input_size=H_IN,
                                   hidden_size=H)
    expected = gru_oracle_results(RESETS[reset_after], state_dict, x, states)

    layer = keras.layers.GRU(H, return_sequences=True, return_state=True,
                             reset_after=reset_after)
    layer.build((None, L, H_IN))
    layer.set_weights(gru_torch_to_keras(state_dict, reset_after=reset_after))

    got = as_torch_layout(keras_run(keras, layer, x, [s[0] for s in states]))
    assert max_abs_diff(got, expected) <= FLOAT32_TOL


def test_two_layer_torch_gru_converts_layer_by_layer_with_the_suffix(keras):
    rng, x, _ = inputs(2)
    torch_gru = make_torch_nn(GRU_AFTER, "float32", input_size=H_IN, hidden_size=H,
                              num_layers=2, batch_first=True)
    state_dict = torch_gru.state_dict()
    expected = run_forward("torch", torch_gru, x)[0]

    layers = [keras.layers.GRU(H, return_sequences=True) for _ in range(2)]
    layers[0].build((None, L, H_IN))
    layers[1].build((None, L, H))
    for k, layer in enumerate(layers):
        layer.set_weights(gru_torch_to_keras(state_dict, suffix=f"_l{k}"))
    got = keras.ops.convert_to_numpy(layers[1](layers[0](x)))
    assert max_abs_diff([got], [expected]) <= FLOAT32_TOL


@pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])
def test_gru_keras_torch_keras_round_trip_is_exact(reset_after):
    rng = np.random.default_rng(3)
    bias_shape = (2, 3 * H) if reset_after else (3 * H,)
    weights = [rng.standard_normal(s).astype(np.float32)
               for s in [(H_IN, 3 * H), (H, 3 * H), bias_shape]]
    back = gru_torch_to_keras(gru_keras_to_torch(weights), reset_after=reset_after)
    assert [w.shape for w in back] == [w.shape for w in weights]
    assert all(np.array_equal(a, b) for a, b in zip(back, weights))


def test_gru_torch_keras_torch_round_trip():
    """Exact with two biases (reset_after=True); with one Keras bias the two PyTorch biases are
    summed into bias_ih, which leaves the reset-before model's function unchanged."""
    rng = np.random.default_rng(4)
    state_dict = random_state_dict(GRU_AFTER, rng, dtype="float32", input_size=H_IN,
                                   hidden_size=H)
    back = gru_keras_to_torch(gru_torch_to_keras(state_dict, reset_after=True))
    assert list(back) == list(state_dict)
    assert all(np.array_equal(back[k], state_dict[k]) for k in state_dict)

    merged = gru_keras_to_torch(gru_torch_to_keras(state_dict, reset_after=False))
    for name in ("weight_ih_l0", "weight_hh_l0"):
        assert np.array_equal(merged[name], state_dict[name])
    assert np.array_equal(merged["bias_ih_l0"], state_dict["bias_ih_l0"] + state_dict["bias_hh_l0"])
    assert not merged["bias_hh_l0"].any()
    _, x, states = inputs(5)
    assert max_abs_diff(gru_oracle_results("before", merged, x, states),
                        gru_oracle_results("before", state_dict, x, states)) <= FLOAT32_TOL


def test_gru_torch_to_keras_gate_order_is_z_r_h():
    """Keras's kernel columns are [z | r | h]; PyTorch's rows are [r; z; n]."""
    w_ih = np.repeat(np.array([1.0, 2.0, 3.0]), H)[:, None] * np.ones((3 * H, H_IN))
    state_dict = {"weight_ih_l0": w_ih, "weight_hh_l0": np.zeros((3 * H, H))}
    kernel, recurrent, bias = gru_torch_to_keras(state_dict)
    assert kernel.shape == (H_IN, 3 * H) and recurrent.shape == (H, 3 * H)
    assert np.array_equal(kernel[0], np.repeat([2.0, 1.0, 3.0], H))
    assert bias.shape == (2, 3 * H) and not bias.any()         # missing biases become zeros


# --------------------------------------------------------------------------------------------
# LSTM

def test_keras_lstm_converted_to_torch_layout_gives_keras_outputs(keras):
    rng, x, states = inputs(6, lstm=True)
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True)
    keras_weights, expected = keras_with_random_weights(keras, layer, rng, x, states)

    state_dict = lstm_keras_to_torch(keras_weights)

    for backend in ("numpy", "torch"):
        got = gru_lib_results(backend, LSTM, state_dict, x, states)
        assert max_abs_diff(got, expected) <= FLOAT32_TOL, backend
    torch_lstm = make_torch_nn(LSTM, "float32", input_size=H_IN, hidden_size=H, batch_first=True)
    torch_lstm.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
    assert max_abs_diff(run_forward("torch", torch_lstm, x, states), expected) <= FLOAT32_TOL


def test_torch_lstm_converted_to_keras_layout_gives_torch_outputs(keras):
    rng, x, states = inputs(7, lstm=True)
    torch_lstm = make_torch_nn(LSTM, "float32", input_size=H_IN, hidden_size=H, batch_first=True)
    expected = run_forward("torch", torch_lstm, x, states)

    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True)
    layer.build((None, L, H_IN))
    layer.set_weights(lstm_torch_to_keras(torch_lstm.state_dict()))

    got = as_torch_layout(keras_run(keras, layer, x, [s[0] for s in states]))
    assert max_abs_diff(got, expected) <= FLOAT32_TOL


def test_lstm_round_trips():
    rng = np.random.default_rng(8)
    weights = [rng.standard_normal(s) for s in [(H_IN, 4 * H), (H, 4 * H), (4 * H,)]]
    back = lstm_torch_to_keras(lstm_keras_to_torch(weights))
    assert all(np.array_equal(a, b) for a, b in zip(back, weights))

    state_dict = random_state_dict(LSTM, rng, input_size=H_IN, hidden_size=H)
    merged = lstm_keras_to_torch(lstm_torch_to_keras(state_dict))
    for name in ("weight_ih_l0", "weight_hh_l0"):
        assert np.array_equal(merged[name], state_dict[name])
    assert np.array_equal(merged["bias_ih_l0"], state_dict["bias_ih_l0"] + state_dict["bias_hh_l0"])
    assert not merged["bias_hh_l0"].any()


# --------------------------------------------------------------------------------------------
# flip_update_gate: PyTorch's h' = (1 − z) n + z h  <->  Chung et al.'s h' = u n + (1 − u) h

def chung_gru_sequence(params, x, h, suffix="_l0"):
    """A one-layer GRU in the other convention, written here: u admits the new candidate.

        r = σ(W_ir x + b_ir + W_hr h + b_hr),   u = σ(W_iu x + b_iu + W_hu h + b_hu)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = u ⊙ n + (1 − u) ⊙ h
    """
    sigmoid = lambda a: 1 / (1 + np.exp(-a))                          # noqa: E731
    W_ir, W_iu, W_in = np.split(params["weight_ih" + suffix], 3)
    W_hr, W_hu, W_hn = np.split(params["weight_hh" + suffix], 3)
    b_ir, b_iu, b_in = np.split(params["bias_ih" + suffix], 3)
    b_hr, b_hu, b_hn = np.split(params["bias_hh" + suffix], 3)
    outputs = []
    for x_t in x:
        r = sigmoid(x_t @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
        u = sigmoid(x_t @ W_iu.T + b_iu + h @ W_hu.T + b_hu)
        n = np.tanh(x_t @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
        h = u * n + (1 - u) * h
        outputs.append(h)
    return np.stack(outputs)


def test_flip_update_gate_is_an_exact_reparameterisation():
    rng = np.random.default_rng(9)
    state_dict = random_state_dict(GRU_AFTER, rng, input_size=H_IN, hidden_size=H, scale=1.0)
    x, h0 = rng.standard_normal((L, N, H_IN)), rng.standard_normal((1, N, H))
    torch_gru = make_torch_nn(GRU_AFTER, input_size=H_IN, hidden_size=H)
    torch_gru.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
    expected = run_forward("torch", torch_gru, x, h0)[0]

    got = chung_gru_sequence(flip_update_gate(state_dict), x, h0[0])

    assert max_abs_diff([got], [expected]) <= 1e-12
    # and without the flip the other convention computes something else
    assert max_abs_diff([chung_gru_sequence(state_dict, x, h0[0])], [expected]) > 1e-2


def test_flip_update_gate_negates_only_the_z_rows_and_is_an_involution():
    rng = np.random.default_rng(10)
    state_dict = random_state_dict(GRU_AFTER, rng, input_size=H_IN, hidden_size=H, num_layers=2,
                                   bidirectional=True)
    flipped = flip_update_gate(state_dict)
    assert list(flipped) == list(state_dict)
    for name, value in state_dict.items():
        assert np.array_equal(flipped[name][:H], value[:H])              # r rows kept
        assert np.array_equal(flipped[name][H:2 * H], -value[H:2 * H])   # z rows negated
        assert np.array_equal(flipped[name][2 * H:], value[2 * H:])      # n rows kept
    twice = flip_update_gate(flipped)
    assert all(np.array_equal(twice[k], state_dict[k]) for k in state_dict)
    # the input is left alone, and torch tensors are accepted
    assert all(np.array_equal(flip_update_gate({k: torch.from_numpy(v)})[k], flipped[k])
               for k, v in state_dict.items())
