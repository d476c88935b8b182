"""gru_lib.data: the synthetic tasks, checked against their definitions (Arjovsky et al. 2016)."""

import numpy as np
import pytest

from gru_lib.data import adding_problem, copy_task


@pytest.mark.parametrize("length", [2, 3, 10, 51])
def test_adding_problem_layout(length):
    x, y = adding_problem(200, length, seed=0)
    assert x.shape == (200, length, 2) and y.shape == (200, 1)
    assert x.dtype == y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert np.all((values >= 0) & (values <= 1))
    assert set(np.unique(markers)) <= {0.0, 1.0}
    half = length // 2
    assert np.all(markers[:, :half].sum(axis=1) == 1)          # one marker in the first half
    assert np.all(markers[:, half:].sum(axis=1) == 1)          # and one in the second
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-6)


def test_adding_problem_baseline_mse_is_one_sixth():
    """Predicting 1: E[(U1 + U2 − 1)²] = Var(U1 + U2) = 2/12 = 1/6 for U1, U2 ~ U[0, 1]."""
    _, y = adding_problem(200_000, 20, seed=1, dtype=np.float64)
    mse = np.mean((y - 1) ** 2)
    # standard error of the mean of (U1 + U2 − 1)²: about 0.0004 here, so 0.003 is ~7 of them
    assert abs(mse - 1 / 6) < 3e-3


def test_adding_problem_seeds():
    a, b, c = (adding_problem(50, 12, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert adding_problem(5, 8, dtype=np.float64)[0].dtype == np.float64


def test_adding_problem_refuses_too_short_sequences():
    with pytest.raises(ValueError, match="expected length >= 2.*got 1"):
        adding_problem(3, 1)


@pytest.mark.parametrize("delay", [1, 5, 30])
def test_copy_task_layout(delay):
    """Input: n_copy symbols, delay − 1 blanks, the delimiter, n_copy blanks. Target: blanks, then
    the symbols in the last n_copy steps. Tokens: 0 blank, 1..n_symbols, n_symbols + 1 delimiter."""
    n, n_symbols, n_copy = 64, 8, 10
    x, y = copy_task(n, delay, n_symbols=n_symbols, n_copy=n_copy, seed=0)
    total = delay + 2 * n_copy
    assert x.shape == y.shape == (n, total)
    assert np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer)
    symbols = x[:, :n_copy]
    assert np.all((symbols >= 1) & (symbols <= n_symbols))
    assert np.all(x[:, n_copy:n_copy + delay - 1] == 0)
    assert np.all(x[:, n_copy + delay - 1] == n_symbols + 1)
    assert np.all(x[:, n_copy + delay:] == 0)
    assert np.all(y[:, :total - n_copy] == 0)
    assert np.array_equal(y[:, -n_copy:], symbols)
    assert np.sum(x == n_symbols + 1) == n                      # one delimiter per sequence


def test_copy_task_symbols_cover_the_alphabet_and_seeds_repeat():
    x, _ = copy_task(500, 3, n_symbols=5, n_copy=4, seed=1)
    assert set(np.unique(x[:, :4])) == {1, 2, 3, 4, 5}
    a, b, c = (copy_task(20, 4, seed=s)[0] for s in (2, 2, 3))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_copy_task_refuses_a_zero_delay():
    with pytest.raises(ValueError, match="expected delay >= 1, got 0"):
        copy_task(3, 0)
