"""Chapter 4's gradients beyond test_backward.py: Jacobians, the bias factor r, truncated BPTT.

Oracles: ``torch.func.jacrev`` and central finite differences on torch.nn cells (and on the
reference reset-before GRU of ``oracles.py``), torch autograd through torch.nn layers, and torch
autograd with ``detach`` for truncated BPTT. Everything in float64.
"""

import numpy as np
import pytest
import torch
from torch.func import jacrev

import gru_lib.numpy as gnp
from gru_lib import jacobians
from oracles import reference_gru_step

H_IN, H, N = 3, 4, 2
TOL = 1e-10


def problem(gates, seed=0, scale=0.8):
    """Random x (N, H_in), h (N, H), c (N, H) and torch.nn-shaped weights, float64."""
    rng = np.random.default_rng(seed)
    u = lambda *shape: rng.uniform(-scale, scale, size=shape)    # noqa: E731
    return dict(x=rng.standard_normal((N, H_IN)), h=rng.standard_normal((N, H)) * 0.7,
                c=rng.standard_normal((N, H)), weight_ih=u(gates * H, H_IN),
                weight_hh=u(gates * H, H), bias_ih=u(gates * H), bias_hh=u(gates * H))


def torch_cell(kind, p, **options):
    """torch.nn's cell of the kind, loaded with the problem's weights."""
    cls = {"rnn": torch.nn.RNNCell, "gru": torch.nn.GRUCell, "lstm": torch.nn.LSTMCell}[kind]
    cell = cls(H_IN, H, dtype=torch.float64, **options)
    cell.load_state_dict({k: torch.tensor(p[k]) for k in ("weight_ih", "weight_hh", "bias_ih",
                                                          "bias_hh")})
    return cell


def gi_of(p):
    return p["x"] @ p["weight_ih"].T + p["bias_ih"]


def finite_difference_jacobian(f, s, eps=1e-6):
    """∂f/∂s by central differences, column by column; f maps a float64 tensor to a tensor."""
    columns = []
    for j in range(s.numel()):
        e = torch.zeros_like(s)
        e[j] = eps
        columns.append((f(s + e) - f(s - e)) / (2 * eps))
    return torch.stack(columns, dim=1)


def assert_jacobian(got, f, s, fd_tol=1e-8):
    """got equals jacrev(f)(s) to TOL and the finite-difference Jacobian to fd_tol."""
    expected = jacrev(f)(s).detach().numpy()
    assert np.max(np.abs(got - expected)) < TOL
    assert np.max(np.abs(got - finite_difference_jacobian(f, s).detach().numpy())) < fd_tol


# --------------------------------------------------------------------------------------------
# One-step Jacobians against jacrev and finite differences

@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_state_jacobian(nonlinearity):
    p = problem(1)
    J = jacobians.rnn_state_jacobian(gi_of(p), p["h"], p["weight_hh"], p["bias_hh"], nonlinearity)
    cell = torch_cell("rnn", p, nonlinearity=nonlinearity)
    assert J.shape == (N, H, H)
    for k in range(N):
        x = torch.tensor(p["x"][k])
        assert_jacobian(J[k], lambda h: cell(x, h), torch.tensor(p["h"][k]))


def test_gru_state_jacobian_reset_after():
    p = problem(3)
    J = jacobians.gru_state_jacobian(gi_of(p), p["h"], p["weight_hh"], p["bias_hh"], "after")
    cell = torch_cell("gru", p)
    for k in range(N):
        x = torch.tensor(p["x"][k])
        assert_jacobian(J[k], lambda h: cell(x, h), torch.tensor(p["h"][k]))


