"""Chapter 5's exercise references (gru_lib.exercises, block "Chapter 5") against independent
oracles (torch.sigmoid, torch.optim.Adagrad, autograd, a torch.nn.GRU trained by torch.optim.Adam),
and the checker on the chapter's own solutions and on plausible wrong answers."""

import numpy as np
import torch

import gru_lib.numpy as gnp
from gru_lib import data, exercises
from gru_lib.exercises import EXERCISES, check
from gru_lib.numpy import optim


def cases(exercise_id):
    spec = EXERCISES[exercise_id]
    return spec.inputs(np.random.default_rng(spec.seed))


def t(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


# ---------------------------------------------------------------- ch5-ex-timescale

def test_chrono_time_constants_from_torch_sigmoid():
    for _, kw in cases("ch5-ex-timescale"):
        u = kw["u"]
        copied, correct = exercises.chrono_time_constants(**kw)
        for result, b_z in ((copied, -np.log(u)), (correct, np.log(u))):
            z = torch.sigmoid(t(b_z)).numpy()
            np.testing.assert_allclose(result, 1 / (1 - z), rtol=1e-10)
        np.testing.assert_allclose(copied, 1 + 1 / u, rtol=1e-10)      # closed forms
        np.testing.assert_allclose(correct, 1 + u, rtol=1e-10)


def test_chrono_check_accepts_the_solution_and_rejects_a_swap(capsys):
    def solution(u):                           # the chapter's answer: 1 + 1/u and 1 + u
        return 1 + 1 / u, 1 + u
    assert check("ch5-ex-timescale", solution)

    def swapped(u):                            # the two conventions mixed up
        return 1 + u, 1 + 1 / u
    assert not check("ch5-ex-timescale", swapped)
    assert "input 2 of 4 (u at the ends of U(1, 99))" in capsys.readouterr().out


# ---------------------------------------------------------------- ch5-ex-adagrad

def test_adagrad_update_matches_torch_optim_adagrad_over_ten_steps():
    rng = np.random.default_rng(1)
    for _, kw in cases("ch5-ex-adagrad"):
        theta, s = kw["theta"].copy(), np.zeros_like(kw["theta"])
        p = torch.nn.Parameter(t(kw["theta"]))
        opt = torch.optim.Adagrad([p], lr=kw["lr"], eps=kw["eps"])
        for _ in range(10):
            g = kw["g"] * rng.uniform(0.1, 2.0, kw["g"].shape)
            theta, s = exercises.adagrad_update(theta, g, s, kw["lr"], kw["eps"])
            p.grad = t(g)
            opt.step()
        np.testing.assert_allclose(theta, p.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(s, opt.state[p]["sum"].numpy(), rtol=1e-12)


def test_adagrad_check_accepts_the_solution_and_rejects_wrong_updates(capsys):
    class Adagrad(optim.Optimizer):            # the chapter's solution
        def __init__(self, named_parameters, lr=1e-2, eps=1e-10):
            super().__init__(named_parameters, lr)
            self.eps = eps

        def _update(self, theta, g, state):
            if not state:
                state["s"] = np.zeros_like(theta)
            state["s"] += g * g
            theta -= self.lr * g / (np.sqrt(state["s"]) + self.eps)

    def adagrad_step(theta, g, s, lr, eps):   # the class above, one step
        opt = Adagrad([("theta", theta)], lr=lr, eps=eps)
        opt.state["theta"]["s"] = s
        opt.step({"theta": g})
        return theta, s
    assert check("ch5-ex-adagrad", adagrad_step)

    def eps_inside_the_root(theta, g, s, lr, eps):
        s = s + g * g
        return theta - lr * g / np.sqrt(s + eps), s
    assert not check("ch5-ex-adagrad", eps_inside_the_root)
    assert "input 4 of 5 (first step, tiny gradients, eps = 1e-3)" in capsys.readouterr().out

    def no_memory(theta, g, s, lr, eps):       # RMSprop with alpha = 0: forgets the past
        return theta - lr * g / (np.abs(g) + eps), g * g
    assert not check("ch5-ex-adagrad", no_memory)
    assert "input 3 of 5 (a later step: s > 0)" in capsys.readouterr().out


# ---------------------------------------------------------------- ch5-ex-l1

def test_mse_with_l1_matches_torch_and_its_gradient_is_sign():
    for _, kw in cases("ch5-ex-l1"):
        y_hat, w = t(kw["y_hat"]).requires_grad_(), t(kw["weight_hh"]).requires_grad_()
        expected = torch.nn.functional.mse_loss(y_hat, t(kw["y"])) + kw["l1"] * w.abs().sum()
        np.testing.assert_allclose(exercises.mse_with_l1(**kw), expected.item(), rtol=1e-12)
        # the same function runs on tensors, as a loss_fn inside fit does
        on_tensors = exercises.mse_with_l1(y_hat, t(kw["y"]), w, kw["l1"])
        on_tensors.backward()
        np.testing.assert_allclose(w.grad.numpy(), kw["l1"] * np.sign(kw["weight_hh"]))
        np.testing.assert_allclose(y_hat.grad.numpy(), 2 * (kw["y_hat"] - kw["y"]) / y_hat.numel())


def test_l1_check_accepts_the_solution_and_rejects_an_l2_penalty(capsys):
    def solution(y_hat, y, weight_hh, l1):     # the chapter's solution
        return ((y_hat - y) ** 2).mean() + l1 * abs(weight_hh).sum()
    assert check("ch5-ex-l1", solution)

    def l2_penalty(y_hat, y, weight_hh, l1):
        return ((y_hat - y) ** 2).mean() + l1 * (weight_hh ** 2).sum()
    assert not check("ch5-ex-l1", l2_penalty)
    assert "input 2 of 4 (batch of one, one unit)" in capsys.readouterr().out


# ---------------------------------------------------------------- ch5-ex-batch

class NumpyAdder:
    """The chapter's model, as the chapter writes it: gnp.GRU and a linear read-out."""

    def __init__(self, hidden_size, seed):
        self.gru = gnp.GRU(2, hidden_size, batch_first=True, seed=seed)
        k = 1 / np.sqrt(hidden_size)
        rng = np.random.default_rng(seed)
        self.readout_weight = rng.uniform(-k, k, (1, hidden_size)).astype(np.float32)
        self.readout_bias = rng.uniform(-k, k, 1).astype(np.float32)

    def named_parameters(self):
        return self.gru.named_parameters() + [("readout.weight", self.readout_weight),
                                              ("readout.bias", self.readout_bias)]

    def __call__(self, x):
        output, _ = self.gru(x)
        self.h_last = output[:, -1]
        return self.h_last @ self.readout_weight.T + self.readout_bias

    def loss_and_grads(self, x, y):
        err = self(x) - y
        d_y_hat = 2 * err / err.size
        d_output = np.zeros(x.shape[:2] + (self.readout_weight.shape[1],), x.dtype)
        d_output[:, -1] = d_y_hat @ self.readout_weight
        grads = self.gru.backward(d_output)
        grads["readout.weight"] = d_y_hat.T @ self.h_last
        grads["readout.bias"] = d_y_hat.sum(axis=0)
        return float(np.mean(err ** 2)), grads


def train_numpy(model, optimizer, x, y, x_val, y_val, steps, batch=32, every=25, clip_norm=1.0):
    losses, val_steps, val_losses = [], [], []
    for step in range(steps):
        rows = slice(step * batch, (step + 1) * batch)
        loss, grads = model.loss_and_grads(x[rows], y[rows])
        if clip_norm is not None:
            optim.clip_grad_norm(grads, clip_norm, names=optimizer.params)
        optimizer.step(grads)
        losses.append(loss)
        if (step + 1) % every == 0:
            val_steps.append(step + 1)
            val_losses.append(float(np.mean((model(x_val) - y_val) ** 2)))
    return losses, val_steps, val_losses


def chapter_solution(batch, budget, length, hidden_size, lr, seed, clip_norm=1.0):
    x, y = data.adding_problem(budget, length, seed=1)
    model = NumpyAdder(hidden_size, seed)
    opt = optim.Adam(model.named_parameters(), lr=lr)
    steps = budget // batch
    _, _, val = train_numpy(model, opt, x, y, *data.adding_problem(256, length, seed=2), steps,
                            batch=batch, every=steps, clip_norm=clip_norm)
    return val[-1]


def test_fixed_budget_error_matches_torch_training():
    for _, kw in cases("ch5-ex-batch"):
        H, batch = kw["hidden_size"], kw["batch"]
        x, y = map(torch.from_numpy, data.adding_problem(kw["budget"], kw["length"], seed=1))
        x_val, y_val = map(torch.from_numpy, data.adding_problem(256, kw["length"], seed=2))
        start = NumpyAdder(H, kw["seed"])
        gru, readout = torch.nn.GRU(2, H, batch_first=True), torch.nn.Linear(H, 1)
        gru.load_state_dict({k: torch.from_numpy(v.copy())
                             for k, v in start.gru.state_dict().items()})
        readout.load_state_dict({"weight": torch.from_numpy(start.readout_weight.copy()),
                                 "bias": torch.from_numpy(start.readout_bias.copy())})
        params = list(gru.parameters()) + list(readout.parameters())
        adam = torch.optim.Adam(params, lr=kw["lr"])
        for step in range(kw["budget"] // batch):
            rows = slice(step * batch, (step + 1) * batch)
            loss = torch.mean((readout(gru(x[rows])[1][0]) - y[rows]) ** 2)
            adam.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            adam.step()
        with torch.no_grad():
            expected = torch.mean((readout(gru(x_val)[1][0]) - y_val) ** 2).item()
        np.testing.assert_allclose(exercises.fixed_budget_error(**kw), expected, rtol=1e-4)


def test_batch_check_accepts_the_solution_and_rejects_an_unclipped_run(capsys):
    assert check("ch5-ex-batch", chapter_solution)

    def unclipped(batch, budget, length, hidden_size, lr, seed):
        return chapter_solution(batch, budget, length, hidden_size, lr, seed, clip_norm=None)
    assert not check("ch5-ex-batch", unclipped)
    assert "differs from the reference on input" in capsys.readouterr().out

    def fixed_steps(batch, budget, length, hidden_size, lr, seed):   # budget read as steps
        return chapter_solution(batch, batch * budget, length, hidden_size, lr, seed)
    assert not check("ch5-ex-batch", fixed_steps)
    assert "input 1 of 4" in capsys.readouterr().out
