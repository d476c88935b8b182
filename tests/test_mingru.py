"""minGRU / minLSTM: both backends, all three scans, against an independent oracle.

The oracle is the paper's equations written literally as a float64 torch loop (z = σ(.), 1 − z,
f/(f+i), g), differentiated by autograd; the NumPy backward is also checked by finite differences.
The scans must agree with each other to 1e-10 (float64) up to L = 4096, with saturated gates.
"""

import numpy as np
import pytest
import torch

import gru_lib.numpy as gnp
import gru_lib.torch as gtorch
from gru_lib.gradcheck import numerical_gradient
from gru_lib.numpy import mingru as np_mingru
from gru_lib.torch import mingru as torch_mingru

MODES = ("chunked", "log", "sequential")
CLASSES = ("MinGRU", "MinLSTM")


def oracle(name, weight_ih, bias_ih, x, h0):
    """Literal equations of Feng et al. (2024), one step at a time, torch float64 (L, N, H)."""
    H = h0.shape[-1]
    gi = x @ weight_ih.T + bias_ih
    g = lambda k: torch.where(k >= 0, k + 0.5, torch.sigmoid(k))  # noqa: E731
    h, out = h0, []
    for t in range(len(x)):
        if name == "MinGRU":
            z = torch.sigmoid(gi[t, :, :H])
            h = (1 - z) * h + z * g(gi[t, :, H:])
        else:
            f, i = torch.sigmoid(gi[t, :, :H]), torch.sigmoid(gi[t, :, H:2 * H])
            h = f / (f + i) * h + i / (f + i) * g(gi[t, :, 2 * H:])
        out.append(h)
    return torch.stack(out)


def as_np(a):
    return a.detach().numpy() if isinstance(a, torch.Tensor) else a


