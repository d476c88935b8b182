"""The exercise checkers of chapters 9 and 10: each reference solution against an independent
oracle (torch.nn, explicit loops, closed forms, values worked out by hand) on the checker's own
inputs, and the checker accepts the chapter's solution and rejects a plausible wrong answer on
the right input."""

import math
import re
from collections import Counter

import numpy as np
import pytest
import torch

from gru_lib import exercises
from gru_lib.exercises import EXERCISES, check
from gru_lib.numpy.cells import gru_cell_forward

IDS = ["ch9a-ex-seasonal168", "ch9a-ex-seeds", "ch9b-ex-combine", "ch9c-ex-temperature",
       "ch9d-ex-longer", "ch9e-ex-scheduled", "ch9f-ex-second-order",
       "ch9g-ex-memoryless-proof", "ch10-ex-numpy-stream", "ch10-ex-export-stream"]


def cases(exercise_id):
    spec = EXERCISES[exercise_id]
    return spec.inputs(np.random.default_rng(spec.seed))


@pytest.mark.parametrize("exercise_id", IDS)
def test_registered_and_passes_its_own_check(exercise_id):
    assert check(exercise_id, EXERCISES[exercise_id].reference, verbose=False)
    assert len(cases(exercise_id)) >= 3


# ------------------------------------------------------------------------------------------------
# 9a forecasting

def test_seasonal_naive_scores_match_a_loop():
    for _, kw in cases("ch9a-ex-seasonal168"):
        errors = [kw["y"][t - kw["m"]] - kw["y"][t] for t in kw["test"]]
        mae = sum(abs(e) for e in errors) / len(errors)
        rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
        np.testing.assert_allclose(exercises.seasonal_naive_scores(**kw),
                                   (mae, rmse, mae / kw["scale"]), rtol=1e-12)


def test_seasonal_checker_accepts_the_chapter_solution_and_rejects_rmse_as_mase(capsys):
    def scores(pred, true, scale):                        # the chapter's metric function
        err = pred - true
        return np.abs(err).mean(), np.sqrt((err ** 2).mean()), np.abs(err).mean() / scale

    def seasonal_naive_scores(y, test, m, scale):
        return scores(y[test - m], y[test], scale)
    assert check("ch9a-ex-seasonal168", seasonal_naive_scores)

    def rmse_scaled(y, test, m, scale):
        mae, rmse, _ = seasonal_naive_scores(y, test, m, scale)
        return mae, rmse, rmse / scale
    assert not check("ch9a-ex-seasonal168", rmse_scaled)
    assert "input 1 of 4 (m = 1: the last value)" in capsys.readouterr().out.split("\n")[1]


def test_price_mae_matches_a_loop():
    for _, kw in cases("ch9a-ex-seeds"):
        close, forecast = kw["close"], kw["forecast"]
        errors = [abs(close[d - 1] * math.exp(forecast[d - 1]) - close[d]) for d in kw["days"]]
        assert exercises.price_mae_from_log_returns(**kw) == pytest.approx(
            sum(errors) / len(errors), rel=1e-12)


def test_price_checker_rejects_simple_returns_for_log_returns(capsys):
    def simple_return(close, forecast, days):
        return np.abs(close[days - 1] * (1 + forecast[days - 1]) - close[days]).mean()
    assert not check("ch9a-ex-seeds", simple_return)
    assert "input 1 of 4 (one day)" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# 9b anomaly detection

def test_combined_score_matches_a_loop_that_skips_undefined_scores():
    for _, kw in cases("ch9b-ex-combine"):
        expected = []
        for a, b in zip(kw["score_a"], kw["score_b"]):
            defined = [v for v in (a / kw["threshold_a"], b / kw["threshold_b"])
                       if not math.isnan(v)]
            expected.append(max(defined) if defined else math.nan)
        np.testing.assert_array_equal(exercises.combined_score(**kw), expected)


