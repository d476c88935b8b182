"""The benchmark runs and reports every row (smoke tests on tiny problems: no timing is asserted),
and its FLOP count agrees with an independent count of the multiply-adds of torch.nn's products."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from gru_lib import bench


def _rows(lines):
    """{(cell, backend, pass, dtype, B, H): the line's remaining cells} from the printed table."""
    rows = {}
    for line in lines[2:]:
        cells = line.split()
        rows[tuple(cells[:4]) + (int(cells[5]), int(cells[6]))] = cells[7:]
    return rows


def test_quick_table_has_every_row_with_its_ratios(capsys):
    bench.main(["--quick"])
    lines = capsys.readouterr().out.splitlines()
    assert "threads: torch 1" in lines[0]
    rows = _rows(lines)
    expected = {(cell, backend, passes)
                for cell in ("GRU", "LSTM")
                for backend in bench.BACKENDS for passes in bench.PASSES}
    expected |= {("GRU", "torch.nn", "no_grad"), ("LSTM", "torch.nn", "no_grad")}
    assert {k[:3] for k in rows} == expected
    for (cell, backend, passes, *_), cells in rows.items():
        assert cells[-1].endswith("%") or "<=" in " ".join(cells), cells   # a GEMM share
        if backend != "torch.nn" or passes == "no_grad":
            assert cells[1].endswith("x"), cells                            # a ratio to torch.nn
        if cell == "GRU":
            assert any(c.endswith("x") for c in cells[1:3]), cells          # GRU / LSTM


def test_sizes_and_dtypes_are_lists(capsys):
    bench.main(["--T", "3", "--B", "1,2", "--I", "3", "--H", "4,5", "--dtype", "float32,float64",
                "--rounds", "1", "--gemm", "16"])
    rows = _rows(capsys.readouterr().out.splitlines())
    assert {(k[3], k[4], k[5]) for k in rows} == {(d, b, h) for d in ("float32", "float64")
                                                 for b in (1, 2) for h in (4, 5)}


def test_bad_dtype_fails_with_a_clear_message(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--dtype", "float16"])
    assert "expected --dtype float32 or float64, got float16" in capsys.readouterr().err


@pytest.mark.parametrize("cell, G", [("GRU", 3), ("LSTM", 4)])
def test_gemm_flops_counts_the_products_forward_and_backward(cell, G):
    """Oracle: torch's FLOP counter on the products of a G-gate layer, forward, then forward and
    autograd's backward (gradients of weights and inputs, as in training)."""
    T, B, I, H = 5, 3, 4, 6
    weight_ih = torch.zeros(G * H, I, requires_grad=True)
    weight_hh = torch.zeros(G * H, H, requires_grad=True)
    x = torch.zeros(T, B, I, requires_grad=True)
    h = torch.zeros(T, B, H, requires_grad=True)
    counts = {}
    for passes in bench.PASSES:
        with FlopCounterMode(display=False) as counter:
            loss = sum((x[t] @ weight_ih.T).sum() + (h[t] @ weight_hh.T).sum() for t in range(T))
            if passes == "forward+backward":
                loss.backward()
        counts[passes] = counter.get_total_flops()
    for passes, flops in counts.items():
        assert bench.gemm_flops(cell, T, B, I, H, passes) == flops
