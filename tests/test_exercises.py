"""gru_lib.exercises: each reference solution against an independent oracle (torch.nn, autograd,
the gate-by-gate GRU of oracles.py, a closed form) on the checker's own inputs, and the checker
itself: the reference passes, a wrong function is caught on the right input."""

import numpy as np
import pytest
import torch

import gru_lib.numpy as gnp
from gru_lib import exercises
from gru_lib.exercises import EXERCISES, check
from oracles import reference_gru_step


def cases(exercise_id):
    spec = EXERCISES[exercise_id]
    return spec.inputs(np.random.default_rng(spec.seed))


def t(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_the_reference_passes_its_own_check(exercise_id, capsys):
    assert check(exercise_id, EXERCISES[exercise_id].reference)
    n = len(cases(exercise_id))
    assert capsys.readouterr().out == f"{exercise_id}: matches the reference on {n} inputs\n"
    assert n >= 3


def test_parameter_counts_match_torch_nn():
    for _, kw in cases("ch1-ex-params"):
        rnn = torch.nn.RNN(kw["input_size"], kw["hidden_size"], kw["num_layers"],
                           bidirectional=kw["num_directions"] == 2)
        assert exercises.rnn_parameter_count(**kw) == sum(p.numel() for p in rnn.parameters())
    for _, kw in cases("ch2-ex-count"):
        gru = torch.nn.GRU(**kw)
        assert exercises.gru_parameter_count(**kw) == sum(p.numel() for p in gru.parameters())


def test_power_norms_match_torch_linalg():
    for _, kw in cases("ch1-ex-linear"):
        W = t(kw["W"])
        expected = [torch.linalg.matrix_norm(torch.linalg.matrix_power(W, k), ord=2).item()
                    for k in range(kw["k_max"] + 1)]
        np.testing.assert_allclose(exercises.power_norms(**kw), expected, rtol=1e-10)


def test_whh_contributions_sum_to_the_autograd_gradient():
    for _, kw in cases("ch1-ex-whh"):
        rnn = torch.nn.RNN(kw["x"].shape[-1], kw["weight_hh"].shape[0], dtype=torch.float64)
        rnn.load_state_dict({f"{k}_l0": t(kw[k])
                             for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
        _, h_n = rnn(t(kw["x"]))
        h_n.sum().backward()
        contributions = exercises.whh_contributions(**kw)
        assert contributions.shape == (len(kw["x"]),) + kw["weight_hh"].shape
        np.testing.assert_allclose(contributions.sum(axis=0), rnn.weight_hh_l0.grad.numpy(),
                                   rtol=1e-10, atol=1e-12)
        # the first step's contribution is zero: h_0 = 0
        assert np.all(contributions[0] == 0)


def test_reset_before_cell_matches_the_gate_by_gate_oracle():
    for _, kw in cases("ch2-ex-before"):
        expected = reference_gru_step(t(kw["x"]), t(kw["h"]), t(kw["weight_ih"]),
                                      t(kw["weight_hh"]), t(kw["bias_ih"]), t(kw["bias_hh"]),
                                      reset="before")
        np.testing.assert_allclose(exercises.gru_cell_before(**kw), expected.numpy(),
                                   rtol=1e-12, atol=1e-14)


def test_chung_state_dict_computes_chungs_equations():
    for _, kw in cases("ch2-ex-chung"):
        H, H_in = kw["U"].shape[0], kw["W"].shape[1]
        x = np.random.default_rng(1).normal(size=(7, 2, H_in))
        h, outputs = np.zeros((2, H)), []
        for x_t in x:                          # Chung et al. (2014), eqs. (5)-(8), no biases
            z = 1 / (1 + np.exp(-(x_t @ kw["W_z"].T + h @ kw["U_z"].T)))
            r = 1 / (1 + np.exp(-(x_t @ kw["W_r"].T + h @ kw["U_r"].T)))
            h_tilde = np.tanh(x_t @ kw["W"].T + (r * h) @ kw["U"].T)
            h = (1 - z) * h + z * h_tilde
            outputs.append(h)
        gru = gnp.GRU(H_in, H, dtype=np.float64, reset="before")
        gru.load_state_dict(exercises.chung_to_torch(**kw))
        np.testing.assert_allclose(gru(x)[0], np.stack(outputs), rtol=1e-12, atol=1e-14)


def test_gate_constants_halve_and_keep():
    for _, kw in cases("ch3-ex-half-life"):
        z, a_z = exercises.half_life_gate(**kw)
        assert z ** kw["k"] == pytest.approx(0.5, rel=1e-12)
        assert torch.sigmoid(torch.tensor(a_z, dtype=torch.float64)).item() == \
            pytest.approx(z, rel=1e-12)
    for _, kw in cases("ch3-ex-retention"):
        z, a_z = exercises.retention_gate(**kw)
        assert z ** kw["steps"] == pytest.approx(kw["keep"], rel=1e-12)
        assert torch.sigmoid(torch.tensor(a_z, dtype=torch.float64)).item() == \
            pytest.approx(z, rel=1e-12)


def test_shifted_step_matches_torch_grucell_with_shifted_biases():
    for _, kw in cases("ch3-ex-vector-explorer"):
        H = kw["h"].shape[-1]
        cell = torch.nn.GRUCell(kw["x"].shape[-1], H, dtype=torch.float64)
        bias_ih = kw["bias_ih"] + np.concatenate([np.full(H, kw["r_shift"]),
                                                  np.full(H, kw["z_shift"]), np.zeros(H)])
        cell.load_state_dict({"weight_ih": t(kw["weight_ih"]), "weight_hh": t(kw["weight_hh"]),
                              "bias_ih": t(bias_ih), "bias_hh": t(kw["bias_hh"])})
        gi = t(kw["x"]) @ cell.weight_ih.T + cell.bias_ih
        gh = t(kw["h"]) @ cell.weight_hh.T + cell.bias_hh
        r = torch.sigmoid(gi[:, :H] + gh[:, :H])
        z = torch.sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = torch.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        with torch.no_grad():
            h_new = cell(t(kw["x"]), t(kw["h"]))
        for mine, theirs in zip(exercises.shifted_gru_step(**kw), (r, z, n, h_new)):
            np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_pinned_reset_candidates_agree_with_the_oracle_at_the_corners():
    """With the reset gate pinned to 1 (or 0) everywhere, the candidate is the one the gate-by-gate
    oracle computes when its reset gate saturates (bias +-40)."""
    for _, kw in cases("ch3-ex-reset-before"):
        if not (np.all(kw["r"] == 1.0) or np.all(kw["r"] == 0.0)):
            continue
        H = kw["h"].shape[-1]
        bias_ih = kw["bias_ih"].copy()
        bias_ih[:H] = 40.0 if kw["r"][0] == 1.0 else -40.0
        weight_ih, weight_hh, bias_hh = (kw[k].copy() for k in ("weight_ih", "weight_hh",
                                                                 "bias_hh"))
        weight_ih[:H] = weight_hh[:H] = bias_hh[:H] = 0.0
        bias_ih[H:2 * H], weight_ih[H:2 * H], weight_hh[H:2 * H], bias_hh[H:2 * H] = -40, 0, 0, 0
        for reset, mine in zip(("after", "before"), exercises.pinned_reset_candidates(**kw)):
            # z = σ(-40) ≈ 0, so h' = n
            n = reference_gru_step(t(kw["x"]), t(kw["h"]), t(weight_ih), t(weight_hh),
                                   t(bias_ih), t(bias_hh), reset=reset)
            np.testing.assert_allclose(mine, n.numpy(), atol=1e-12)


def test_a_wrong_function_is_caught_on_the_right_input(capsys):
    def half_life_linear(k):                  # right at k = 1 only
        z = 1 - 0.5 / k
        return z, np.log(z / (1 - z))
    assert not check("ch3-ex-half-life", half_life_linear)
    out = capsys.readouterr().out
    assert out.startswith("ch3-ex-half-life: differs from the reference on input 2 of 6 (k = 2):")
    assert "output[0]: yours 0.75, reference 0.707107" in out

    def reset_after_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):   # the other form
        h_new, _ = exercises.gru_cell_forward(x @ weight_ih.T + bias_ih, h, weight_hh, bias_hh)
        return h_new
    assert not check("ch2-ex-before", reset_after_cell)
    assert "input 1 of 6 (one unit, one input, batch of one)" in capsys.readouterr().out

    def first_row_only(x, h, weight_ih, weight_hh, bias_ih, bias_hh):      # forgets the batch
        return exercises.gru_cell_before(x[:1], h[:1], weight_ih, weight_hh, bias_ih, bias_hh)
    assert not check("ch2-ex-before", first_row_only)
    out = capsys.readouterr().out
    assert "input 3 of 6 (zero state h = 0)" in out and "expected shape (2, 4), got (1, 4)" in out


def test_errors_and_bad_outputs_are_reported_not_raised(capsys):
    def broken(*args):
        raise ValueError("not written yet")
    assert not check("ch1-ex-params", broken)
    assert "raised ValueError: not written yet" in capsys.readouterr().out

    def no_biases(W_z, W_r, W, U_z, U_r, U):
        return {"weight_ih_l0": np.vstack([W_r, -W_z, W]),
                "weight_hh_l0": np.vstack([U_r, -U_z, U])}
    assert not check("ch2-ex-chung", no_biases)
    assert "expected a dict with keys ['bias_hh_l0', 'bias_ih_l0'" in capsys.readouterr().out

    def unflipped(W_z, W_r, W, U_z, U_r, U):
        sd = exercises.chung_to_torch(W_z, W_r, W, U_z, U_r, U)
        sd["weight_ih_l0"] = np.vstack([W_r, W_z, W])
        return sd
    assert not check("ch2-ex-chung", unflipped)
    assert "output['weight_ih_l0'] at index (1, 0)" in capsys.readouterr().out


def test_the_readers_parameter_names_are_free(capsys):
    def count(H_in, H, K=1, D=1):              # chapter 1's names, not the reference's
        return D * H * (H_in + H + 2) + (K - 1) * D * H * (D * H + H + 2)
    assert check("ch1-ex-params", count)


def test_reader_inputs_are_copies():
    """A function that modifies its arguments in place cannot change the reference's inputs."""
    def in_place(x, h, weight_ih, weight_hh, bias_ih, bias_hh, z_shift, r_shift):
        H = h.shape[-1]
        bias_ih[:H] += r_shift
        bias_ih[H:2 * H] += z_shift
        h_new, (_, r, z, n, _) = exercises.gru_cell_forward(x @ weight_ih.T + bias_ih, h,
                                                            weight_hh, bias_hh)
        return r, z, n, h_new
    assert check("ch3-ex-vector-explorer", in_place, verbose=False)


def test_unknown_and_duplicate_ids():
    with pytest.raises(KeyError, match="expected one of the exercise ids"):
        check("ch9-ex-nope", print)
    with pytest.raises(ValueError, match="already registered"):
        exercises.exercise("ch2-ex-before", lambda rng: [])


def test_a_nan_where_the_reference_has_a_number_is_located():
    from gru_lib.exercises import difference

    found = difference(np.array([1.0, np.nan, 3.0]), np.array([1.0, 2.0, 3.0]), 1e-7, 1e-10)
    assert found == "output at index (1,): yours nan, reference 2"
    assert difference(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), 1e-7, 1e-10) is None