def test_combined_checker_rejects_a_maximum_that_propagates_nan(capsys):
    def np_maximum(score_a, threshold_a, score_b, threshold_b):
        return np.maximum(score_a / threshold_a, score_b / threshold_b)
    assert not check("ch9b-ex-combine", np_maximum)
    assert "input 3 of 3 (the second score undefined for its first 24 hours)" in \
        capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# 9c language model

def letter_runs(text):
    """Runs of ASCII letters, by a character loop (not a regular expression)."""
    words, current = [], ""
    for ch in text + " ":
        if ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
            current += ch
        elif current:
            words.append(current)
            current = ""
    return words


def test_known_word_fraction_matches_a_character_loop():
    for _, kw in cases("ch9c-ex-temperature"):
        vocabulary = set(letter_runs(kw["training_text"]))
        words = letter_runs(kw["text"])
        expected = sum(w in vocabulary for w in words) / len(words)
        assert exercises.known_word_fraction(**kw) == pytest.approx(expected, abs=1e-15)


def test_known_words_checker_accepts_the_chapter_solution_and_rejects_lowercasing(capsys):
    def known_word_fraction(text, training_text):           # the chapter's solution
        vocabulary = set(re.findall(r"[A-Za-z]+", training_text))
        return np.mean([w in vocabulary for w in re.findall(r"[A-Za-z]+", text)])
    assert check("ch9c-ex-temperature", known_word_fraction)

    def lowercased(text, training_text):
        return known_word_fraction(text.lower(), training_text.lower())
    assert not check("ch9c-ex-temperature", lowercased)
    assert "input 2 of 4 (case matters)" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# 9d order classification

def test_negation_gaps_worked_out_by_hand():
    by_hand = {"good": -1, "not good": 0, "the film was not very really good": 2,
               "never so dull": 1, "it was not good but bad": -1, "a very dull film": -1}
    for _, kw in cases("ch9d-ex-longer"):
        assert exercises.negation_gap(**kw) == by_hand[kw["review"]]


def test_negation_checker_rejects_counting_the_positions_apart(capsys):
    def positions_apart(review, negators, opinions):
        gap = exercises.negation_gap(review, negators, opinions)
        return gap if gap < 0 else gap + 1
    assert not check("ch9d-ex-longer", positions_apart)
    assert "input 2 of 6 (not good)" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# 9e sequence to sequence

def scheduled_oracle(model, x, y, p_true):
    """Teacher forcing (p = 1): the decoder inputs are known in advance, [0, y_1, ..., y_{T-1}].
    Free running (p = 0): greedy decoding, the argmax fed back."""
    memory, s = model.encode(x)
    logits = []
    if p_true == 1.0:
        inputs = torch.cat([torch.zeros(len(x), 1, dtype=torch.long), y[:, :-1]], dim=1)
        for t in range(y.shape[1]):
            scores, s, _ = model.step(inputs[:, t], s, memory)
            logits.append(scores)
    else:
        y_prev = torch.zeros(len(x), dtype=torch.long)
        for _ in range(y.shape[1]):
            scores, s, _ = model.step(y_prev, s, memory)
            logits.append(scores)
            y_prev = scores.argmax(-1)
    return torch.stack(logits, dim=1)


def test_forward_scheduled_is_teacher_forcing_at_1_and_greedy_at_0():
    for _, kw in cases("ch9e-ex-scheduled"):
        assert kw["p_true"] in (0.0, 1.0)
        torch.testing.assert_close(exercises.forward_scheduled(**kw),
                                   scheduled_oracle(kw["model"], kw["x"], kw["y"], kw["p_true"]))
    # and the stand-in model's free-running choices differ from the targets, so p matters
    _, kw = cases("ch9e-ex-scheduled")[2]
    assert not torch.allclose(scheduled_oracle(kw["model"], kw["x"], kw["y"], 1.0),
                              scheduled_oracle(kw["model"], kw["x"], kw["y"], 0.0))


