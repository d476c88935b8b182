"""The GRU variants of gru_lib (MGU, GRU1–3, Li-GRU, layer-normalised GRU, CIFG LSTM, ConvGRU).

Oracles, none of them written by gru_lib:

* the papers' equations transcribed below gate by gate in plain torch (``paper_step``), from the
  named blocks W_*, U_*, b_* of the parameters, with a layer loop of their own;
* limiting cases that turn a variant into a model torch.nn (or the validated reset-before GRU of
  gru_lib) computes: an MGU is a reset-before GRU with r = f and z = 1 − f; a CIFG LSTM is an
  ``nn.LSTM`` whose input gate has the negated weights of its forget gate; a ConvGRU with 1×1
  kernels is a reset-before GRU run at every pixel;
* torch autograd, for the NumPy backward; finite differences for one case.
"""

import numpy as np
import pytest
import torch

import gru_lib.numpy as gnp
import gru_lib.torch as gtorch
from gru_lib.gradcheck import numerical_gradient

L, N, H_IN, H = 5, 3, 4, 3
VARIANTS = ("MGU", "GRU1", "GRU2", "GRU3", "LiGRU", "LayerNormGRU", "CIFGLSTM")
LAYOUTS = ("seq_first", "batch_first", "unbatched")


def torch_variant(name, dtype=torch.float64, **kwargs):
    extra = {"batch_norm": False} if name == "LiGRU" else {}
    return getattr(gtorch, name)(H_IN, H, dtype=dtype, seed=0, **extra, **kwargs)


def randomise(module, rng, scale=0.7):
    """Random parameters (gains and shifts too), so that no block hides behind its init."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.as_tensor(rng.uniform(-scale, scale, size=tuple(p.shape))))
    return module


def make_input(layout, rng, input_size=H_IN):
    shape = {"seq_first": (L, N, input_size), "batch_first": (N, L, input_size),
             "unbatched": (L, input_size)}[layout]
    return rng.standard_normal(shape)


# --------------------------------------------------------------------------------------------
# The papers' equations, transcribed gate by gate

def sig(a):
    return 1 / (1 + torch.exp(-a))


def ln(a, gain, shift, eps=1e-5):
    mean = a.mean(-1, keepdim=True)
    var = ((a - mean) ** 2).mean(-1, keepdim=True)
    return (a - mean) / torch.sqrt(var + eps) * gain + shift


def paper_step(name, p, x, state, bias):
    """One step of variant ``name`` from its paper; p holds one layer's parameters."""
    h = state[0]
    b = p["bias"] if bias and "bias" in p else torch.zeros(p["weight_hh"].shape[0],
                                                            dtype=h.dtype)
    if name == "MGU":                                   # Zhou et al. 2016, eqs. of the MGU
        W_f, W_h = p["weight_ih"].chunk(2)
        U_f, U_h = p["weight_hh"].chunk(2)
        b_f, b_h = b.chunk(2)
        f = sig(x @ W_f.T + h @ U_f.T + b_f)
        h_tilde = torch.tanh(x @ W_h.T + (f * h) @ U_h.T + b_h)
        return ((1 - f) * h + f * h_tilde,)
    if name in ("GRU1", "GRU2", "GRU3"):                # Dey & Salem 2017
        W_h = p["weight_ih"]
        if name == "GRU3":
            U_h, b_r, b_z, b_h = p["weight_hh"], *b.chunk(3)
            r, z = sig(b_r).expand_as(h), sig(b_z).expand_as(h)
        elif name == "GRU1":
            U_r, U_z, U_h = p["weight_hh"].chunk(3)
            b_r, b_z, b_h = b.chunk(3)
            r, z = sig(h @ U_r.T + b_r), sig(h @ U_z.T + b_z)
        else:
            U_r, U_z, U_h = p["weight_hh"].chunk(3)
            b_h = b if bias else torch.zeros(H, dtype=h.dtype)
            r, z = sig(h @ U_r.T), sig(h @ U_z.T)
        h_tilde = torch.tanh(x @ W_h.T + (r * h) @ U_h.T + b_h)
        return ((1 - z) * h + z * h_tilde,)
    if name == "LiGRU":                                 # Ravanelli et al. 2018, without BN
        W_z, W_h = p["weight_ih"].chunk(2)
        U_z, U_h = p["weight_hh"].chunk(2)
        b_z, b_h = b.chunk(2)
        z = sig(x @ W_z.T + b_z + h @ U_z.T)
        h_tilde = torch.clamp(x @ W_h.T + b_h + h @ U_h.T, min=0)
        return (z * h + (1 - z) * h_tilde,)
    if name == "LayerNormGRU":                          # Ba et al. 2016's recipe on a GRU
        zero = torch.zeros(3 * H, dtype=h.dtype)
        a = ln(x @ p["weight_ih"].T, p["ln_ih_weight"], p.get("ln_ih_bias", zero))
        g = ln(h @ p["weight_hh"].T, p["ln_hh_weight"], p.get("ln_hh_bias", zero))
        (a_r, a_z, a_n), (g_r, g_z, g_n) = a.chunk(3, -1), g.chunk(3, -1)
        r, z = sig(a_r + g_r), sig(a_z + g_z)
        n = torch.tanh(a_n + r * g_n)
        return ((1 - z) * n + z * h,)
    if name == "CIFGLSTM":                              # Greff et al. 2017, i = 1 − f
        c = state[1]
        a = x @ p["weight_ih"].T + h @ p["weight_hh"].T + b
        a_f, a_g, a_o = a.chunk(3, -1)
        f, g, o = sig(a_f), torch.tanh(a_g), sig(a_o)
        c = f * c + (1 - f) * g
        return (o * torch.tanh(c), c)
    raise ValueError(name)