def test_gru_state_jacobian_reset_before():
    p = problem(3, seed=1)
    J = jacobians.gru_state_jacobian(gi_of(p), p["h"], p["weight_hh"], p["bias_hh"], "before")
    w = {k: torch.tensor(p[k]) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    for k in range(N):
        x = torch.tensor(p["x"][k:k + 1])

        def step(h):
            return reference_gru_step(x, h[None], w["weight_ih"], w["weight_hh"], w["bias_ih"],
                                      w["bias_hh"], reset="before")[0]
        assert_jacobian(J[k], step, torch.tensor(p["h"][k]))


def test_gru_state_jacobian_without_bias_and_reset_before_differs():
    """bias_hh=None works; the two reset forms give different Jacobians for the same weights."""
    p = problem(3, seed=2)
    cell = torch.nn.GRUCell(H_IN, H, bias=False, dtype=torch.float64)
    cell.load_state_dict({k: torch.tensor(p[k]) for k in ("weight_ih", "weight_hh")})
    gi = p["x"] @ p["weight_ih"].T
    J = jacobians.gru_state_jacobian(gi, p["h"], p["weight_hh"], None, "after")
    x = torch.tensor(p["x"][0])
    assert_jacobian(J[0], lambda h: cell(x, h), torch.tensor(p["h"][0]))
    J_before = jacobians.gru_state_jacobian(gi, p["h"], p["weight_hh"], None, "before")
    assert np.max(np.abs(J - J_before)) > 1e-3


def test_lstm_state_jacobian_of_the_pair_h_c():
    p = problem(4)
    J = jacobians.lstm_state_jacobian(gi_of(p), p["h"], p["c"], p["weight_hh"], p["bias_hh"])
    cell = torch_cell("lstm", p)
    assert J.shape == (N, 2 * H, 2 * H)
    for k in range(N):
        x = torch.tensor(p["x"][k])

        def step(s):
            h, c = cell(x, (s[:H], s[H:]))
            return torch.cat([h, c])
        assert_jacobian(J[k], step, torch.tensor(np.concatenate([p["h"][k], p["c"][k]])))


def test_gru_jacobian_is_diag_z_when_the_update_gate_saturates():
    """Closed form: with z → 1 (huge b_hz) every other term carries a factor z(1 − z) or 1 − z."""
    p = problem(3)
    p["bias_hh"][H:2 * H] = 40.0
    J = jacobians.gru_state_jacobian(gi_of(p), p["h"], p["weight_hh"], p["bias_hh"])
    assert np.max(np.abs(J - np.eye(H))) < 1e-12


def test_jacobian_rejects_mismatched_shapes():
    p = problem(3)
    with pytest.raises(ValueError, match=r"expected weight_hh of shape \(12, 4\), got \(12, 3\)"):
        jacobians.gru_state_jacobian(gi_of(p), p["h"], p["weight_hh"][:, :3], None)
    with pytest.raises(ValueError, match="reset must be one of"):
        jacobians.gru_state_jacobian(gi_of(p), p["h"], p["weight_hh"], None, reset="middle")


# --------------------------------------------------------------------------------------------
# Products over a sequence: ∂s_T/∂s_0 from the chain of one-step Jacobians vs autograd

@pytest.mark.parametrize("kind,options", [("RNN", {}), ("GRU", {"reset": "after"}),
                                          ("GRU", {"reset": "before"}), ("LSTM", {})],
                         ids=["rnn", "gru_after", "gru_before", "lstm"])
def test_product_of_state_jacobians_is_the_sequence_jacobian(kind, options):
    rng = np.random.default_rng(3)
    module = getattr(gnp, kind)(H_IN, H, dtype=np.float64, seed=4, **options)
    L = 7
    x = rng.standard_normal((L, H_IN))
    Js = jacobians.state_jacobians(module, x)
    product = np.eye(Js.shape[1])
    for J in Js:
        product = J @ product                                  # ∂s_t/∂s_0

    params = {k: torch.tensor(v) for k, v in module.named_parameters()}
    xt = torch.tensor(x)

    def final_state(s0):                                       # autograd through torch.nn
        if kind == "GRU" and options["reset"] == "before":
            h = s0
            for t in range(L):
                h = reference_gru_step(xt[t:t + 1], h[None], params["weight_ih_l0"],
                                       params["weight_hh_l0"], params["bias_ih_l0"],
                                       params["bias_hh_l0"], reset="before")[0]
            return h
        layer = getattr(torch.nn, kind)(H_IN, H, dtype=torch.float64)
        layer.load_state_dict(params)
        if kind == "LSTM":
            _, (h, c) = layer(xt, (s0[None, :H], s0[None, H:]))
            return torch.cat([h[0], c[0]])
        return layer(xt, s0[None])[1][0]

    s0 = torch.zeros(Js.shape[1], dtype=torch.float64)
    assert np.max(np.abs(product - jacrev(final_state)(s0).detach().numpy())) < TOL


def test_state_jacobians_refuses_stacked_layers():
    with pytest.raises(ValueError, match="expected a one-layer, one-direction layer"):
        jacobians.state_jacobians(gnp.GRU(2, 3, num_layers=2, dtype=np.float64), np.zeros((4, 2)))


# --------------------------------------------------------------------------------------------
# The n-block bias gradients: a factor r apart with reset after, equal with reset before

def test_bias_gradients_of_the_candidate_differ_by_r_with_reset_after():
    """Per sequence, ∂L/∂b_hn = r ⊙ ∂L/∂b_in (torch.nn.GRUCell autograd, r computed by hand)."""
    p = problem(3, seed=5)
    x, h, w = (torch.tensor(p[k]) for k in ("x", "h", "weight_hh"))
    d_h = np.random.default_rng(6).standard_normal((N, H))
    b_ih, b_hh = torch.tensor(p["bias_ih"]), torch.tensor(p["bias_hh"])
    r = torch.sigmoid(x @ torch.tensor(p["weight_ih"][:H]).T + b_ih[:H]
                      + h @ w[:H].T + b_hh[:H]).numpy()
    for k in range(N):
        cell = torch_cell("gru", p)
        (cell(x[k], h[k]) * torch.tensor(d_h[k])).sum().backward()
        g_in, g_hn = cell.bias_ih.grad[2 * H:].numpy(), cell.bias_hh.grad[2 * H:].numpy()
        assert np.max(np.abs(g_hn - r[k] * g_in)) < TOL
        numpy_cell = gnp.GRUCell(H_IN, H, dtype=np.float64)      # the library says the same
        numpy_cell.load_state_dict({k2: p[k2] for k2 in ("weight_ih", "weight_hh", "bias_ih",
                                                          "bias_hh")})
        numpy_cell(p["x"][k], p["h"][k])
        grads = numpy_cell.backward(d_h[k])
        assert np.max(np.abs(grads["bias_hh"][2 * H:] - g_hn)) < TOL
        assert np.max(np.abs(grads["bias_ih"][2 * H:] - g_in)) < TOL


def test_bias_gradients_of_the_candidate_are_equal_with_reset_before():
    """reset="before": b_in and b_hn enter the same sum, so their gradients coincide (autograd)."""
    p = problem(3, seed=7)
    w = {k: torch.tensor(p[k], requires_grad=True) for k in ("weight_ih", "weight_hh", "bias_ih",
                                                             "bias_hh")}
    d_h = torch.tensor(np.random.default_rng(8).standard_normal((N, H)))
    out = reference_gru_step(torch.tensor(p["x"]), torch.tensor(p["h"]), w["weight_ih"],
                             w["weight_hh"], w["bias_ih"], w["bias_hh"], reset="before")
    (out * d_h).sum().backward()
    assert torch.allclose(w["bias_ih"].grad[2 * H:], w["bias_hh"].grad[2 * H:], atol=TOL, rtol=0)
    cell = gnp.GRUCell(H_IN, H, reset="before", dtype=np.float64)
    cell.load_state_dict({k: p[k] for k in w})
    cell(p["x"], p["h"])
    grads = cell.backward(d_h.numpy())
    assert np.max(np.abs(grads["bias_hh"] - w["bias_hh"].grad.numpy())) < TOL


# --------------------------------------------------------------------------------------------
# Truncated BPTT: the NumPy backward run chunk by chunk vs torch with detach, and vs differences

def truncated_numpy_gradients(module, x, w_out, k):
    """Σ over chunks of length k of the chunk's gradient, the chunk's initial state held fixed."""
    grads, h = None, None
    for start in range(0, x.shape[0], k):
        output, h = module(x[start:start + k], h)
        g = module.backward(w_out[start:start + k])
        grads = g if grads is None else {n: grads[n] + g[n] for n in grads if n in g}
    return {n: v for n, v in grads.items() if n not in ("input", "h0")}


@pytest.mark.parametrize("reset", ["after", "before"])
def test_truncated_bptt_matches_torch_detach_and_finite_differences(reset):
    rng = np.random.default_rng(9)
    L, k = 9, 4
    module = gnp.GRU(H_IN, H, reset=reset, dtype=np.float64, seed=10)
    x = rng.standard_normal((L, 1, H_IN))
    w_out = rng.standard_normal((L, 1, H))                     # loss Σ_t w_t · h_t
    got = truncated_numpy_gradients(module, x, w_out, k)

    params = {n: torch.tensor(v, requires_grad=True) for n, v in module.named_parameters()}
    h = torch.zeros(1, H, dtype=torch.float64)
    for start in range(0, L, k):                               # torch, detaching at each boundary
        h = h.detach()
        loss = 0
        for t in range(start, min(start + k, L)):
            h = reference_gru_step(torch.tensor(x[t]), h, params["weight_ih_l0"],
                                   params["weight_hh_l0"], params["bias_ih_l0"],
                                   params["bias_hh_l0"], reset=reset)
            loss = loss + (h * torch.tensor(w_out[t])).sum()
        loss.backward()
    for name, param in params.items():
        assert np.max(np.abs(got[name] - param.grad.numpy())) < TOL, name

    # finite differences of Σ_chunks loss(chunk | its initial state frozen at the unperturbed run)
    boundary_states, h = [], None
    for start in range(0, L, k):
        boundary_states.append(h)
        _, h = module(x[start:start + k], h)

    def frozen_loss():
        return sum(float(np.sum(module(x[s:s + k], h0)[0] * w_out[s:s + k]))
                   for s, h0 in zip(range(0, L, k), boundary_states))
    for name, array in module.named_parameters():
        index = (0,) * array.ndim
        saved = array[index]
        array[index] = saved + 1e-6
        up = frozen_loss()
        array[index] = saved - 1e-6
        down = frozen_loss()
        array[index] = saved
        assert abs((up - down) / 2e-6 - got[name][index]) < 1e-7, name


def test_truncation_window_as_long_as_the_sequence_is_full_bptt():
    """k ≥ L gives exactly the full gradient; k < L does not (torch.nn autograd as the oracle)."""
    rng = np.random.default_rng(11)
    L = 8
    module = gnp.GRU(H_IN, H, dtype=np.float64, seed=12)
    x, w_out = rng.standard_normal((L, 1, H_IN)), rng.standard_normal((L, 1, H))
    reference = torch.nn.GRU(H_IN, H, dtype=torch.float64)
    reference.load_state_dict({n: torch.tensor(v) for n, v in module.named_parameters()})
    (reference(torch.tensor(x))[0] * torch.tensor(w_out)).sum().backward()
    full = {n: p.grad.numpy() for n, p in reference.named_parameters()}
    got_full = truncated_numpy_gradients(module, x, w_out, L)
    got_short = truncated_numpy_gradients(module, x, w_out, 2)
    assert max(np.max(np.abs(got_full[n] - full[n])) for n in full) < TOL
    assert np.max(np.abs(got_short["weight_hh_l0"] - full["weight_hh_l0"])) > 1e-3


# --------------------------------------------------------------------------------------------
# Connectivity ∂h_t/∂x_{t'}: the NumPy backward, one output step at a time, vs jacrev

def test_input_output_jacobian_from_the_numpy_backward():
    rng = np.random.default_rng(13)
    L = 5
    module = gnp.GRU(H_IN, H, dtype=np.float64, seed=14)
    x = rng.standard_normal((L, H_IN))
    reference = torch.nn.GRU(H_IN, H, dtype=torch.float64)
    reference.load_state_dict({n: torch.tensor(v) for n, v in module.named_parameters()})
    expected = jacrev(lambda xx: reference(xx)[0])(torch.tensor(x)).detach().numpy()
    module(x)
    for t in range(L):
        for i in range(H):
            d_output = np.zeros((L, H))
            d_output[t, i] = 1.0
            row = module.backward(d_output)["input"]           # ∂h_t[i]/∂x, (L, H_in)
            assert np.max(np.abs(row - expected[t, i])) < TOL
            assert np.all(row[t + 1:] == 0)                    # causality: no future input
