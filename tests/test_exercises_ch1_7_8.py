"""The exercise checkers of chapters 1, 7 and 8: each reference solution against an independent
oracle (torch.nn, autograd, explicit loops, closed forms) on the checker's own inputs, and the
checker accepts the chapter's solution and rejects a plausible wrong answer on the right input."""


import numpy as np
import pytest
import torch

from gru_lib import exercises
from gru_lib.exercises import EXERCISES, check
from gru_lib.numpy import cells

IDS = ["ch1-ex-whh", "ch7-ex-hn-index", "ch7-ex-bucketing", "ch7-ex-left-padding",
       "ch7-ex-causality", "ch8-ex-forget-bias", "ch8-ex-convcount"]


def cases(exercise_id):
    spec = EXERCISES[exercise_id]
    return spec.inputs(np.random.default_rng(spec.seed))


def t(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


@pytest.mark.parametrize("exercise_id", IDS)
def test_registered_and_passes_its_own_check(exercise_id):
    assert check(exercise_id, EXERCISES[exercise_id].reference, verbose=False)
    assert len(cases(exercise_id)) >= 3


# ------------------------------------------------------------------------------------------------
# Chapter 1

def test_whh_checker_accepts_the_chapter_solution_and_rejects_reversed_steps(capsys):
    def whh_contributions(x, weight_ih, weight_hh, bias_ih, bias_hh):   # the chapter's solution
        h, caches = np.zeros((x.shape[1], weight_hh.shape[0])), []
        for x_t in x:
            h, cache = cells.rnn_cell_forward(x_t @ weight_ih.T + bias_ih, h, weight_hh, bias_hh)
            caches.append(cache)
        grads = {"weight_hh": np.zeros_like(weight_hh)}
        d_h, parts = np.ones_like(h), []
        for cache in reversed(caches):
            before = grads["weight_hh"].copy()
            _, d_h = cells.rnn_cell_backward(d_h, cache, weight_hh, grads)
            parts.append(grads["weight_hh"] - before)
        return np.stack(parts[::-1])

    assert check("ch1-ex-whh", whh_contributions)

    def newest_first(*args):                  # the order of the backward loop, not of t
        return whh_contributions(*args)[::-1]
    assert not check("ch1-ex-whh", newest_first)
    assert "input 2 of 4 (two steps)" in capsys.readouterr().out.split("\n")[-3]


# ------------------------------------------------------------------------------------------------
# Chapter 7

def test_gru_shapes_match_torch_nn_gru():
    for _, kw in cases("ch7-ex-hn-index"):
        gru = torch.nn.GRU(kw["input_size"], kw["hidden_size"], kw["num_layers"],
                           bidirectional=kw["bidirectional"], batch_first=True)
        with torch.no_grad():
            output, h_n = gru(torch.zeros(kw["batch"], kw["length"], kw["input_size"]))
        assert exercises.gru_shapes(**kw) == (tuple(output.shape), tuple(h_n.shape),
                                              sum(p.numel() for p in gru.parameters()))


def test_gru_shapes_checker_rejects_a_batch_first_h_n(capsys):
    def batch_first_h_n(batch, length, input_size, hidden_size, num_layers, bidirectional):
        output, h_n, count = exercises.gru_shapes(batch, length, input_size, hidden_size,
                                                  num_layers, bidirectional)
        return output, (batch, h_n[0], hidden_size), count
    assert not check("ch7-ex-hn-index", batch_first_h_n)
    out = capsys.readouterr().out
    assert "input 2 of 5" in out and "output[1]" in out


def test_padding_fraction_counts_the_padded_arrays():
    for _, kw in cases("ch7-ex-bucketing"):
        lengths, B = kw["lengths"], kw["batch_size"]
        padding = computed = 0
        for start in range(0, len(lengths), B):         # build each padded batch's mask
            batch = lengths[start:start + B]
            mask = np.arange(batch.max())[None, :] < batch[:, None]
            padding += np.sum(~mask)
            computed += mask.size
        assert exercises.padding_fraction(**kw) == pytest.approx(padding / computed, abs=1e-15)


def test_padding_checker_rejects_padding_to_the_longest_of_all(capsys):
    def global_max(lengths, batch_size):
        return 1 - lengths.sum() / (len(lengths) * lengths.max())
    assert not check("ch7-ex-bucketing", global_max)
    assert "input 2 of 5 (batches of one: no padding)" in capsys.readouterr().out


def test_front_to_end_padding_moves_each_sequence_and_packing_agrees():
    torch.manual_seed(0)
    for _, kw in cases("ch7-ex-left-padding"):
        x, lengths = kw["x"], kw["lengths"]
        end = exercises.front_to_end_padding(x, lengths)
        L = x.shape[1]
        for i, n in enumerate(lengths.tolist()):
            assert torch.equal(end[i, :n], x[i, L - n:])
            assert torch.all(end[i, n:] == 0)
        gru = torch.nn.GRU(x.shape[-1], 3, batch_first=True, dtype=torch.float64)
        packed = torch.nn.utils.rnn.pack_padded_sequence(end, lengths, batch_first=True,
                                                         enforce_sorted=False)
        with torch.no_grad():
            _, h_n = gru(packed)
            for i, n in enumerate(lengths.tolist()):
                _, h_alone = gru(x[i:i + 1, L - n:])
                torch.testing.assert_close(h_n[0, i], h_alone[0, 0])


def test_front_padding_checker_accepts_the_chapter_solution_and_rejects_the_wrong_roll(capsys):
    def front_to_end_padding(x, lengths):                # the chapter's solution
        L = x.shape[1]
        return torch.stack([torch.roll(x_i, int(n) - L, dims=0) for x_i, n in zip(x, lengths)])
    assert check("ch7-ex-left-padding", front_to_end_padding)

    def rolled_the_other_way(x, lengths):
        L = x.shape[1]
        return torch.stack([torch.roll(x_i, L - int(n), dims=0) for x_i, n in zip(x, lengths)])
    assert not check("ch7-ex-left-padding", rolled_the_other_way)
    assert "input 2 of 4 (one step of data)" in capsys.readouterr().out


def test_changed_steps_match_the_autograd_dependence():
    """An output at step s <= t depends on the inputs after t iff its Jacobian block is nonzero."""
    for _, kw in cases("ch7-ex-causality"):
        model, x, t_ = kw["model"], kw["x"], kw["t"]
        jacobian = torch.autograd.functional.jacobian(lambda v: model(v), x)   # (N, L, K, N, L, F)
        dependent = sum(bool(jacobian[:, s, :, :, t_:].abs().sum() > 0) for s in range(t_))
        assert exercises.changed_steps(**kw) == dependent


def test_causality_checker_accepts_the_chapter_solution_and_rejects_an_off_by_one(capsys):
    def changed_steps(model, x, t):                        # the chapter's solution
        x_future_changed = x.clone()
        x_future_changed[:, t:] = torch.randn_like(x[:, t:])
        with torch.no_grad():
            before, after = model(x)[:, :t], model(x_future_changed)[:, :t]
        return sum(not torch.equal(before[:, s], after[:, s]) for s in range(t))
    assert check("ch7-ex-causality", changed_steps)

    def changes_one_step_too_late(model, x, t):          # keeps the input after step t
        x_changed = x.clone()
        x_changed[:, t + 1:] = torch.randn_like(x[:, t + 1:])
        with torch.no_grad():
            before, after = model(x)[:, :t], model(x_changed)[:, :t]
        return sum(not torch.equal(before[:, s], after[:, s]) for s in range(t))
    assert not check("ch7-ex-causality", changes_one_step_too_late)
    assert "input 2 of 5 (one step of look-ahead, t = 4)" in capsys.readouterr().out


def test_the_causality_inputs_leave_the_global_torch_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    cases("ch7-ex-causality")
    assert torch.equal(torch.rand(3), expected)


# ------------------------------------------------------------------------------------------------
# Chapter 8

def test_forget_bias_one_gives_a_forget_gate_of_sigmoid_one_in_torch_nn_lstm():
    for _, kw in cases("ch8-ex-forget-bias"):
        parameters = kw["parameters"]
        result = exercises.forget_bias_one(parameters)
        assert set(result) == set(parameters)
        if "bias_l0" in parameters:                   # CIFG LSTM: one bias, [f; g; o]
            H = len(parameters["bias_l0"]) // 3
            assert np.all(result["bias_l0"][:H] == 1.0)
            np.testing.assert_array_equal(result["bias_l0"][H:], parameters["bias_l0"][H:])
            continue
        H = parameters["weight_hh_l0"].shape[1]
        lstm = torch.nn.LSTM(parameters["weight_ih_l0"].shape[1], H, dtype=torch.float64)
        state = {k: t(v) for k, v in result.items()}
        state["weight_ih_l0"] = torch.zeros_like(state["weight_ih_l0"])
        state["weight_hh_l0"] = torch.zeros_like(state["weight_hh_l0"])
        lstm.load_state_dict(state)
        with torch.no_grad():           # zero weights: c_1 = σ(b_f) c_0 + σ(b_i) tanh(b_g)
            _, (_, c_1) = lstm(torch.zeros(1, 1, lstm.input_size, dtype=torch.float64),
                               (torch.zeros(1, 1, H, dtype=torch.float64),
                                torch.ones(1, 1, H, dtype=torch.float64)))
        b = state["bias_ih_l0"] + state["bias_hh_l0"]
        forget = c_1[0, 0] - torch.sigmoid(b[:H]) * torch.tanh(b[2 * H:3 * H])
        torch.testing.assert_close(forget, torch.sigmoid(torch.ones(H, dtype=torch.float64)))
        for name in parameters:          # nothing else changed, the input not modified
            keep = np.ones(len(parameters[name]), bool)
            if name.startswith("bias"):
                keep[H:2 * H] = False
            np.testing.assert_array_equal(result[name][keep], parameters[name][keep])
        assert not np.all(parameters["bias_ih_l0"][H:2 * H] == 0.5)


def test_forget_bias_checker_rejects_a_bias_of_one_in_each(capsys):
    def one_in_each(parameters):
        result = exercises.forget_bias_one(parameters)
        if "bias_ih_l0" in result:
            H = len(result["bias_ih_l0"]) // 4
            result["bias_ih_l0"][H:2 * H] = result["bias_hh_l0"][H:2 * H] = 1.0
        return result
    assert not check("ch8-ex-forget-bias", one_in_each)
    assert "input 1 of 4 (LSTM, H = 1)" in capsys.readouterr().out


def test_conv_and_dense_counts_match_torch_modules():
    import gru_lib.torch as gtorch
    for _, kw in cases("ch8-ex-convcount"):
        C_in, C, k = kw["input_channels"], kw["hidden_channels"], kw["kernel_size"]
        conv, dense = exercises.conv_and_dense_counts(**kw)
        # the gates and candidate as one convolution of [x; h] to 3C channels, with biases
        assert conv == sum(p.numel() for p in torch.nn.Conv2d(C_in + C, 3 * C, k).parameters())
        assert conv == gtorch.ConvGRU(C_in, C, kernel_size=k).num_parameters
        area = kw["height"] * kw["width"]
        if C * area <= 200:              # small enough to build the dense GRU
            gru = torch.nn.GRU(C_in * area, C * area)
            assert dense == sum(p.numel() for p in gru.parameters())


def test_convcount_checker_rejects_a_count_without_biases(capsys):
    def no_biases(input_channels, hidden_channels, kernel_size, height, width):
        conv, dense = exercises.conv_and_dense_counts(input_channels, hidden_channels,
                                                      kernel_size, height, width)
        return conv - 3 * hidden_channels, dense
    assert not check("ch8-ex-convcount", no_biases)
    assert "output[0]: yours 6, reference 9" in capsys.readouterr().out
