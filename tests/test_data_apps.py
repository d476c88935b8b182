"""gru_lib.data for the applications chapter: the real series, the synthetic series, the
anomaly injector and the session generators, each checked against its definition."""

from collections import defaultdict
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from gru_lib.data import goog_close, inject_anomalies, multi_seasonal, sessions


def test_goog_close_reads_the_file_matplotlib_ships():
    dates, close = goog_close()
    path = Path(matplotlib.get_data_path()) / "sample_data" / "goog.npz"
    with np.load(path) as raw:                                   # the oracle: the file itself
        expected = raw["price_data"]
    assert close.shape == dates.shape == (1047,) and close.dtype == np.float64
    np.testing.assert_array_equal(close, expected["close"])
    assert str(dates[0]) == "2004-08-19" and str(dates[-1]) == "2008-10-14"
    assert np.all(np.diff(dates.astype(np.int64)) > 0)           # trading days, strictly increasing


def test_multi_seasonal_has_its_two_periods():
    y = multi_seasonal(24 * 7 * 20, seed=0)
    assert y.shape == (3360,) and np.isfinite(y).all()
    # the daily profile peaks at 0.6 of the period: the mean over days of y at each hour
    profile = (y - np.convolve(y, np.ones(24) / 24, mode="same")).reshape(-1, 24)[1:-1].mean(axis=0)
    assert abs(np.argmax(profile) - 0.6 * 24) <= 1
    # the weekly cycle scales the daily swing by 1 ± 0.5 sin: largest near day 1.75, least near 5.25
    swing = np.ptp(y.reshape(-1, 24), axis=1)                   # one value per day
    weekly = swing.reshape(-1, 7).mean(axis=0)
    assert np.argmax(weekly) in (1, 2) and np.argmin(weekly) in (4, 5, 6)
    np.testing.assert_array_equal(y, multi_seasonal(3360, seed=0))
    assert not np.array_equal(y, multi_seasonal(3360, seed=1))
    with pytest.raises(ValueError, match="expected length >= 1, got 0"):
        multi_seasonal(0)


def test_inject_anomalies_changes_exactly_the_marked_steps():
    y = multi_seasonal(2000, seed=3)
    out, mask, events = inject_anomalies(y, n_each=3, width=20, seed=4)
    assert len(events) == 9 and sorted(k for k, _, _ in events).count("spike") == 3
    assert np.array_equal(out[~mask], y[~mask])                  # nothing else is touched
    expected_mask = np.zeros(2000, dtype=bool)
    starts = sorted(start for _, start, _ in events)
    assert min(np.diff(starts)) >= 20 and starts[0] >= 20 and max(s for _, _, s in events) <= 1980
    for kind, start, stop in events:
        expected_mask[start:stop] = True
        moved = out[start:stop] - y[start:stop]
        if kind == "spike":
            assert stop - start == 1 and 4 <= abs(moved[0]) / y.std() <= 6
        elif kind == "level shift":
            assert stop - start == 20 and np.allclose(moved, moved[0])
            assert 1.5 <= abs(moved[0]) / y.std() <= 2
        else:
            np.testing.assert_array_equal(out[start:stop], y[start:stop][::-1])
    assert np.array_equal(mask, expected_mask)
    with pytest.raises(ValueError, match="expected a 1-D series of at least"):
        inject_anomalies(y[:100])


def test_markov_sessions_are_first_order():
    data = sessions(3000, n_items=40, kind="markov", noise=0.0, seed=5)
    successors = defaultdict(set)
    for s in data:
        assert 5 <= len(s) <= 15 and s.dtype == np.int64 and s.min() >= 0 and s.max() < 40
        for a, b in zip(s[:-1], s[1:]):
            successors[a].add(b)
    assert max(len(v) for v in successors.values()) == 3        # at most 3 successors per item


def test_journey_sessions_are_stretches_of_shared_paths():
    data = sessions(3000, n_items=60, kind="journeys", noise=0.0, seed=6)
    successors = defaultdict(set)
    for s in data:
        assert len(set(s)) == len(s)                             # a journey never repeats an item
        for a, b in zip(s[:-1], s[1:]):
            successors[a].add(b)
    # 12 journeys of 20 items over 60 items: most items lie on several journeys, so the last item
    # alone leaves the next one open, but no item has more successors than there are journeys
    counts = np.array([len(v) for v in successors.values()])
    assert np.mean(counts >= 2) > 0.8 and counts.max() <= 12
    # the structure depends on the seed only: a second draw follows the same journeys
    again = sessions(50, n_items=60, kind="journeys", noise=0.0, seed=6)
    assert all(np.array_equal(a, b) for a, b in zip(again, data[:50]))


def test_sessions_refuse_bad_options():
    with pytest.raises(ValueError, match="expected kind 'markov' or 'journeys', got 'x'"):
        sessions(2, kind="x")
    with pytest.raises(ValueError, match="expected length"):
        sessions(2, length=(1, 3))
