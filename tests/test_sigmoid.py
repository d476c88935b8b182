"""gru_lib.numpy.cells.sigmoid against torch.sigmoid: arrays of both float types, scalars, extremes."""

import numpy as np
import pytest
import torch

from gru_lib.numpy.cells import sigmoid


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-6), (np.float64, 1e-15)])
def test_sigmoid_matches_torch_without_overflow(dtype, tol):
    a = np.concatenate([np.linspace(-800, 800, 2001), [0.0, -0.0]]).astype(dtype)
    s = sigmoid(a)                                   # RuntimeWarnings are errors in the tests
    assert s.dtype == dtype and s.shape == a.shape
    np.testing.assert_allclose(s, torch.sigmoid(torch.from_numpy(a)).numpy(), rtol=0, atol=tol)


@pytest.mark.parametrize("a", [0.0, -3, 2.5, np.float32(1.5)])
def test_sigmoid_of_a_scalar_is_a_scalar(a):
    s = sigmoid(a)
    assert np.ndim(s) == 0 and isinstance(s, np.floating)
    assert abs(float(s) - 1 / (1 + np.exp(-float(a)))) < 1e-7
