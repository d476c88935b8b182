"""Offline data for the book: seeded synthetic tasks (nothing is downloaded)."""

import numpy as np


def adding_problem(n, length, seed=None, dtype=np.float32):
    """The adding problem (Arjovsky et al. 2016 form), batch-first.

    Each sequence has ``length`` steps of (value ~ U[0, 1], marker ∈ {0, 1}); exactly two markers,
    one in each half. The target is the sum of the two marked values. Predicting 1 always gives
    mean squared error 1/6, the bar a model must beat.
    Returns x (n, length, 2) and y (n, 1).
    """
    if length < 2:
        raise ValueError(f"expected length >= 2 (one marker in each half), got {length}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, size=(n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    markers[np.arange(n), first] = 1
    markers[np.arange(n), second] = 1
    x = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values[np.arange(n), first] + values[np.arange(n), second])[:, None].astype(dtype)
    return x, y


def copy_task(n, delay, n_symbols=8, n_copy=10, seed=None):
    """The copy task (Arjovsky et al. 2016): remember ``n_copy`` symbols over ``delay`` blanks.

    Tokens: 0 blank, 1..n_symbols symbols, n_symbols + 1 the delimiter. The input is the symbols,
    delay − 1 blanks, the delimiter, then n_copy blanks; the target is blanks until the last
    n_copy steps, which repeat the symbols. A memoryless model's best cross-entropy is
    n_copy · log(n_symbols) / (delay + 2 n_copy). Returns integer x, y of shape (n, delay + 2 n_copy).
    """
    if delay < 1:
        raise ValueError(f"expected delay >= 1, got {delay}")
    rng = np.random.default_rng(seed)
    symbols = rng.integers(1, n_symbols + 1, size=(n, n_copy))
    total = delay + 2 * n_copy
    x = np.zeros((n, total), dtype=np.int64)
    y = np.zeros((n, total), dtype=np.int64)
    x[:, :n_copy] = symbols
    x[:, n_copy + delay - 1] = n_symbols + 1
    y[:, -n_copy:] = symbols
    return x, y


TEMPORAL_ORDER_TOKENS = 8   # distractors a, b, c, d = 0..3; X = 4, Y = 5; start B = 6, end E = 7


def temporal_order(n, length, seed=None):
    """The temporal order task (Hochreiter & Schmidhuber 1997, experiment 6a), batch-first.

    A sequence B, distractors..., E of ``length`` tokens hides two relevant symbols, each X or Y,
    one at a random step in [0.1 L, 0.2 L) and one in [0.5 L, 0.6 L). The class is their order:
    0 XX, 1 XY, 2 YX, 3 YY, so a model must remember the first symbol across about 0.4 L
    distractors. Chance is 25 %. Returns integer x (n, length) and y (n,).
    """
    if length < 10:
        raise ValueError(f"expected length >= 10 (the two windows must be non-empty), got {length}")
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(n, length))
    x[:, 0], x[:, -1] = 6, 7
    first = rng.integers(length // 10, 2 * length // 10, size=n)
    second = rng.integers(5 * length // 10, 6 * length // 10, size=n)
    is_y = rng.integers(0, 2, size=(n, 2))
    x[np.arange(n), first] = 4 + is_y[:, 0]
    x[np.arange(n), second] = 4 + is_y[:, 1]
    return x.astype(np.int64), (2 * is_y[:, 0] + is_y[:, 1]).astype(np.int64)
