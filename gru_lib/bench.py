"""Speed of gru_lib against torch.nn.GRU, measured in one run: ``python -m gru_lib.bench``.

Every row is timed on the same input and weights (torch.nn.GRU's, loaded into both backends) and
reported as a ratio to torch.nn.GRU doing the same work: a forward pass as in training, and forward
+ backward (torch autograd; NumPy's hand-written BPTT). Ratios, not milliseconds, are the result:
both sides of a ratio are measured in the same interleaved rounds on the same machine.
"""

import argparse
import json
import time

import numpy as np
import torch

from . import numpy as gnp
from . import torch as gtorch


def interleaved_medians(fns, rounds, calls=3):
    """Median wall time in seconds of each ``fns[name]()``, timed in interleaved rounds.

    Every round runs each function once untimed, then times ``calls`` calls: a slow spell of a
    shared machine hits all rows alike, and the untimed call lets the thread pool of the previous
    row (OpenBLAS's or PyTorch's OpenMP threads spin for a while after their work) fall asleep
    instead of stealing a core from this row.
    """
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            fn()
            for _ in range(calls):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


CELLS = {"GRU": (3, torch.nn.GRU, gnp.GRU, gtorch.GRU),
         "LSTM": (4, torch.nn.LSTM, gnp.LSTM, gtorch.LSTM)}
BACKENDS = ("torch.nn", "gru_lib.numpy", "gru_lib.torch")
PASSES = ("forward", "forward+backward")
FULL = {"H": (64, 256, 512), "B": (1, 64), "dtype": ("float32", "float64")}
QUICK = {"T": 5, "I": 4, "H": (8,), "B": (2,), "dtype": ("float32",), "rounds": 1, "gemm": 64}


def gemm_flops(cell, T, B, I, H, passes="forward"):
    """FLOPs of the matrix products of one layer: 2·G·H·(I+H)·T·B forward, twice that backward.

    The forward multiplies (B, I) by (I, G·H) and (B, H) by (H, G·H) at each of T steps, at 2
    FLOPs per multiply-add; the backward does two products of the same size per forward one
    (the gradients of the weights and of the inputs).
    """
    forward = 2 * CELLS[cell][0] * H * (I + H) * T * B
    return forward if passes == "forward" else 3 * forward


def blas_threads(n=None):
    """Threads of NumPy's bundled OpenBLAS (set to n first if given); None where not found."""
    import ctypes
    import glob
    import os
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs",
                                  "*openblas*"))
    lib = ctypes.CDLL(libs[0]) if libs else None
    for prefix in ("scipy_openblas", "openblas"):
        for suffix in ("64_", ""):
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if get is not None:
                if n is not None:
                    getattr(lib, f"{prefix}_set_num_threads{suffix}")(n)
                return get()
    return None


def measure(T=100, B=64, I=64, H=256, dtype="float32", rounds=5, seed=0, cells=("GRU", "LSTM"),
            gemm=1024, calls=1):
    """{(cell, backend, pass): seconds} for one size, plus ("GEMM", "numpy", n) and
    ("GEMM", "torch", n): an n×n by n×n matrix product, timed in the same interleaved rounds.

    Every backend runs on the same input and weights (torch.nn's, loaded into both gru_lib
    backends). "forward" is a forward pass as in training: torch records the autograd graph and
    gru_lib.numpy keeps the cache its backward reads; ("GRU"/"LSTM", "torch.nn", "no_grad") is
    torch's inference path, shown for comparison. "forward+backward" adds the gradients of a
    random linear loss of every output (torch autograd; gru_lib.numpy's hand-written BPTT).
    """
    tdtype = getattr(torch, dtype)
    x = torch.randn(T, B, I, generator=torch.Generator().manual_seed(seed), dtype=tdtype)
    d_out = torch.randn(T, B, H, generator=torch.Generator().manual_seed(seed + 1), dtype=tdtype)
    x_np, d_out_np = x.numpy(), d_out.numpy()

    def train_step(module):
        output, _ = module(x.detach().requires_grad_())
        output.backward(d_out)

    def inference(module):
        with torch.no_grad():
            module(x)

    def numpy_train_step(module):
        module(x_np)
        module.backward(d_out_np)

    rows = {}
    for cell in cells:
        _, nn_class, numpy_class, torch_class = CELLS[cell]
        torch.manual_seed(seed)
        reference = nn_class(I, H).to(tdtype)
        numpy_module = numpy_class(I, H, dtype=dtype)
        torch_module = torch_class(I, H, dtype=tdtype)
        numpy_module.load_state_dict(reference.state_dict())
        torch_module.load_state_dict(reference.state_dict())
        rows[cell, "torch.nn", "forward"] = lambda m=reference: m(x)
        rows[cell, "torch.nn", "no_grad"] = lambda m=reference: inference(m)
        rows[cell, "torch.nn", "forward+backward"] = lambda m=reference: train_step(m)
        rows[cell, "gru_lib.numpy", "forward"] = lambda m=numpy_module: m(x_np)
        rows[cell, "gru_lib.numpy", "forward+backward"] = lambda m=numpy_module: numpy_train_step(m)
        rows[cell, "gru_lib.torch", "forward"] = lambda m=torch_module: m(x)
        rows[cell, "gru_lib.torch", "forward+backward"] = lambda m=torch_module: train_step(m)
    a_np = np.random.default_rng(seed).standard_normal((gemm, gemm)).astype(dtype)
    a_torch = torch.from_numpy(a_np)
    rows["GEMM", "numpy", gemm] = lambda: a_np @ a_np
    rows["GEMM", "torch", gemm] = lambda: a_torch @ a_torch
    return interleaved_medians(rows, rounds, calls)


