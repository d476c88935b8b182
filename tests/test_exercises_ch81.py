"""Section 8.1's exercise references against an independent oracle, and the checker on them:
the reference passes, a plausible wrong answer is caught."""

import numpy as np
import torch

from gru_lib import exercises
from gru_lib.exercises import EXERCISES, check


def cases(exercise_id):
    spec = EXERCISES[exercise_id]
    return spec.inputs(np.random.default_rng(spec.seed))


def naive_min_lstm_gradient(d_a, d_b, gi):
    """Autograd through minLSTM's coefficients written the plain way: a = f/(f+i), b = i/(f+i) g."""
    gi = torch.tensor(gi, dtype=torch.float64, requires_grad=True)
    k_f, k_i, k_n = gi.chunk(3, dim=-1)
    f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
    g = torch.where(k_n >= 0, k_n + 0.5, torch.sigmoid(k_n))
    a, b = f / (f + i), i / (f + i) * g
    (a * torch.from_numpy(d_a) + b * torch.from_numpy(d_b)).sum().backward()
    return gi.grad.numpy()


def test_min_lstm_gate_grads_match_autograd_of_the_plain_formula():
    for _, kw in cases("ch8-mingru-ex-lstm"):
        np.testing.assert_allclose(exercises.min_lstm_gate_grads(**kw), naive_min_lstm_gradient(**kw),
                                   rtol=1e-10, atol=1e-14)


def test_min_lstm_gate_grads_match_central_differences():
    _, kw = cases("ch8-mingru-ex-lstm")[1]
    d_a, d_b, gi = kw["d_a"], kw["d_b"], kw["gi"]

    def loss(gi):
        H = gi.shape[-1] // 3
        f, i = 1 / (1 + np.exp(-gi[..., :H])), 1 / (1 + np.exp(-gi[..., H:2 * H]))
        k_n = gi[..., 2 * H:]
        g = np.where(k_n >= 0, k_n + 0.5, 1 / (1 + np.exp(-k_n)))
        return float((d_a * f / (f + i)).sum() + (d_b * i / (f + i) * g).sum())

    eps, numerical = 1e-6, np.zeros_like(gi)
    for idx in np.ndindex(gi.shape):
        step = np.zeros_like(gi)
        step[idx] = eps
        numerical[idx] = (loss(gi + step) - loss(gi - step)) / (2 * eps)
    np.testing.assert_allclose(exercises.min_lstm_gate_grads(**kw), numerical, rtol=1e-6, atol=1e-8)


def test_the_checker_accepts_a_readers_solution_and_rejects_wrong_ones(capsys):
    def from_the_formula(d_a, d_b, gi):          # the solution the section gives
        H = gi.shape[-1] // 3
        k_f, k_i, k_n = gi[..., :H], gi[..., H:2 * H], gi[..., 2 * H:]
        sig = lambda k: 0.5 * (1 + np.tanh(0.5 * k))
        u = -np.logaddexp(0, -k_f) + np.logaddexp(0, -k_i)
        a = sig(u)
        g = np.where(k_n >= 0, k_n + 0.5, sig(k_n))
        d_u = (d_a - d_b * g) * a * (1 - a)
        g_prime = np.where(k_n >= 0, 1.0, sig(k_n) * (1 - sig(k_n)))
        return np.concatenate([d_u * sig(-k_f), -d_u * sig(-k_i), d_b * (1 - a) * g_prime], -1)
    assert check("ch8-mingru-ex-lstm", from_the_formula)
    assert capsys.readouterr().out == "ch8-mingru-ex-lstm: matches the reference on 5 inputs\n"

    def sigma_instead_of_one_minus_sigma(d_a, d_b, gi):   # d log σ(k)/dk taken as σ(k)
        H = gi.shape[-1] // 3
        d_gi = from_the_formula(d_a, d_b, gi)
        sig = lambda k: 1 / (1 + np.exp(-k))
        d_gi[..., :H] *= sig(gi[..., :H]) / sig(-gi[..., :H])
        d_gi[..., H:2 * H] *= sig(gi[..., H:2 * H]) / sig(-gi[..., H:2 * H])
        return d_gi
    assert not check("ch8-mingru-ex-lstm", sigma_instead_of_one_minus_sigma)
    assert "input 1 of 5 (one unit, one step)" in capsys.readouterr().out

    def sigmoid_slope_at_zero(d_a, d_b, gi):           # g'(0) from the k < 0 branch
        H = gi.shape[-1] // 3
        d_gi = from_the_formula(d_a, d_b, gi)
        d_gi[..., 2 * H:] *= np.where(gi[..., 2 * H:] == 0, 0.25, 1.0)
        return d_gi
    assert not check("ch8-mingru-ex-lstm", sigmoid_slope_at_zero)
    assert "input 3 of 5 (k_n = 0 exactly" in capsys.readouterr().out
