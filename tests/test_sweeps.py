"""gru_lib.sweeps (the script behind Chapter 6) and the temporal-order task it trains on.

The full sweep takes an hour; these tests run its reduced configuration and check the committed
results file against the code that wrote it: every configuration is present, every parameter count
is the count of the module the code builds, and one stored run's opening steps are reproduced live.
"""

import json

import numpy as np
import pytest
import torch
from torch import nn

from gru_lib import sweeps
from gru_lib.data import TEMPORAL_ORDER_TOKENS, temporal_order


# --- the temporal-order task (Hochreiter & Schmidhuber 1997, experiment 6a) -------------------------

@pytest.mark.parametrize("length", [10, 60, 101])
def test_temporal_order_layout_and_labels(length):
    x, y = temporal_order(500, length, seed=0)
    assert x.shape == (500, length) and y.shape == (500,) and x.dtype == y.dtype == np.int64
    assert np.all(x[:, 0] == 6) and np.all(x[:, -1] == 7)                     # B ... E
    assert x.min() >= 0 and x.max() < TEMPORAL_ORDER_TOKENS
    relevant = (x == 4) | (x == 5)
    assert np.all(relevant.sum(axis=1) == 2)                                  # exactly two X/Y
    for row, label in zip(x, y):
        first, second = np.flatnonzero((row == 4) | (row == 5))
        assert length // 10 <= first < 2 * length // 10
        assert 5 * length // 10 <= second < 6 * length // 10
        assert label == 2 * (row[first] == 5) + (row[second] == 5)           # XX, XY, YX, YY
    assert set(np.unique(y)) == {0, 1, 2, 3}


def test_temporal_order_seeds_and_bad_length():
    a, b = temporal_order(20, 30, seed=4), temporal_order(20, 30, seed=4)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="expected length >= 10.*got 9"):
        temporal_order(3, 9)


# --- the sweep ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cell,torch_cls", [("rnn", nn.RNN), ("gru", nn.GRU), ("lstm", nn.LSTM)])
def test_recurrent_parameters_match_torch(cell, torch_cls):
    for I, H in [(2, 64), (10, 37)]:
        assert sweeps.recurrent_parameters(cell, I, H) == sum(
            p.numel() for p in torch_cls(I, H).parameters())


def test_matched_hidden_is_the_closest_budget():
    budget = sweeps.recurrent_parameters("gru", 10, 64)
    H = sweeps.matched_hidden("lstm", 10, budget)
    gaps = [abs(sweeps.recurrent_parameters("lstm", 10, h) - budget) for h in (H - 1, H, H + 1)]
    assert gaps[1] == min(gaps)


def test_forget_bias_is_set_on_the_forget_block_only():
    net = sweeps.build("lstm-forget1", 2, 1, 50)
    H = sweeps.HIDDEN
    for name in ["bias_ih_l0", "bias_hh_l0"]:
        bias = getattr(net.rnn, name).detach()
        assert torch.all(bias[H:2 * H] == 0.5)                 # PyTorch's gate order: i, f, g, o
    total = net.rnn.bias_ih_l0[H:2 * H] + net.rnn.bias_hh_l0[H:2 * H]
    assert torch.allclose(total, torch.ones(H))


def test_run_is_deterministic_and_a_prefix_of_a_longer_run():
    short = sweeps.run("order-60", "gru", seed=1, steps=20, every=10, n_eval=50)
    again = sweeps.run("order-60", "gru", seed=1, steps=20, every=10, n_eval=50)
    longer = sweeps.run("order-60", "gru", seed=1, steps=30, every=10, n_eval=50)
    assert short["curve"] == again["curve"]
    assert longer["curve"][:len(short["curve"])] == short["curve"]


def test_quick_configuration_writes_its_file(tmp_path):
    out = tmp_path / "quick.json"
    sweeps.main(["--quick", "--out", str(out)])
    result = json.loads(out.read_text())
    assert [r["model"] for r in result["records"]] == ["rnn", "gru", "lstm"]
    for record in result["records"]:
        assert len(record["curve"]) == record["steps"] // 100 + 1 and "seconds" not in record


def test_committed_results_cover_every_configuration():
    records = sweeps.load()["records"]
    stored = {(r["task"], r["model"], r["seed"], r["steps"]) for r in records}
    assert stored == set(sweeps.configurations(quick=False))
    for r in records:
        x, *_ , n_in, n_out = sweeps.task_batch(r["task"], 1, seed=0)
        net = sweeps.build(r["model"], n_in, n_out, x.shape[1])
        assert r["parameters"] == sum(p.numel() for p in net.parameters())
        assert r["final_metric"] == r["curve"][-1][2]


def test_committed_results_reproduce_live():
    stored = next(r for r in sweeps.load()["records"]
                  if (r["task"], r["model"], r["seed"]) == ("adding-50", "lstm", 0))
    live = sweeps.run("adding-50", "lstm", seed=0, steps=100)
    for (step, live_loss, _), (stored_step, stored_loss, _) in zip(live["curve"], stored["curve"]):
        assert step == stored_step and abs(live_loss - stored_loss) < 1e-3


# --- Chapter 6's coding exercise ----------------------------------------------------------------

def test_lstm_width_for_budget_against_torch_counts():
    from gru_lib.exercises import check, lstm_width_for_budget

    for I, H in [(128, 256), (2, 64), (1, 1), (300, 40)]:
        gru = sum(p.numel() for p in nn.GRU(I, H).parameters())
        lstm = {h: sum(p.numel() for p in nn.LSTM(I, h).parameters()) for h in range(1, H + 1)}
        best = min(abs(count - gru) for count in lstm.values())
        assert abs(lstm[lstm_width_for_budget(I, H)] - gru) == best
    assert lstm_width_for_budget(128, 256) == 215                        # the chapter's answer
    assert check("ch6-ex-params", lstm_width_for_budget, verbose=False)
    assert not check("ch6-ex-params", lambda I, H: round(H * 3 / 4), verbose=False)