def table(T=100, B=(64,), I=64, H=(256,), dtype=("float32",), rounds=5, seed=0, gemm=1024,
          calls=1):
    """The benchmark table: one dict per row, every (dtype, B, H) measured in its own run of
    ``measure`` so that each row's ratios come from the same interleaved rounds.

    Keys: cell, backend, pass, dtype, T, B, I, H, ms; ``vs_nn``: time ÷ torch.nn's for the same
    cell and pass (no_grad: ÷ torch.nn forward); ``vs_lstm``: a GRU row's time ÷ the LSTM's for
    the same backend and pass; ``gemm_share``: the row's GEMM FLOPs per second ÷ ``gemm_gflops``,
    the fastest n×n matrix product (numpy or torch) of this dtype timed anywhere in the run (on a
    shared machine the best observed rate is the better estimate of the peak).
    """
    out = []
    for dt in dtype:
        for b in B:
            for h in H:
                seconds = measure(T, b, I, h, dt, rounds, seed, gemm=gemm, calls=calls)
                peak = max(2 * gemm ** 3 / seconds["GEMM", lib, gemm] for lib in ("numpy", "torch"))
                for (cell, backend, passes), s in seconds.items():
                    if cell == "GEMM":
                        continue
                    ref = seconds[cell, "torch.nn", "forward" if passes == "no_grad" else passes]
                    lstm = seconds.get(("LSTM", backend, passes))
                    flops = gemm_flops(cell, T, b, I, h, "forward+backward"
                                       if passes == "forward+backward" else "forward")
                    out.append({"cell": cell, "backend": backend, "pass": passes, "dtype": dt,
                                "T": T, "B": b, "I": I, "H": h, "ms": s * 1e3,
                                "vs_nn": s / ref,
                                "vs_lstm": s / lstm if cell == "GRU" and lstm else None,
                                "flops_per_second": flops / s, "gemm_gflops": peak / 1e9})
    for dt in dtype:
        peak = max(r["gemm_gflops"] for r in out if r["dtype"] == dt)
        for r in out:
            if r["dtype"] == dt:
                r["gemm_gflops"] = peak
                r["gemm_share"] = r.pop("flops_per_second") / peak / 1e9
    return out


GOALS = {("GRU", "gru_lib.numpy", "forward"): 1.0, ("GRU", "gru_lib.numpy", "forward+backward"): 1.2,
         ("GRU", "gru_lib.torch", "forward"): 1.5}
GRU_VS_LSTM_GOAL = 0.8


def format_table(rows):
    """The rows as text: one line per row, ratios with two decimals, the goals alongside."""
    head = (f"{'cell':5}{'backend':15}{'pass':18}{'dtype':9}{'T':>5}{'B':>4}{'H':>5}{'ms':>9}"
            f"{'vs torch.nn':>12}{'GRU/LSTM':>10}{'GEMM share':>11}  goals")
    lines = [head]
    for r in rows:
        key = (r["cell"], r["backend"], r["pass"])
        vs_nn = "" if r["backend"] == "torch.nn" and r["pass"] != "no_grad" else f"{r['vs_nn']:.2f}x"
        vs_lstm = "" if r["vs_lstm"] is None else f"{r['vs_lstm']:.2f}x"
        goals = []
        if key in GOALS:
            goals.append(f"<={GOALS[key]}x nn")
        if r["vs_lstm"] is not None and r["backend"] != "torch.nn" and r["H"] >= 64:
            goals.append(f"<={GRU_VS_LSTM_GOAL}x LSTM")
        lines.append(f"{r['cell']:5}{r['backend']:15}{r['pass']:18}{r['dtype']:9}{r['T']:5}"
                     f"{r['B']:4}{r['H']:5}{r['ms']:9.1f}{vs_nn:>12}{vs_lstm:>10}"
                     f"{r['gemm_share']:10.1%}  {', '.join(goals)}".rstrip())
    return lines