def paper_layer(name, module, x, hx, num_layers, bias):
    """x (L, N, H_in), hx a tuple of (num_layers, N, H) -> output (L, N, H), finals."""
    params = dict(module.named_parameters())
    finals, inp = [], x
    for layer in range(num_layers):
        p = {k[:-3]: v for k, v in params.items() if k.endswith(f"_l{layer}")}
        state, out = tuple(s[layer] for s in hx), []
        for t in range(inp.shape[0]):
            state = paper_step(name, p, inp[t], state, bias)
            out.append(state[0])
        finals.append(state)
        inp = torch.stack(out)
    return inp, [torch.stack([f[i] for f in finals]) for i in range(len(hx))]


def states_of(name):
    return 2 if name == "CIFGLSTM" else 1


def flat(result):
    output, h_n = result
    return [output, *(h_n if isinstance(h_n, tuple) else (h_n,))]


# --------------------------------------------------------------------------------------------
# Forward: both backends against the papers' equations

@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("num_layers, bias", [(1, True), (2, True), (2, False)])
def test_forward_matches_the_papers_equations(name, layout, num_layers, bias):
    rng = np.random.default_rng(1)
    module = randomise(torch_variant(name, num_layers=num_layers, bias=bias,
                                     batch_first=layout == "batch_first"), rng)
    x = make_input(layout, rng)
    batched = layout != "unbatched"
    shape = (num_layers, N, H) if batched else (num_layers, H)
    hx = tuple(rng.standard_normal(shape) for _ in range(states_of(name)))
    hx_arg = hx if states_of(name) == 2 else hx[0]

    # the oracle runs on (L, N, H_in) with a batched state
    x_ref = torch.tensor(x if layout == "seq_first" else
                         x.transpose(1, 0, 2) if batched else x[:, None])
    hx_ref = tuple(torch.tensor(s if batched else s[:, None]) for s in hx)
    with torch.no_grad():
        out_ref, finals_ref = paper_layer(name, module, x_ref, hx_ref, num_layers, bias)
    if layout == "batch_first":
        out_ref = out_ref.transpose(0, 1)
    elif not batched:
        out_ref, finals_ref = out_ref[:, 0], [f[:, 0] for f in finals_ref]
    expected = [out_ref.numpy()] + [f.numpy() for f in finals_ref]

    with torch.no_grad():
        got_torch = flat(module(torch.tensor(x), tuple(torch.tensor(s) for s in hx)
                                if states_of(name) == 2 else torch.tensor(hx_arg)))
    numpy_module = getattr(gnp, name)(H_IN, H, num_layers=num_layers, bias=bias,
                                      batch_first=layout == "batch_first", dtype=np.float64)
    numpy_module.load_state_dict(module.state_dict())
    got_numpy = flat(numpy_module(x, hx_arg))
    for e, t, n in zip(expected, got_torch, got_numpy, strict=True):
        assert t.shape == e.shape and n.shape == e.shape
        assert np.abs(t.numpy() - e).max() < 1e-12
        assert np.abs(n - e).max() < 1e-12