def test_scheduled_checker_accepts_the_listing_and_rejects_reading_the_current_target(capsys):
    def forward_scheduled(model, x, y, p_true, generator):    # the section's listing
        memory, s = model.encode(x)
        y_prev = torch.zeros(len(x), dtype=torch.long)
        logits = []
        for t in range(y.shape[1]):
            scores, s, _ = model.step(y_prev, s, memory)
            logits.append(scores)
            use_true = torch.rand(len(x), generator=generator) < p_true
            y_prev = torch.where(use_true, y[:, t], scores.argmax(-1))
        return torch.stack(logits, dim=1)
    assert check("ch9e-ex-scheduled", forward_scheduled)

    def coins_drawn_at_once(model, x, y, p_true, generator):  # other coins, same answer at 0, 1
        memory, s = model.encode(x)
        use_true = torch.rand(y.shape, generator=generator) < p_true
        y_prev, logits = torch.zeros(len(x), dtype=torch.long), []
        for t in range(y.shape[1]):
            scores, s, _ = model.step(y_prev, s, memory)
            logits.append(scores)
            y_prev = torch.where(use_true[:, t], y[:, t], scores.argmax(-1))
        return torch.stack(logits, dim=1)
    assert check("ch9e-ex-scheduled", coins_drawn_at_once)

    def reads_the_current_target(model, x, y, p_true, generator):
        memory, s = model.encode(x)
        logits = []
        for t in range(y.shape[1]):
            scores, s, _ = model.step(y[:, t], s, memory)
            logits.append(scores)
        return torch.stack(logits, dim=1)
    assert not check("ch9e-ex-scheduled", reads_the_current_target)
    assert "input 1 of 4 (p_true = 1: teacher forcing, one step)" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# 9f recommendation

def test_pair_counts_match_a_counter_of_triples():
    for _, kw in cases("ch9f-ex-second-order"):
        triples = Counter(tuple(int(v) for v in s[i:i + 3])
                          for s in kw["sessions"] for i in range(len(s) - 2))
        counts = exercises.pair_counts(**kw)
        assert counts.shape == (kw["n_items"],) * 3
        assert counts.sum() == sum(triples.values())
        for (a, b, c), n in triples.items():
            assert counts[a, b, c] == n


def test_pair_checker_rejects_buffered_increments(capsys):
    def fancy_index_increment(sessions, n_items):          # += drops repeated triples
        counts = np.zeros((n_items,) * 3)
        for s in sessions:
            counts[s[:-2], s[1:-1], s[2:]] += 1
        return counts
    assert not check("ch9f-ex-second-order", fancy_index_increment)
    assert "input 3 of 4 (a repeated triple)" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# 9g recurrent policy

def test_expected_success_matches_a_loop_and_is_one_half_for_a_memoryless_policy():
    for label, kw in cases("ch9g-ex-memoryless-proof"):
        probs, cue = kw["probs"], kw["cue"]
        per_cue = [[probs[i, c] for i in range(len(cue)) if cue[i] == c] for c in (0, 1)]
        expected = 0.5 * sum(sum(p) / len(p) for p in per_cue)
        assert exercises.expected_success(**kw) == pytest.approx(expected, rel=1e-12)
        if "memoryless" in label:                 # ½ p + ½ (1 - p) = ½, whatever p is
            assert exercises.expected_success(**kw) == pytest.approx(0.5, rel=1e-12)


def test_expected_success_checker_rejects_the_plain_mean(capsys):
    def plain_mean(probs, cue):
        return probs[np.arange(len(cue)), cue].mean()
    assert not check("ch9g-ex-memoryless-proof", plain_mean)
    assert "(a memoryless policy, left with probability 0.9)" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# Chapter 10