def measure_mingru(T=1024, B=8, I=64, H=128, rounds=5, seed=0, sequential=True, calls=3):
    """{row name: seconds} for minGRU (every scan, both backends) and torch.nn.GRU, float32.

    "train" rows are forward + backward of a random linear loss of every output (torch autograd;
    NumPy's hand-written backward); "infer" rows a forward pass without gradients. The step-by-step
    torch rows record T steps for autograd and are left out with ``sequential=False``.
    """
    torch.manual_seed(seed)
    gru = torch.nn.GRU(I, H)
    mingru_torch = gtorch.MinGRU(I, H, seed=seed)
    mingru_numpy = gnp.MinGRU(I, H, seed=seed)
    x = torch.randn(T, B, I)
    d_out = torch.randn(T, B, H)
    x_np, d_out_np = x.numpy(), d_out.numpy()

    def train(module, **kw):
        output, _ = module(x.detach().requires_grad_(), **kw)
        output.backward(d_out)

    def infer(module, **kw):
        with torch.no_grad():
            module(x, **kw)

    def numpy_train(mode):
        mingru_numpy(x_np, mode=mode)
        mingru_numpy.backward(d_out_np)

    rows = {"torch.nn.GRU train": lambda: train(gru), "torch.nn.GRU infer": lambda: infer(gru)}
    for mode in ("chunked", "log", "sequential"):
        if mode != "sequential" or sequential:
            rows[f"torch minGRU {mode} train"] = lambda m=mode: train(mingru_torch, mode=m)
        rows[f"torch minGRU {mode} infer"] = lambda m=mode: infer(mingru_torch, mode=m)
        rows[f"numpy minGRU {mode} train"] = lambda m=mode: numpy_train(m)
        rows[f"numpy minGRU {mode} infer"] = lambda m=mode: mingru_numpy(x_np, mode=m)
    return interleaved_medians(rows, rounds, calls)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = lambda s: tuple(int(v) for v in s.split(","))                  # noqa: E731
    parser.add_argument("--T", type=int, default=100, help="sequence length")
    parser.add_argument("--B", type=sizes, default=(64,), help="batch sizes, e.g. 1,64")
    parser.add_argument("--I", type=int, default=64, help="input size")
    parser.add_argument("--H", type=sizes, default=(256,), help="hidden sizes, e.g. 64,256,512")
    parser.add_argument("--dtype", type=lambda s: tuple(s.split(",")), default=("float32",),
                        help="float32, float64 or both: float32,float64")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    parser.add_argument("--gemm", type=int, default=1024, help="n of the n×n reference GEMM")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of torch and of NumPy's OpenBLAS (0: leave as they are)")
    parser.add_argument("--full", action="store_true",
                        help=f"every size of the chapter's table: H={FULL['H']}, B={FULL['B']}, "
                             f"{' and '.join(FULL['dtype'])} (several minutes)")
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (what the test uses)")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--mingru", action="store_true",
                        help="minGRU's scans against torch.nn.GRU instead (defaults T=1024 B=8 H=128)")
    args = parser.parse_args(argv)
    for dt in args.dtype:
        if dt not in ("float32", "float64"):
            parser.error(f"expected --dtype float32 or float64, got {dt}")
    if args.threads:
        torch.set_num_threads(args.threads)
        blas_threads(args.threads)
    if args.mingru:
        return main_mingru(args, argv or [])
    config = {"T": args.T, "I": args.I, "H": args.H, "B": args.B, "dtype": args.dtype,
              "rounds": args.rounds, "gemm": args.gemm}
    config.update(FULL if args.full else {})
    config.update(QUICK if args.quick else {})
    rows = table(**config)
    print(f"T={config['T']} I={config['I']}; threads: torch {torch.get_num_threads()}, "
          f"NumPy's OpenBLAS {blas_threads()}; median of {config['rounds']} interleaved rounds; "
          f"GEMM share = GEMM FLOPs/s ÷ the fastest {config['gemm']}² matmul's "
          f"({rows[0]['gemm_gflops']:.1f} GFLOP/s {rows[0]['dtype']})")
    print("\n".join(format_table(rows)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": {"torch": torch.get_num_threads(), "openblas": blas_threads()},
                       "config": config, "rows": rows}, f, indent=1)


def main_mingru(args, argv):
    """Print minGRU's rows as ratios to torch.nn.GRU (sizes not given on the command line: the
    issue's T=1024, B=8, I=64, H=128)."""
    given = {a.split("=")[0] for a in argv}
    T, B, H = [int(np.ravel(getattr(args, k))[0]) if f"--{k}" in given else d
               for k, d in (("T", 1024), ("B", 8), ("H", 128))]
    seconds = measure_mingru(T, B, args.I, H, rounds=args.rounds)
    print(f"minGRU, T={T} B={B} I={args.I} H={H} float32, torch threads={torch.get_num_threads()}, "
          f"median of {args.rounds} interleaved rounds x 3")
    print(f"{'':34}{'ms':>9}{'speed-up over nn.GRU':>22}")
    for name, s in seconds.items():
        ref = seconds["torch.nn.GRU " + name.rsplit(" ", 1)[1]]
        print(f"{name:34}{s * 1e3:9.1f}{ref / s:21.2f}x")


if __name__ == "__main__":
    main()
