"""Speed of gru_lib against torch.nn.GRU, measured in one run: ``python -m gru_lib.bench``.

Every row is timed on the same input and weights (torch.nn.GRU's, loaded into both backends) and
reported as a ratio to torch.nn.GRU doing the same work: forward alone (torch under ``no_grad``),
and forward + backward (torch autograd; NumPy's hand-written BPTT). Times are medians of repeats.
"""

import argparse
import time

import numpy as np
import torch

from . import numpy as gnp
from . import torch as gtorch


def median_time(fn, repeats, warmup=2):
    """Median wall time of ``fn()`` in seconds over ``repeats`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def measure(T=100, B=64, I=64, H=256, dtype="float32", repeats=7, seed=0):
    """Times in seconds: {row name: (seconds, reference row name)}."""
    torch.manual_seed(seed)
    tdtype = getattr(torch, dtype)
    reference = torch.nn.GRU(I, H).to(tdtype)
    numpy_gru = gnp.GRU(I, H, dtype=dtype)
    torch_gru = gtorch.GRU(I, H, dtype=tdtype)
    numpy_gru.load_state_dict(reference.state_dict())
    torch_gru.load_state_dict(reference.state_dict())
    x = torch.randn(T, B, I, dtype=tdtype)
    d_out = torch.randn(T, B, H, dtype=tdtype)
    x_np, d_out_np = x.numpy(), d_out.numpy()

    def torch_forward(module):
        with torch.no_grad():
            module(x)

    def torch_train_step(module):
        x_grad = x.detach().requires_grad_()
        output, _ = module(x_grad)
        output.backward(d_out)

    def numpy_train_step():
        numpy_gru(x_np)
        numpy_gru.backward(d_out_np)

    rows = {
        "torch.nn.GRU forward": (lambda: torch_forward(reference), None),
        "torch.nn.GRU forward+backward": (lambda: torch_train_step(reference), None),
        "gru_lib.numpy forward": (lambda: numpy_gru(x_np), "torch.nn.GRU forward"),
        "gru_lib.numpy forward+backward": (numpy_train_step, "torch.nn.GRU forward+backward"),
        "gru_lib.torch forward": (lambda: torch_forward(torch_gru), "torch.nn.GRU forward"),
        "gru_lib.torch forward+backward": (lambda: torch_train_step(torch_gru),
                                           "torch.nn.GRU forward+backward"),
    }
    return {name: (median_time(fn, repeats), ref) for name, (fn, ref) in rows.items()}


GOALS = {"gru_lib.numpy forward": 1.1, "gru_lib.numpy forward+backward": 1.3}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=100, help="sequence length")
    parser.add_argument("--B", type=int, default=64, help="batch size")
    parser.add_argument("--I", type=int, default=64, help="input size")
    parser.add_argument("--H", type=int, default=256, help="hidden size")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    results = measure(args.T, args.B, args.I, args.H, args.dtype, args.repeats)
    print(f"GRU, T={args.T} B={args.B} I={args.I} H={args.H} {args.dtype}, "
          f"torch threads={torch.get_num_threads()}, median of {args.repeats}")
    print(f"{'':34}{'ms':>9}{'ratio':>8}{'goal':>7}")
    for name, (seconds, ref) in results.items():
        ratio = "" if ref is None else f"{seconds / results[ref][0]:.2f}x"
        goal = f"<={GOALS[name]}x" if name in GOALS else ""
        print(f"{name:34}{seconds * 1e3:9.1f}{ratio:>8}{goal:>7}")


if __name__ == "__main__":
    main()
