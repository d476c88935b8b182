"""The checkers of Chapters 3 and 4's coding exercises: each reference against an independent
oracle (torch.nn.utils.clip_grad_norm_, a closed form), the chapters' own solutions (read from the
notebooks) accepted by ``check``, plausible wrong answers rejected, and every registered exercise of
the two chapters checked in its solution."""

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from gru_lib import exercises
from gru_lib.exercises import EXERCISES, check
from gru_lib.numpy.cells import gru_cell_forward

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = {3: ROOT / "book/foundations/03_gates_up_close.ipynb",
            4: ROOT / "book/training/04_backprop_through_time.ipynb"}


def cases(exercise_id):
    spec = EXERCISES[exercise_id]
    return spec.inputs(np.random.default_rng(spec.seed))


def code_cells(chapter):
    notebook = json.loads(CHAPTERS[chapter].read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def chapter_solution(chapter, name):
    """The function ``name`` as the chapter's solution defines it, compiled on its own."""
    for source in code_cells(chapter):
        if source.lstrip().startswith("#") and "%pip" in source:
            continue                                           # the Colab setup cell
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                namespace = {"np": np, "gru_cell_forward": gru_cell_forward}
                exec(ast.get_source_segment(source, node), namespace)
                return namespace[name]
    raise LookupError(f"no function {name!r} in chapter {chapter}")


# ---------------------------------------------------------------------------------------------
# Chapter 4: clip_by_norm

def test_clip_by_norm_matches_torch_clip_grad_norm():
    for label, kw in cases("ch4-ex-clip-numpy"):
        params = []
        for g in kw["grads"].values():
            p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
            p.grad = torch.tensor(g, dtype=torch.float64)
            params.append(p)
        norm_torch = torch.nn.utils.clip_grad_norm_(params, kw["max_norm"]).item()
        clipped, norm = exercises.clip_by_norm(**kw)
        assert norm == pytest.approx(norm_torch, rel=1e-12, abs=1e-15), label
        assert list(clipped) == list(kw["grads"])
        for name, p in zip(kw["grads"], params):
            np.testing.assert_allclose(clipped[name], p.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_by_norm_closed_form_and_its_inputs_are_left_alone():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0], [4.0]])}
    clipped, norm = exercises.clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped["a"], [0.6 * 5 / (5 + 1e-6), 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.0], [0.8 * 5 / (5 + 1e-6)]])
    np.testing.assert_array_equal(grads["a"], [3.0, 0.0])                   # a new dict
    kinds = [label for label, _ in cases("ch4-ex-clip-numpy")]
    assert any("zero" in k for k in kinds) and any("unchanged" in k for k in kinds)


def test_check_accepts_chapter_4s_solution_and_rejects_wrong_clipping(capsys):
    assert check("ch4-ex-clip-numpy", chapter_solution(4, "clip_by_norm"))

    def per_array(grads, max_norm):          # Keras' clipnorm: each array on its own
        out = {}
        for name, g in grads.items():
            norm = np.sqrt(np.sum(g ** 2))
            out[name] = g * min(1.0, max_norm / (norm + 1e-6))
        return out, np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))

    def norm_after(grads, max_norm):         # returns the norm after clipping
        clipped, _ = exercises.clip_by_norm(grads, max_norm)
        return clipped, np.sqrt(sum(np.sum(g ** 2) for g in clipped.values()))

    def python_division(grads, max_norm):    # no epsilon: fails on all-zero gradients
        norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
        return {k: g * min(1.0, max_norm / norm) for k, g in grads.items()}, norm

    capsys.readouterr()
    assert not check("ch4-ex-clip-numpy", per_array)
    assert "input 4 of 6 (one unit, one input)" in capsys.readouterr().out
    assert not check("ch4-ex-clip-numpy", norm_after)
    assert "input 1 of 6" in capsys.readouterr().out
    assert not check("ch4-ex-clip-numpy", python_division)
    out = capsys.readouterr().out
    assert "every gradient zero" in out and "ZeroDivisionError" in out


# ---------------------------------------------------------------------------------------------
# Chapter 3: the solutions that now call check

def test_retention_gate_closed_form():
    for _, kw in cases("ch3-ex-retention"):
        z, a_z = exercises.retention_gate(**kw)
        assert z ** kw["steps"] == pytest.approx(kw["keep"], rel=1e-12)
        assert 1 / (1 + np.exp(-a_z)) == pytest.approx(z, rel=1e-12)
    z, a_z = exercises.retention_gate(100, 0.9)                # the numbers of the solution
    assert (round(z, 5), round(a_z, 2)) == (0.99895, 6.86)


def test_check_accepts_chapter_3s_solutions():
    for exercise_id, name in [("ch3-ex-retention", "retention_gate"),
                              ("ch3-ex-vector-explorer", "shifted_gru_step"),
                              ("ch3-ex-reset-before", "pinned_reset_candidates")]:
        assert check(exercise_id, chapter_solution(3, name), verbose=False), exercise_id


def test_check_rejects_plausible_wrong_chapter_3_answers():
    def retention_linear(steps, keep):           # 1 - z = (1 - keep) / steps: first order only
        z = 1 - (1 - keep) / steps
        return z, np.log(z / (1 - z))

    def shift_swapped(x, h, weight_ih, weight_hh, bias_ih, bias_hh, z_shift, r_shift):
        # the z shift on the r rows and the r shift on the z rows: PyTorch's order is [r | z | n]
        return exercises.shifted_gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh,
                                          r_shift, z_shift)

    def both_after(x, h, weight_ih, weight_hh, bias_ih, bias_hh, r):
        n_after, _ = exercises.pinned_reset_candidates(x, h, weight_ih, weight_hh, bias_ih,
                                                       bias_hh, r)
        return n_after, n_after

    assert not check("ch3-ex-retention", retention_linear, verbose=False)
    assert not check("ch3-ex-vector-explorer", shift_swapped, verbose=False)
    assert not check("ch3-ex-reset-before", both_after, verbose=False)


# ---------------------------------------------------------------------------------------------
# Every registered exercise of the two chapters is checked in its solution

@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_every_registered_exercise_is_checked_in_the_chapter(chapter):
    registered = {e for e in EXERCISES if e.startswith(f"ch{chapter}-ex-")}
    assert registered
    called = set(re.findall(r'check\("(ch\d+-ex-[\w-]+)"', "\n".join(code_cells(chapter))))
    assert registered <= called, sorted(registered - called)
