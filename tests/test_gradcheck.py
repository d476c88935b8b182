"""gru_lib.gradcheck itself, against functions whose gradients are known in closed form."""

import numpy as np
import pytest

from gru_lib.gradcheck import check_gradients, numerical_gradient, relative_error
from oracles import GRU_AFTER, make_gru_lib


def test_numerical_gradient_of_a_quadratic_form_and_a_sine():
    """f(x) = xᵀAx + Σ sin(x) has ∇f = (A + Aᵀ)x + cos(x) exactly."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 5))
    x = rng.standard_normal(5)

    def f():
        return float(x @ A @ x + np.sin(x).sum())

    numeric = numerical_gradient(f, x)
    assert np.max(np.abs(numeric - ((A + A.T) @ x + np.cos(x)))) < 1e-8


def test_numerical_gradient_of_a_matrix_argument_and_restores_it():
    """f(W) = Σ tanh(W v) has ∂f/∂W = (1 − tanh²(W v)) vᵀ; x is left as it was found."""
    rng = np.random.default_rng(1)
    W = rng.standard_normal((3, 4))
    v = rng.standard_normal(4)
    saved = W.copy()

    numeric = numerical_gradient(lambda: float(np.tanh(W @ v).sum()), W)

    assert numeric.shape == W.shape
    assert np.max(np.abs(numeric - np.outer(1 - np.tanh(W @ v) ** 2, v))) < 1e-8
    assert np.array_equal(W, saved)


def test_relative_error():
    a = np.array([3.0, 4.0])
    assert relative_error(a, a) == 0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0
    assert relative_error(a, -a) == pytest.approx(1.0)              # ‖2a‖ / (‖a‖ + ‖a‖)
    assert relative_error(a, np.zeros(2)) == pytest.approx(1.0)
    assert relative_error(a, a + [0, 1e-6]) == pytest.approx(1e-6 / 10)


def test_check_gradients_detects_a_wrong_backward():
    """A check that cannot fail proves nothing: break the backward and the error must be large."""
    module = make_gru_lib("numpy", GRU_AFTER)
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((3, 2, 4)), rng.standard_normal((1, 2, 3))
    correct = module.backward

    def wrong_backward(*args):
        grads = correct(*args)
        grads["weight_hh_l0"] = grads["weight_hh_l0"] * 1.01
        return grads

    module.backward = wrong_backward
    errors = check_gradients(module, x, h0)
    assert errors["weight_hh_l0"] > 1e-3
    assert max(v for k, v in errors.items() if k != "weight_hh_l0") < 1e-7


def test_check_gradients_refuses_float32():
    module = make_gru_lib("numpy", GRU_AFTER, "float32")
    with pytest.raises(TypeError, match="expected a float64 module.*got float32"):
        check_gradients(module, np.zeros((2, 1, 4), np.float32))
