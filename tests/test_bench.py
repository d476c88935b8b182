"""The benchmark runs and reports every row (a smoke test on a tiny problem: no timing is asserted)."""

from gru_lib import bench


def test_bench_prints_every_row_with_its_ratio(capsys):
    bench.main(["--T", "3", "--B", "2", "--I", "3", "--H", "4", "--rounds", "1"])
    lines = capsys.readouterr().out.splitlines()
    rows = {line[:34].strip(): line[34:].split() for line in lines[2:]}
    assert set(rows) == {"torch.nn.GRU forward", "torch.nn.GRU forward, no_grad",
                         "torch.nn.GRU forward+backward", "gru_lib.numpy forward",
                         "gru_lib.numpy forward+backward", "gru_lib.torch forward",
                         "gru_lib.torch forward+backward"}
    for name, cells in rows.items():
        if name.startswith("gru_lib"):
            assert cells[1].endswith("x"), (name, cells)   # a ratio to its torch.nn row