@pytest.mark.parametrize("name", VARIANTS)
def test_float32_backends_agree(name):
    rng = np.random.default_rng(2)
    module = randomise(torch_variant(name, dtype=torch.float32), rng)
    numpy_module = getattr(gnp, name)(H_IN, H)
    numpy_module.load_state_dict(module.state_dict())
    x = make_input("seq_first", rng).astype(np.float32)
    with torch.no_grad():
        got_torch = flat(module(torch.tensor(x)))
    for t, n in zip(got_torch, flat(numpy_module(x)), strict=True):
        assert n.dtype == np.float32
        assert np.abs(t.numpy() - n).max() < 1e-5


# --------------------------------------------------------------------------------------------
# Limiting cases that torch.nn computes

def test_mgu_is_a_reset_before_gru_with_tied_gates():
    """r = f and z = 1 − f = σ(−a_f): the GRU's gates are the forget gate and its mirror."""
    rng = np.random.default_rng(3)
    mgu = randomise(gtorch.MGU(H_IN, H, dtype=torch.float64), rng)
    gru = gtorch.GRU(H_IN, H, reset="before", dtype=torch.float64)
    W_f, W_n = mgu.weight_ih_l0.detach().chunk(2)
    U_f, U_n = mgu.weight_hh_l0.detach().chunk(2)
    b_f, b_n = mgu.bias_l0.detach().chunk(2)
    gru.load_state_dict({"weight_ih_l0": torch.cat([W_f, -W_f, W_n]),
                         "weight_hh_l0": torch.cat([U_f, -U_f, U_n]),
                         "bias_ih_l0": torch.cat([b_f, -b_f, b_n]),
                         "bias_hh_l0": torch.zeros(3 * H, dtype=torch.float64)})
    x, h0 = torch.tensor(make_input("seq_first", rng)), torch.randn(1, N, H, dtype=torch.float64)
    with torch.no_grad():
        for a, b in zip(flat(mgu(x, h0)), flat(gru(x, h0)), strict=True):
            assert (a - b).abs().max() < 1e-12


def test_cifg_lstm_is_an_nn_lstm_whose_input_gate_mirrors_its_forget_gate():
    """i = σ(−a_f) = 1 − f: torch.nn.LSTM with the input block set to minus the forget block."""
    rng = np.random.default_rng(4)
    cifg = randomise(gtorch.CIFGLSTM(H_IN, H, num_layers=2, dtype=torch.float64), rng)
    lstm = torch.nn.LSTM(H_IN, H, num_layers=2, dtype=torch.float64)
    state = {}
    for k in range(2):
        for kind in ("ih", "hh"):
            W_f, W_g, W_o = getattr(cifg, f"weight_{kind}_l{k}").detach().chunk(3)
            state[f"weight_{kind}_l{k}"] = torch.cat([-W_f, W_f, W_g, W_o])
        b_f, b_g, b_o = getattr(cifg, f"bias_l{k}").detach().chunk(3)
        state[f"bias_ih_l{k}"] = torch.cat([-b_f, b_f, b_g, b_o])
        state[f"bias_hh_l{k}"] = torch.zeros(4 * H, dtype=torch.float64)
    lstm.load_state_dict(state)
    x = torch.tensor(make_input("seq_first", rng))
    hx = (torch.randn(2, N, H, dtype=torch.float64), torch.randn(2, N, H, dtype=torch.float64))
    with torch.no_grad():
        for a, b in zip(flat(cifg(x, hx)), flat(lstm(x, hx)), strict=True):
            assert (a - b).abs().max() < 1e-12


def test_gru3_gates_are_constant_in_time():
    """GRU3's gates see neither x nor h: with W_hn = 0 and b_n = 0, h_t = (1 − z)^t h_0 + ..."""
    gru3 = gtorch.GRU3(H_IN, H, dtype=torch.float64)
    with torch.no_grad():
        gru3.weight_ih_l0.zero_()
        gru3.weight_hh_l0.zero_()
        gru3.bias_l0.copy_(torch.tensor([0.0] * H + [-1.0] * H + [0.0] * H))
    h0 = torch.ones(1, 1, H, dtype=torch.float64)
    with torch.no_grad():
        output, _ = gru3(torch.randn(L, 1, H_IN, dtype=torch.float64), h0)
    z = 1 / (1 + np.exp(1.0))
    expected = (1 - z) ** np.arange(1, L + 1)
    assert np.abs(output[:, 0, 0].numpy() - expected).max() < 1e-12


