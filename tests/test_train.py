"""gru_lib.train.fit against closed forms and direct measurements of what it claims to do."""

import math

import numpy as np
import pytest
import torch

from gru_lib.train import History, fit


def mse(model, x, y):
    return torch.nn.functional.mse_loss(model(x), y)


def regression_data(seed=0, n=64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3 + 0.1 * rng.normal(size=(n, 1))
    return torch.tensor(x), torch.tensor(y)


class Recorder(torch.optim.SGD):
    """SGD that records the gradients it is handed (after any clipping)."""

    def __init__(self, params, **kw):
        super().__init__(params, **kw)
        self.seen = []

    def step(self, closure=None):
        self.seen.append([p.grad.clone() for g in self.param_groups for p in g["params"]])
        return super().step(closure)


def test_regression_reaches_least_squares_solution():
    x, y = regression_data()
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    history = fit(model, lambda step: (x, y), mse, torch.optim.SGD(model.parameters(), lr=0.2),
                  steps=500)
    design = np.hstack([x.numpy(), np.ones((len(x), 1))])
    solution, *_ = np.linalg.lstsq(design, y.numpy(), rcond=None)
    np.testing.assert_allclose(model.weight.detach().numpy().ravel(), solution[:3, 0], atol=1e-8)
    np.testing.assert_allclose(model.bias.item(), solution[3, 0], atol=1e-8)
    residual = np.mean((design @ solution - y.numpy()) ** 2)
    assert history.loss[-1] == pytest.approx(residual, rel=1e-8)
    assert history.stopped == "completed"


def test_grad_norm_is_recorded_before_clipping_and_clipping_bounds_it():
    x, y = regression_data()
    y = 100 * y                                          # large gradients
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    opt = Recorder(model.parameters(), lr=1e-3)
    history = fit(model, lambda step: (x, y), mse, opt, steps=10, clip_norm=0.5)
    for norm_before, grads in zip(history.grad_norm, opt.seen):
        norm_after = math.sqrt(sum((g ** 2).sum().item() for g in grads))
        assert norm_before > 0.5
        assert norm_after == pytest.approx(0.5, rel=1e-5)


def test_recorded_grad_norm_equals_autograd_norm():
    x, y = regression_data()
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    reference = torch.nn.Linear(3, 1, dtype=torch.float64)
    reference.load_state_dict(model.state_dict())
    grads = torch.autograd.grad(mse(reference, x, y), list(reference.parameters()))
    expected = math.sqrt(sum((g ** 2).sum().item() for g in grads))
    history = fit(model, lambda step: (x, y), mse, torch.optim.SGD(model.parameters(), lr=0.1),
                  steps=1)
    assert history.grad_norm[0] == pytest.approx(expected, rel=1e-12)


def test_clip_value_bounds_every_gradient_entry():
    x, y = regression_data()
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    opt = Recorder(model.parameters(), lr=1e-3)
    fit(model, lambda step: (x, 100 * y), mse, opt, steps=5, clip_value=0.25)
    for grads in opt.seen:
        assert max(g.abs().max().item() for g in grads) == pytest.approx(0.25)


@pytest.mark.parametrize("steps, every, expected", [(30, 10, [10, 20, 30]),
                                                    (30, 7, [7, 14, 21, 28, 30])])
def test_history_lengths(steps, every, expected):
    x, y = regression_data()
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    modes = []

    def evaluate(m):
        modes.append((m.training, torch.is_grad_enabled()))
        return mse(m, x, y).item()
    history = fit(model, lambda step: (x, y), mse, torch.optim.SGD(model.parameters(), lr=0.1),
                  steps=steps, evaluate=evaluate, every=every)
    assert isinstance(history, History)
    assert len(history.loss) == len(history.grad_norm) == steps
    assert history.eval_step == expected and len(history.eval) == len(expected)
    assert set(modes) == {(False, False)}                # eval mode, no autograd
    assert model.training


def test_iterable_batches_are_cycled():
    batches = [(torch.zeros(1, 1), torch.full((1, 1), float(i))) for i in range(3)]
    seen = []

    def loss_fn(model, x, y):
        seen.append(y.item())
        return (model(x) - y).pow(2).mean()
    model = torch.nn.Linear(1, 1)
    fit(model, batches, loss_fn, torch.optim.SGD(model.parameters(), lr=0.0), steps=7)
    assert seen == [0, 1, 2, 0, 1, 2, 0]


def test_seed_makes_runs_identical():
    def run():
        model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Dropout(0.5),
                                    torch.nn.Linear(8, 1))
        torch.manual_seed(123)                            # the same initial weights...
        for p in model.parameters():
            torch.nn.init.normal_(p, std=0.3)

        def batches(step):                                # ...and random batches from torch
            x = torch.randn(16, 3)
            return x, x.sum(1, keepdim=True)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        return fit(model, batches, mse, opt, steps=20, seed=7).loss
    a, b = run(), run()
    assert a == b
    assert len(set(a)) > 1