def problem(name, L=23, N=3, I=5, H=4, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    module = getattr(gnp, name)(I, H, dtype=np.float64, seed=seed)
    x = scale * rng.normal(size=(L, N, I))
    h0 = rng.normal(size=(1, N, H))
    d_out, d_h_n = rng.normal(size=(L, N, H)), rng.normal(size=(1, N, H))
    return module, x, h0, d_out, d_h_n


def oracle_grads(name, module, x, h0, d_out, d_h_n):
    t = {k: torch.tensor(v, requires_grad=True) for k, v in
         dict(module.state_dict(), input=x, h0=h0).items()}
    out = oracle(name, t["weight_ih"], t["bias_ih"], t["input"], t["h0"][0])
    loss = (out * torch.tensor(d_out)).sum() + (out[-1] * torch.tensor(d_h_n[0])).sum()
    loss.backward()
    return out.detach().numpy(), {k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("mode", MODES)
def test_numpy_matches_oracle(name, mode):
    module, x, h0, d_out, d_h_n = problem(name)
    out, h_n = module(x, h0, mode=mode)
    grads = module.backward(d_out, d_h_n)
    ref_out, ref_grads = oracle_grads(name, module, x, h0, d_out, d_h_n)
    np.testing.assert_allclose(out, ref_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n[0], ref_out[-1], rtol=0, atol=1e-12)
    assert set(grads) == set(ref_grads)
    for k in grads:
        np.testing.assert_allclose(grads[k], ref_grads[k], rtol=0, atol=1e-11, err_msg=k)


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("mode", MODES)
def test_torch_matches_oracle(name, mode):
    module_np, x, h0, d_out, d_h_n = problem(name)
    _, ref_grads = oracle_grads(name, module_np, x, h0, d_out, d_h_n)
    module = getattr(gtorch, name)(5, 4, dtype=torch.float64)
    module.load_state_dict(module_np.state_dict())
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    out, h_n = module(xt, h0t, mode=mode)
    np.testing.assert_allclose(out.detach().numpy(), module_np(x, h0)[0], rtol=0, atol=1e-12)
    ((out * torch.tensor(d_out)).sum() + (h_n * torch.tensor(d_h_n)).sum()).backward()
    got = dict(module.named_parameters(), input=xt, h0=h0t)
    for k, ref in ref_grads.items():
        np.testing.assert_allclose(got[k].grad.numpy(), ref, rtol=0, atol=1e-11, err_msg=k)


@pytest.mark.parametrize("name", CLASSES)
def test_numpy_backward_matches_finite_differences(name):
    module, x, h0, d_out, d_h_n = problem(name, L=9, N=2, I=3, H=3)

    def loss():
        out, h_n = module(x, h0)
        return float((out * d_out).sum() + (h_n * d_h_n).sum())

    module(x, h0)
    grads = module.backward(d_out, d_h_n)
    for k, p in list(module.named_parameters()) + [("input", x), ("h0", h0)]:
        num = numerical_gradient(loss, p)
        np.testing.assert_allclose(grads[k], num, rtol=1e-6, atol=1e-8, err_msg=k)


def extreme_problem(name, L, seed=0):
    """Pre-activations up to ±1000 (gates at exactly 0 or 1 in float64) mixed with moderate ones."""
    module, x, h0, d_out, d_h_n = problem(name, L=L, N=2, I=4, H=8, seed=seed)
    rng = np.random.default_rng(seed + 1)
    scale = np.where(rng.random((L, 2, 1)) < 0.3, 300.0, 1.0)         # 30% of steps saturated
    scale[0] = 300.0
    return module, x * scale, h0, d_out, d_h_n


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("L", [1, 7, 1000, 4096])
def test_scans_agree_with_extreme_gates(name, L):
    module, x, h0, d_out, d_h_n = extreme_problem(name, L)
    gi = module._project(x)
    assert np.abs(gi).max() > 200                                       # really saturated
    results = {}
    for mode in MODES:
        out, h_n = module(x, h0, mode=mode)
        grads = module.backward(d_out, d_h_n)
        assert np.isfinite(out).all() and all(np.isfinite(v).all() for v in grads.values())
        results[mode] = (out, grads)
    ref_out, ref_grads = results["sequential"]
    for mode in ("chunked", "log"):
        out, grads = results[mode]
        assert np.abs(out - ref_out).max() <= 1e-10 * (1 + np.abs(ref_out).max())
        for k in grads:
            assert np.abs(grads[k] - ref_grads[k]).max() <= 1e-10 * (1 + np.abs(ref_grads[k]).max())
    # the torch backend, every mode, against the NumPy sequential scan
    module_t = getattr(gtorch, name)(4, 8, dtype=torch.float64)
    module_t.load_state_dict(module.state_dict())
    for mode in MODES if L <= 1000 else ("chunked", "log"):
        module_t.zero_grad()
        xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
        out, h_n = module_t(xt, h0t, mode=mode)
        ((out * torch.tensor(d_out)).sum() + (h_n * torch.tensor(d_h_n)).sum()).backward()
        assert np.abs(out.detach().numpy() - ref_out).max() <= 1e-10 * (1 + np.abs(ref_out).max())
        got = dict(module_t.named_parameters(), input=xt, h0=h0t)
        for k, ref in ref_grads.items():
            g = got[k].grad.numpy()
            assert np.isfinite(g).all(), (mode, k)
            assert np.abs(g - ref).max() <= 1e-10 * (1 + np.abs(ref).max()), (mode, k)


def test_log_space_scan_is_finite_at_extremes():
    """log a = −softplus(k) and log b with g's two branches: no inf/NaN even for |k| = 1e4."""
    gi = np.array([[-1e4, -1e4], [1e4, 1e4], [-1e4, 1e4], [1e4, -1e4], [0.0, 0.0]])[:, None]
    log_a, log_b = np_mingru.min_gru_log_coefficients(gi)
    assert np.isfinite(log_a).all() and np.isfinite(log_b).all()
    h = np_mingru.log_space_scan(log_a, log_b, np.zeros((1, 1)))
    a, b = np_mingru.min_gru_coefficients(gi)
    np.testing.assert_allclose(h, np_mingru.sequential_scan(a, b, np.zeros((1, 1))), rtol=1e-12)
    git = torch.tensor(gi, requires_grad=True)
    log_a_t, log_b_t = torch_mingru.min_gru_log_coefficients(git)
    torch_mingru.log_space_scan(log_a_t, log_b_t, torch.zeros(1, 1, dtype=torch.float64)).sum().backward()
    assert torch.isfinite(git.grad).all()


@pytest.mark.parametrize("chunk", [1, 2, 5, 64, 100])
def test_chunk_sizes_give_the_same_scan(chunk):
    rng = np.random.default_rng(3)
    a, b, h0 = rng.random((50, 2, 3)), rng.normal(size=(50, 2, 3)), rng.normal(size=(2, 3))
    ref = np_mingru.sequential_scan(a, b, h0)
    np.testing.assert_allclose(np_mingru.chunked_scan(a, b, h0, chunk), ref, rtol=0, atol=1e-13)
    got = torch_mingru.chunked_scan(*map(torch.tensor, (a, b, h0)), chunk)
    np.testing.assert_allclose(got.numpy(), ref, rtol=0, atol=1e-13)


@pytest.mark.parametrize("backend", [gnp, gtorch])
@pytest.mark.parametrize("name", CLASSES)
def test_step_streams_the_forward(backend, name):
    module_np, x, h0, _, _ = problem(name)
    module = getattr(backend, name)(5, 4, dtype=np.float64 if backend is gnp else torch.float64)
    module.load_state_dict(module_np.state_dict())
    conv = (lambda a: a) if backend is gnp else torch.tensor
    h = conv(h0[0])
    for t in range(len(x)):
        h = module.step(conv(x[t]), h)
    out, _ = module_np(x, h0)
    np.testing.assert_allclose(as_np(h), out[-1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", [gnp, gtorch])
def test_layouts_batch_first_and_unbatched(backend):
    module_np, x, h0, _, _ = problem("MinGRU")
    ref, ref_n = module_np(x, h0)
    bf = getattr(backend, "MinGRU")(5, 4, batch_first=True,
                                    dtype=np.float64 if backend is gnp else torch.float64)
    bf.load_state_dict(module_np.state_dict())
    conv = (lambda a: np.ascontiguousarray(a)) if backend is gnp else torch.tensor
    out, h_n = bf(conv(x.transpose(1, 0, 2)), conv(h0))
    np.testing.assert_allclose(as_np(out).transpose(1, 0, 2), ref, atol=1e-12)
    out, h_n = bf(conv(x[:, 1]), conv(h0[:, 1]))                        # unbatched (L, H_in)
    np.testing.assert_allclose(as_np(out), ref[:, 1], atol=1e-12)
    np.testing.assert_allclose(as_np(h_n), ref_n[:, 1], atol=1e-12)


def test_numpy_backward_layouts():
    module, x, h0, d_out, d_h_n = problem("MinGRU")
    module(x, h0)
    ref = module.backward(d_out, d_h_n)
    bf = gnp.MinGRU(5, 4, batch_first=True, dtype=np.float64)
    bf.load_state_dict(module.state_dict())
    bf(np.ascontiguousarray(x.transpose(1, 0, 2)), h0)
    got = bf.backward(np.ascontiguousarray(d_out.transpose(1, 0, 2)), d_h_n)
    np.testing.assert_allclose(got["input"].transpose(1, 0, 2), ref["input"], atol=1e-12)
    np.testing.assert_allclose(got["weight_ih"], ref["weight_ih"], atol=1e-12)


def test_parameter_names_and_counts():
    for backend in (gnp, gtorch):
        m = backend.MinGRU(10, 7)
        assert [(k, tuple(v.shape)) for k, v in m.named_parameters()] == [
            ("weight_ih", (14, 10)), ("bias_ih", (14,))]
        assert [k for k, _ in backend.MinLSTM(10, 7, bias=False).named_parameters()] == ["weight_ih"]


@pytest.mark.parametrize("backend", [gnp, gtorch])
def test_errors(backend):
    m = backend.MinGRU(3, 4)
    conv = (lambda a: a.astype(np.float32)) if backend is gnp else (lambda a: torch.tensor(a).float())
    x = conv(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="mode must be one of"):
        m(x, mode="parallel")
    with pytest.raises(ValueError, match="expected input with 3 features"):
        m(conv(np.zeros((5, 2, 4))))
    with pytest.raises(ValueError, match=r"expected h0 of shape \(1, 2, 4\), got \(2, 4\)"):
        m(x, conv(np.zeros((2, 4))))
    with pytest.raises(ValueError, match=r"expected h_prev of shape \(2, 4\)"):
        m.step(x[0], conv(np.zeros((2, 3))))
    with pytest.raises(ValueError, match="hidden_size must be a positive int"):
        backend.MinLSTM(3, 0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        m(conv(np.full((5, 2, 3), np.nan)))
    if backend is gnp:
        with pytest.raises(RuntimeError, match="needs a forward"):
            gnp.MinGRU(3, 4).backward(np.zeros((5, 2, 4), np.float32))


def test_mingru_benchmark_reports_every_row(capsys):
    from gru_lib import bench
    bench.main(["--mingru", "--T", "5", "--B", "2", "--I", "3", "--H", "4", "--rounds", "1"])
    lines = capsys.readouterr().out.splitlines()
    names = {line[:34].strip() for line in lines[2:]}
    modes = ("chunked", "log", "sequential")
    assert names == ({"torch.nn.GRU train", "torch.nn.GRU infer"}
                     | {f"{b} minGRU {m} {k}" for b in ("torch", "numpy") for m in modes
                        for k in ("train", "infer")})
    assert all(line.endswith("x") for line in lines[2:])