def test_conv_gru_with_1x1_kernels_is_a_gru_at_every_pixel():
    """k = 1: each convolution is a matrix product per pixel; z ↔ 1 − z maps to torch's update."""
    rng = np.random.default_rng(5)
    C_in, C, Y, X = 2, 3, 4, 5
    conv = randomise(gtorch.ConvGRU(C_in, C, kernel_size=1, dtype=torch.float64), rng)
    W = conv.weight_ih_l0.detach()[:, :, 0, 0]
    U = conv.weight_hh_l0.detach()[:, :, 0, 0]
    b = conv.bias_l0.detach()
    flip = torch.tensor([1.0] * C + [-1.0] * C + [1.0] * C, dtype=torch.float64)[:, None]
    gru = gtorch.GRU(C_in, C, reset="before", dtype=torch.float64)
    gru.load_state_dict({"weight_ih_l0": W * flip, "weight_hh_l0": U * flip,
                         "bias_ih_l0": b * flip[:, 0],
                         "bias_hh_l0": torch.zeros(3 * C, dtype=torch.float64)})
    x = torch.tensor(rng.standard_normal((L, N, C_in, Y, X)))
    h0 = torch.tensor(rng.standard_normal((N, C, Y, X)))
    with torch.no_grad():
        output, h_n = conv(x, h0)
        pixels = x.permute(0, 1, 3, 4, 2).reshape(L, N * Y * X, C_in)      # each pixel a sequence
        out_gru, h_gru = gru(pixels, h0.permute(0, 2, 3, 1).reshape(1, N * Y * X, C))
    assert (output.permute(0, 1, 3, 4, 2).reshape(L, -1, C) - out_gru).abs().max() < 1e-12
    assert (h_n.permute(0, 2, 3, 1).reshape(-1, C) - h_gru[0]).abs().max() < 1e-12


def test_conv_gru_3x3_matches_unfolded_matrix_products():
    """A 3×3 convolution as an explicit sum over the kernel's 9 shifts of the zero-padded frame."""
    rng = np.random.default_rng(6)
    C_in, C, Y, X = 1, 2, 5, 6
    conv = randomise(gtorch.ConvGRU(C_in, C, kernel_size=3, batch_first=True,
                                    dtype=torch.float64), rng)

    def conv_by_shifts(img, w):                 # img (N, C_i, Y, X), w (C_o, C_i, 3, 3)
        padded = torch.nn.functional.pad(img, (1, 1, 1, 1))
        return sum(torch.einsum("oi,niyx->noyx", w[:, :, dy, dx],
                                padded[:, :, dy:dy + Y, dx:dx + X])
                   for dy in range(3) for dx in range(3))

    x = torch.tensor(rng.standard_normal((N, L, C_in, Y, X)))
    W, U, b = conv.weight_ih_l0.detach(), conv.weight_hh_l0.detach(), conv.bias_l0.detach()
    h = torch.zeros(N, C, Y, X, dtype=torch.float64)
    outs = []
    for t in range(L):
        a = conv_by_shifts(x[:, t], W) + b[:, None, None]
        r = sig(a[:, :C] + conv_by_shifts(h, U[:C]))
        z = sig(a[:, C:2 * C] + conv_by_shifts(h, U[C:2 * C]))
        n = torch.tanh(a[:, 2 * C:] + conv_by_shifts(r * h, U[2 * C:]))
        h = (1 - z) * h + z * n
        outs.append(h)
    with torch.no_grad():
        output, h_n = conv(x)
    assert (output - torch.stack(outs, 1)).abs().max() < 1e-12
    assert (h_n - h).abs().max() < 1e-12