def test_stream_numpy_matches_torch_nn_gru_and_linear():
    for _, kw in cases("ch10-ex-numpy-stream"):
        p, xs = kw["p"], kw["xs"]
        hidden = p["gru.weight_hh_l0"].shape[1]
        gru = torch.nn.GRU(xs.shape[-1], hidden, batch_first=True)
        head = torch.nn.Linear(hidden, 1)
        gru.load_state_dict({k[4:]: torch.from_numpy(v) for k, v in p.items()
                             if k.startswith("gru.")})
        head.load_state_dict({"weight": torch.from_numpy(p["head.weight"]),
                              "bias": torch.from_numpy(p["head.bias"])})
        with torch.no_grad():
            expected = head(gru(torch.from_numpy(xs))[0]).numpy()
        np.testing.assert_allclose(exercises.stream_numpy(**kw), expected, rtol=1e-5, atol=1e-6)


def test_stream_checker_accepts_the_chapter_solution_and_rejects_reset_before(capsys):
    def stream_numpy(p, xs, reset="after"):                 # the chapter's solution
        h = np.zeros((xs.shape[0], p["gru.weight_hh_l0"].shape[1]), dtype=np.float32)
        ys = []
        for t in range(xs.shape[1]):
            gi = xs[:, t] @ p["gru.weight_ih_l0"].T + p["gru.bias_ih_l0"]
            h, _ = gru_cell_forward(gi, h, p["gru.weight_hh_l0"], p["gru.bias_hh_l0"], reset)
            ys.append(h @ p["head.weight"].T + p["head.bias"])
        return np.stack(ys, axis=1)
    assert check("ch10-ex-numpy-stream", stream_numpy)
    assert not check("ch10-ex-numpy-stream", lambda p, xs: stream_numpy(p, xs, "before"))
    assert "input 1 of 3 (one step, one unit)" in capsys.readouterr().out


def test_program_stream_matches_torch_nn_rnn_on_the_whole_stream():
    for _, kw in cases("ch10-ex-export-stream"):
        step = kw["step_fn"]
        rnn = torch.nn.RNN(step.weight_ih.shape[1], kw["hidden_size"], batch_first=True)
        rnn.load_state_dict({"weight_ih_l0": step.weight_ih, "weight_hh_l0": step.weight_hh,
                             "bias_ih_l0": step.bias, "bias_hh_l0": torch.zeros_like(step.bias)})
        with torch.no_grad():
            states, _ = rnn(torch.cat(kw["chunks"], dim=1))
            expected = states @ step.weight_out.T
        torch.testing.assert_close(exercises.program_stream(**kw), expected,
                                   rtol=1e-5, atol=1e-6)


def test_program_stream_checker_accepts_the_chapter_solution_and_rejects_a_dropped_state(capsys):
    class ProgramStreamer:                                 # the chapter's solution
        def __init__(self, step_fn, hidden_size=64):
            self.step_fn, self.hidden_size, self.h = step_fn, hidden_size, None

        @torch.no_grad()
        def push(self, chunk):
            if self.h is None:
                self.h = torch.zeros(1, chunk.shape[0], self.hidden_size)
            ys = []
            for t in range(chunk.shape[1]):
                y_t, self.h = self.step_fn(chunk[:, t], self.h)
                ys.append(y_t)
            return torch.stack(ys, dim=1)

    def program_stream(step_fn, chunks, hidden_size):
        streamer = ProgramStreamer(step_fn, hidden_size)
        return torch.cat([streamer.push(chunk) for chunk in chunks], dim=1)
    assert check("ch10-ex-export-stream", program_stream)

    def new_streamer_per_chunk(step_fn, chunks, hidden_size):   # the classic bug
        return torch.cat([ProgramStreamer(step_fn, hidden_size).push(chunk)
                          for chunk in chunks], dim=1)
    assert not check("ch10-ex-export-stream", new_streamer_per_chunk)
    assert "input 2 of 4 (one step per chunk)" in capsys.readouterr().out
