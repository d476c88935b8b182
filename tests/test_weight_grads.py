"""The recurrent weights' gradients for many steps at once: cells.gru_weight_grads and
cells.recurrent_weight_grads on T stacked steps.

Oracle: torch autograd in float64. T independent steps (each with its own input projection gi_t and
previous state h_prev_t, all sharing W_hh and b_hh) and the linear loss L = Σ_t Σ d_h_t ⊙ h_t; autograd
gives ∂L/∂gi_t, which the functions take as input, and ∂L/∂W_hh, ∂L/∂b_hh, which they must return.
"""

import numpy as np
import pytest
import torch

from gru_lib.numpy import cells

T, N, H = 5, 3, 4


def autograd_step_gradients(step, G, seed):
    """Random steps through the torch function ``step(gi, h_prev, W, b)`` -> h: the stacked h_prev,
    ∂L/∂gi (T, N, G·H), ∂L/∂W_hh, ∂L/∂b_hh."""
    rng = np.random.default_rng(seed)
    gi = torch.tensor(rng.standard_normal((T, N, G * H)), requires_grad=True)
    h_prev = torch.tensor(rng.standard_normal((T, N, H)))
    W = torch.tensor(rng.standard_normal((G * H, H)) * 0.5, requires_grad=True)
    b = torch.tensor(rng.standard_normal(G * H), requires_grad=True)
    d_h = torch.tensor(rng.standard_normal((T, N, H)))
    loss = sum((step(gi[t], h_prev[t], W, b) * d_h[t]).sum() for t in range(T))
    loss.backward()
    return h_prev.numpy(), gi.grad.numpy(), W.grad.numpy(), b.grad.numpy(), (gi, W, b)


def torch_gru_step(reset):
    def step(gi, h_prev, W, b):
        i_r, i_z, i_n = gi.chunk(3, dim=-1)
        W_rz, W_n = W[:2 * H], W[2 * H:]
        h_r, h_z = (h_prev @ W_rz.T + b[:2 * H]).chunk(2, dim=-1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        if reset == "after":
            n = torch.tanh(i_n + r * (h_prev @ W_n.T + b[2 * H:]))
        else:
            n = torch.tanh(i_n + (r * h_prev) @ W_n.T + b[2 * H:])
        return (1 - z) * n + z * h_prev
    return step


@pytest.mark.parametrize("reset", ["after", "before"])
@pytest.mark.parametrize("seed", [0, 1])
def test_gru_weight_grads_of_stacked_steps_match_autograd(reset, seed):
    h_prev, d_gi, d_W, d_b, (gi, W, b) = autograd_step_gradients(torch_gru_step(reset), 3, seed)
    with torch.no_grad():                                  # r of every step, from the same inputs
        r = torch.sigmoid(gi[..., :H] + torch.tensor(h_prev) @ W[:H].T + b[:H]).numpy()
    grads = {"weight_hh": np.zeros((3 * H, H)), "bias_hh": np.zeros(3 * H)}
    cells.gru_weight_grads(d_gi, h_prev, r, grads, reset)
    np.testing.assert_allclose(grads["weight_hh"], d_W, atol=1e-12)
    np.testing.assert_allclose(grads["bias_hh"], d_b, atol=1e-12)


@pytest.mark.parametrize("reset", ["after", "before"])
def test_stacked_equals_step_by_step_through_the_cell(reset):
    """The layer's path (grads=None per step, then all steps at once) against the cell's own
    per-step accumulation (grads given), on the same caches: equal to float64 rounding."""
    rng = np.random.default_rng(2)
    W, b = rng.standard_normal((3 * H, H)), rng.standard_normal(3 * H)
    per_step = {"weight_hh": np.zeros((3 * H, H)), "bias_hh": np.zeros(3 * H)}
    d_gis, caches = [], []
    for _ in range(T):
        _, cache = cells.gru_cell_forward(rng.standard_normal((N, 3 * H)),
                                          rng.standard_normal((N, H)), W, b, reset)
        d_h = rng.standard_normal((N, H))
        d_gi, _ = cells.gru_cell_backward(d_h, cache, W, per_step, reset)
        d_gi_none, _ = cells.gru_cell_backward(d_h, cache, W, None, reset)
        np.testing.assert_array_equal(d_gi, d_gi_none)     # grads=None changes nothing else
        d_gis.append(d_gi)
        caches.append(cache)
    stacked = {"weight_hh": np.zeros((3 * H, H)), "bias_hh": np.zeros(3 * H)}
    cells.gru_weight_grads(np.stack(d_gis), np.stack([c[0] for c in caches]),
                           np.stack([c[1] for c in caches]), stacked, reset)
    for name in stacked:
        np.testing.assert_allclose(stacked[name], per_step[name], atol=1e-12)


def test_recurrent_weight_grads_of_stacked_lstm_steps_match_autograd():
    def step(gi, h_prev, W, b):                            # the LSTM's h for a zero cell state
        a_i, a_f, a_g, a_o = (gi + h_prev @ W.T + b).chunk(4, dim=-1)
        return torch.sigmoid(a_o) * torch.tanh(torch.sigmoid(a_i) * torch.tanh(a_g))

    h_prev, d_gi, d_W, d_b, _ = autograd_step_gradients(step, 4, seed=3)
    grads = {"weight_hh": np.zeros((4 * H, H)), "bias_hh": np.zeros(4 * H)}
    cells.recurrent_weight_grads(d_gi, h_prev, grads)      # for the LSTM, ∂L/∂gh = ∂L/∂gi
    np.testing.assert_allclose(grads["weight_hh"], d_W, atol=1e-12)
    np.testing.assert_allclose(grads["bias_hh"], d_b, atol=1e-12)


def test_without_bias_only_the_weight_is_touched():
    rng = np.random.default_rng(4)
    grads = {"weight_hh": np.zeros((3 * H, H))}
    cells.gru_weight_grads(rng.standard_normal((T, N, 3 * H)), rng.standard_normal((T, N, H)),
                           rng.random((T, N, H)), grads, "before")
    assert list(grads) == ["weight_hh"] and np.abs(grads["weight_hh"]).sum() > 0