def test_ligru_batch_norm_uses_batch_statistics_in_training_and_running_ones_in_eval():
    rng = np.random.default_rng(7)
    ligru = gtorch.LiGRU(H_IN, H, dtype=torch.float64, seed=0)
    randomise(ligru, rng)
    x = torch.tensor(make_input("seq_first", rng))
    a = x @ ligru.weight_ih_l0.detach().T                                 # (L, N, 2H)
    mean, var = a.mean((0, 1)), a.var((0, 1), unbiased=False)
    gamma, beta = ligru.bn_weight_l0.detach(), ligru.bn_bias_l0.detach()
    plain = gtorch.LiGRU(H_IN, H, batch_norm=False, dtype=torch.float64)
    W = ligru.weight_ih_l0.detach()

    def as_plain(mu, v):    # BN with fixed statistics is affine: fold it into W and a bias
        scale = gamma / torch.sqrt(v + 1e-5)
        plain.load_state_dict({"weight_ih_l0": W * scale[:, None],
                               "weight_hh_l0": ligru.weight_hh_l0.detach(),
                               "bias_l0": beta - mu * scale})
        with torch.no_grad():
            return plain(x)[0]

    with torch.no_grad():
        train_out = ligru.train()(x)[0]
        eval_out = ligru.eval()(x)[0]
    assert (train_out - as_plain(mean, var)).abs().max() < 1e-12
    unbiased = a.var((0, 1), unbiased=True)
    assert (ligru.bn_running_mean_l0 - 0.1 * mean).abs().max() < 1e-12
    assert (ligru.bn_running_var_l0 - (0.9 + 0.1 * unbiased)).abs().max() < 1e-12
    assert (eval_out - as_plain(0.1 * mean, 0.9 + 0.1 * unbiased)).abs().max() < 1e-12


# --------------------------------------------------------------------------------------------
# NumPy backward against autograd (and finite differences once)

@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("num_layers, bias", [(1, True), (2, True), (2, False)])
def test_numpy_backward_matches_autograd(name, layout, num_layers, bias):
    rng = np.random.default_rng(8)
    module = randomise(torch_variant(name, num_layers=num_layers, bias=bias,
                                     batch_first=layout == "batch_first"), rng)
    numpy_module = getattr(gnp, name)(H_IN, H, num_layers=num_layers, bias=bias,
                                      batch_first=layout == "batch_first", dtype=np.float64)
    numpy_module.load_state_dict(module.state_dict())
    x = make_input(layout, rng)
    batched = layout != "unbatched"
    shape = (num_layers, N, H) if batched else (num_layers, H)
    hx = tuple(rng.standard_normal(shape) for _ in range(states_of(name)))
    result = numpy_module(x, hx if len(hx) == 2 else hx[0])
    upstream = [rng.standard_normal(a.shape) for a in flat(result)]
    d_h_n = tuple(upstream[1:])
    grads = numpy_module.backward(upstream[0], d_h_n if len(d_h_n) == 2 else d_h_n[0])

    x_t = torch.tensor(x, requires_grad=True)
    hx_t = tuple(torch.tensor(s, requires_grad=True) for s in hx)
    out = flat(module(x_t, hx_t if len(hx_t) == 2 else hx_t[0]))
    loss = sum((o * torch.tensor(u)).sum() for o, u in zip(out, upstream, strict=True))
    loss.backward()
    expected = {k: p.grad.numpy() for k, p in module.named_parameters()}
    expected["input"] = x_t.grad.numpy()
    for name_0, s in zip(("h0", "c0"), hx_t):
        expected[name_0] = s.grad.numpy()
    assert set(grads) == set(expected)
    for k, e in expected.items():
        assert grads[k].shape == e.shape
        assert np.abs(grads[k] - e).max() < 1e-10, k


def test_mgu_backward_matches_finite_differences():
    rng = np.random.default_rng(9)
    mgu = gnp.MGU(H_IN, H, dtype=np.float64, seed=1)
    x = make_input("seq_first", rng)
    weight = rng.standard_normal((L, N, H))

    def loss():
        return float((mgu(x)[0] * weight).sum())

    loss()
    grads = mgu.backward(weight)
    for name, p in mgu.named_parameters():
        numeric = numerical_gradient(loss, p)
        assert np.abs(numeric - grads[name]).max() < 1e-7, name


# --------------------------------------------------------------------------------------------
# Parameter counts: the closed forms of the chapter