def test_nonfinite_loss_raises_with_the_step():
    model = torch.nn.Linear(1, 1)

    def loss_fn(m, x, y):
        loss = m(x).pow(2).mean()
        return loss * math.nan if fit_step[0] == 5 else loss
    fit_step = [0]

    def batches(step):
        fit_step[0] = step
        return torch.ones(2, 1), None
    with pytest.raises(FloatingPointError, match="at step 5"):
        fit(model, batches, loss_fn, torch.optim.SGD(model.parameters(), lr=0.01), steps=10)


def test_exploding_run_stops_or_continues_on_request():
    x, y = regression_data()
    for mode in ("stop", "continue"):
        model = torch.nn.Linear(3, 1, dtype=torch.float64)
        history = fit(model, lambda step: (x, y), mse,
                      torch.optim.SGD(model.parameters(), lr=5.0), steps=400, on_nonfinite=mode)
        first_bad = next(i for i, v in enumerate(history.loss) if not math.isfinite(v))
        assert all(math.isfinite(v) for v in history.loss[:first_bad])
        if mode == "stop":
            assert len(history.loss) == first_bad + 1 == len(history.grad_norm)
            assert history.stopped == "non-finite loss"
        else:
            assert len(history.loss) == 400 and history.stopped == "completed"


def test_early_stopping_restores_the_best_weights():
    x, y = regression_data()
    model = torch.nn.Linear(3, 1, dtype=torch.float64)
    scores = iter([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 0.0])   # best at the 3rd evaluation (step 6)
    snapshots = {}

    def evaluate(m):
        snapshots[len(snapshots)] = m.weight.detach().clone()
        return next(scores)
    history = fit(model, lambda step: (x, y), mse, torch.optim.SGD(model.parameters(), lr=0.01),
                  steps=100, evaluate=evaluate, every=2, patience=3)
    assert history.stopped == "early stopping"
    assert history.eval_step == [2, 4, 6, 8, 10, 12] and history.best_step == 6
    assert len(history.loss) == 12
    torch.testing.assert_close(model.weight.detach(), snapshots[2], rtol=0, atol=0)


def test_bad_arguments_fail_clearly():
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="on_nonfinite"):
        fit(model, lambda s: None, mse, opt, steps=1, on_nonfinite="ignore")
    with pytest.raises(ValueError, match="patience"):
        fit(model, lambda s: None, mse, opt, steps=1, patience=2)
    with pytest.raises(TypeError, match="expected batches"):
        fit(model, 3, mse, opt, steps=1)


def test_parameters_without_gradient_are_skipped():
    x, y = regression_data()
    model = torch.nn.ModuleDict({"used": torch.nn.Linear(3, 1, dtype=torch.float64),
                                 "unused": torch.nn.Linear(3, 1, dtype=torch.float64)})
    reference = torch.autograd.grad(mse(model["used"], x, y), list(model["used"].parameters()))
    expected = sum((g ** 2).sum().item() for g in reference) ** 0.5
    history = fit(model, lambda step: (x, y), lambda m, x, y: mse(m["used"], x, y),
                  torch.optim.SGD(model.parameters(), lr=0.1), steps=1)
    assert history.grad_norm[0] == pytest.approx(expected, rel=1e-12)
