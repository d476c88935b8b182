"""gru_lib.numpy.optim against torch.optim and torch.nn.utils, step by step, in float64."""

import numpy as np
import pytest
import torch

import gru_lib.numpy as gnp
from gru_lib.data import adding_problem
from gru_lib.numpy import optim

STEPS = 25

SGD_CASES = [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3),
             dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.1),
             dict(lr=0.05, momentum=0.5, dampening=0.1, weight_decay=0.01),
             dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05)]
ADAM_CASES = [dict(), dict(lr=0.01, betas=(0.8, 0.99)), dict(lr=0.01, eps=1e-3),
              dict(lr=0.01, weight_decay=0.1),
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)]
ADAMW_CASES = [dict(), dict(lr=0.01, weight_decay=0.3, betas=(0.5, 0.9))]
RMSPROP_CASES = [dict(), dict(lr=0.001, alpha=0.9), dict(lr=0.001, eps=1e-2),
                 dict(lr=0.001, momentum=0.9), dict(lr=0.001, centered=True),
                 dict(lr=0.001, centered=True, momentum=0.5, weight_decay=0.1)]

CASES = ([("SGD", kw) for kw in SGD_CASES] + [("Adam", kw) for kw in ADAM_CASES]
         + [("AdamW", kw) for kw in ADAMW_CASES] + [("RMSprop", kw) for kw in RMSPROP_CASES])


def gradient_sequence(shapes, seed):
    """STEPS gradients per parameter, of varying scale and sign (a changing loss surface)."""
    rng = np.random.default_rng(seed)
    return [{name: rng.normal(scale=10.0 ** rng.uniform(-2, 1), size=shape)
             for name, shape in shapes.items()} for _ in range(STEPS)]


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{kw}" for n, kw in CASES])
def test_matches_torch_optim_on_fixed_gradients(name, kwargs):
    rng = np.random.default_rng(0)
    start = {"weight": rng.normal(size=(4, 3)), "bias": rng.normal(size=4)}
    ours = {k: v.copy() for k, v in start.items()}
    theirs = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
    opt = getattr(optim, name)(ours.items(), **kwargs)
    ref = getattr(torch.optim, name)(list(theirs.values()), foreach=False, **kwargs)
    for grads in gradient_sequence({k: v.shape for k, v in start.items()}, seed=1):
        opt.step({k: g.copy() for k, g in grads.items()})
        for k, p in theirs.items():
            p.grad = torch.tensor(grads[k])
        ref.step()
        for k in start:
            np.testing.assert_allclose(ours[k], theirs[k].detach().numpy(), rtol=1e-12,
                                       atol=1e-13)


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                          ("Adam", dict(lr=0.01)),
                                          ("RMSprop", dict(lr=0.003, centered=True))])
def test_trains_a_gru_exactly_like_torch(name, kwargs):
    """The NumPy GRU with its own backward and optimiser against torch.nn.GRU with autograd."""
    torch.manual_seed(0)
    ref = torch.nn.GRU(2, 5, batch_first=True, dtype=torch.float64)
    model = gnp.GRU(2, 5, batch_first=True, dtype=np.float64)
    model.load_state_dict(ref.state_dict())
    opt = getattr(optim, name)(model.named_parameters(), **kwargs)
    ref_opt = getattr(torch.optim, name)(ref.parameters(), foreach=False, **kwargs)
    x, y = adding_problem(8, 12, seed=3, dtype=np.float64)
    for _ in range(20):
        out, _ = model(x)
        d_out = np.zeros_like(out)
        d_out[:, -1] = 2 * (out[:, -1] - y.repeat(5, axis=1)) / out[:, -1].size
        grads = model.backward(d_out)
        norm = optim.clip_grad_norm(grads, 0.5, names=opt.params)
        opt.step(grads)

        ref_opt.zero_grad()
        ref_out, _ = ref(torch.tensor(x))
        loss = torch.mean((ref_out[:, -1] - torch.tensor(y)) ** 2)
        loss.backward()
        ref_norm = torch.nn.utils.clip_grad_norm_(ref.parameters(), 0.5)
        ref_opt.step()
        assert norm == pytest.approx(ref_norm.item(), rel=1e-10)
    for k, p in ref.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[k], p.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    rng = np.random.default_rng(2)
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5), "input": rng.normal(size=7)}
    tensors = [torch.tensor(grads[k]) for k in ("a", "b")]
    params = [torch.zeros_like(t, requires_grad=True) for t in tensors]
    for p, t in zip(params, tensors):
        p.grad = t.clone()
    untouched = grads["input"].copy()
    norm = optim.clip_grad_norm(grads, max_norm, names=["a", "b"])
    ref_norm = torch.nn.utils.clip_grad_norm_(params, max_norm, foreach=False)
    assert norm == pytest.approx(ref_norm.item(), rel=1e-14)
    for k, p in zip(("a", "b"), params):
        np.testing.assert_allclose(grads[k], p.grad.numpy(), rtol=1e-14)
    np.testing.assert_array_equal(grads["input"], untouched)


def test_clip_grad_value_matches_torch():
    rng = np.random.default_rng(4)
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in
              grads.values()]
    for p, g in zip(params, grads.values()):
        p.grad = torch.tensor(g)
    optim.clip_grad_value(grads, 0.5)
    torch.nn.utils.clip_grad_value_(params, 0.5, foreach=False)
    for g, p in zip(grads.values(), params):
        np.testing.assert_array_equal(g, p.grad.numpy())


def test_float32_parameters_stay_float32_and_are_updated_in_place():
    model = gnp.GRU(2, 3, seed=0)
    before = {k: v.copy() for k, v in model.named_parameters()}
    live = dict(model.named_parameters())
    opt = optim.Adam(model.named_parameters(), lr=0.1)
    opt.step({k: np.ones_like(v) for k, v in live.items()})
    for k, v in model.named_parameters():
        assert v is live[k] and v.dtype == np.float32
        assert not np.array_equal(v, before[k])


def test_bad_input_fails_clearly():
    params = {"w": np.zeros(3)}
    with pytest.raises(ValueError, match="lr"):
        optim.SGD(params.items(), lr=-1.0)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam(params.items(), betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(params.items(), lr=0.1, nesterov=True)
    opt = optim.RMSprop(params.items())
    with pytest.raises(ValueError, match="missing"):
        opt.step({"v": np.zeros(3)})
    with pytest.raises(ValueError, match="expected gradient of w of shape"):
        opt.step({"w": np.zeros(4)})