def closed_form(name, I, H, bias=True):
    b = 1 if bias else 0
    return {"MGU": 2 * H * (I + H + b), "GRU1": H * (I + 3 * H + 3 * b),
            "GRU2": H * (I + 3 * H + b), "GRU3": H * (I + H + 3 * b),
            "LiGRU": 2 * H * (I + H + b), "LayerNormGRU": 3 * H * (I + H + 2 + 2 * b),
            "CIFGLSTM": 3 * H * (I + H + b)}[name]


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("bias", [True, False])
def test_parameter_counts_match_the_closed_forms(name, bias):
    I, Hs = 7, 5
    expected = closed_form(name, I, Hs, bias) + closed_form(name, Hs, Hs, bias)   # two layers
    numpy_module = getattr(gnp, name)(I, Hs, num_layers=2, bias=bias)
    assert numpy_module.num_parameters == expected
    assert sum(p.size for p in numpy_module.parameters()) == expected
    for batch_norm in ((True, False) if name == "LiGRU" else (None,)):
        extra = {} if batch_norm is None else {"batch_norm": batch_norm}
        torch_module = getattr(gtorch, name)(I, Hs, num_layers=2, bias=bias, **extra)
        gains = 2 * 2 * Hs if batch_norm else 0                   # the batch norm's gain, 2H
        assert torch_module.num_parameters == expected + gains
        assert sum(p.numel() for p in torch_module.parameters()) == expected + gains


def test_parameter_counts_against_torch_nn():
    """One closed form checked on torch.nn itself: a CIFG LSTM saves a quarter of nn.LSTM's W."""
    lstm = torch.nn.LSTM(7, 5)
    cifg = gtorch.CIFGLSTM(7, 5)
    weights = sum(p.numel() for n, p in lstm.named_parameters() if n.startswith("weight"))
    assert cifg.num_parameters == weights * 3 // 4 + 3 * 5
    conv = gtorch.ConvGRU(2, 4, kernel_size=3)
    assert conv.num_parameters == 3 * 4 * (9 * (2 + 4) + 1)


# --------------------------------------------------------------------------------------------
# Errors and small behaviours

@pytest.mark.parametrize("name", VARIANTS)
def test_bad_input_fails_with_a_clear_message(name):
    numpy_module = getattr(gnp, name)(H_IN, H)
    with pytest.raises(ValueError, match="expected input with 4 features"):
        numpy_module(np.zeros((L, N, H_IN + 1), np.float32))
    with pytest.raises(TypeError, match="expected input of dtype float32"):
        numpy_module(np.zeros((L, N, H_IN)))
    with pytest.raises(ValueError, match=r"expected h0 of shape \(1, 3, 3\)"):
        hx = np.zeros((2, N, H), np.float32)
        numpy_module(np.zeros((L, N, H_IN), np.float32), (hx, hx) if name == "CIFGLSTM" else hx)
    torch_module = torch_variant(name, dtype=torch.float32)
    with pytest.raises(ValueError, match="expected input of shape"):
        torch_module(torch.zeros(2, L, N, H_IN))


def test_backward_needs_a_forward():
    with pytest.raises(RuntimeError, match="needs a forward"):
        gnp.MGU(H_IN, H).backward(np.zeros((L, N, H), np.float32))


def test_conv_gru_checks_its_arguments():
    with pytest.raises(ValueError, match="kernel_size must be an odd positive int, got 2"):
        gtorch.ConvGRU(1, 2, kernel_size=2)
    conv = gtorch.ConvGRU(1, 2)
    with pytest.raises(ValueError, match=r"expected input of shape \(L, N, C_in, Y, X\)"):
        conv(torch.zeros(L, N, 2, 4, 4))
    with pytest.raises(ValueError, match=r"expected h0 of shape \(3, 2, 4, 4\)"):
        conv(torch.zeros(L, N, 1, 4, 4), torch.zeros(N, 2, 5, 5))


def test_state_dicts_round_trip_and_seeds_reproduce():
    a, b = gtorch.LiGRU(H_IN, H, seed=3), gtorch.LiGRU(H_IN, H, seed=3)
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    c = gtorch.LiGRU(H_IN, H, seed=4)
    c.load_state_dict({k: v.numpy() for k, v in a.state_dict().items()})
    assert all(torch.equal(a.state_dict()[k], c.state_dict()[k]) for k in a.state_dict())
    assert float(a.bn_weight_l0.detach().min()) == 1.0
    assert float(a.bn_bias_l0.detach().abs().max()) == 0.0
    m1, m2 = gnp.MGU(H_IN, H, seed=5), gnp.MGU(H_IN, H, seed=5)
    assert all(np.array_equal(m1.state_dict()[k], m2.state_dict()[k]) for k in m1.state_dict())
