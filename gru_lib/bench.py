"""Speed of gru_lib against torch.nn.GRU, measured in one run: ``python -m gru_lib.bench``.

Every row is timed on the same input and weights (torch.nn.GRU's, loaded into both backends) and
reported as a ratio to torch.nn.GRU doing the same work: a forward pass as in training, and forward
+ backward (torch autograd; NumPy's hand-written BPTT). Ratios, not milliseconds, are the result:
both sides of a ratio are measured in the same interleaved rounds on the same machine.
"""

import argparse
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


def measure(T=100, B=64, I=64, H=256, dtype="float32", rounds=7, seed=0):
    """{row name: (seconds, reference row name or None)} for the benchmark table.

    "forward" is a forward pass as in training: torch.nn.GRU records the autograd graph and
    gru_lib.numpy keeps the cache its backward reads. The ``no_grad`` row is torch's inference
    path (a fused oneDNN kernel on CPU), shown for comparison.
    """
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

    def inference(module):
        with torch.no_grad():
            module(x)

    def train_step(module):
        output, _ = module(x.detach().requires_grad_())
        output.backward(d_out)

    def numpy_train_step():
        numpy_gru(x_np)
        numpy_gru.backward(d_out_np)

    rows = {
        "torch.nn.GRU forward": (lambda: reference(x), None),
        "torch.nn.GRU forward, no_grad": (lambda: inference(reference), "torch.nn.GRU forward"),
        "torch.nn.GRU forward+backward": (lambda: train_step(reference), None),
        "gru_lib.numpy forward": (lambda: numpy_gru(x_np), "torch.nn.GRU forward"),
        "gru_lib.numpy forward+backward": (numpy_train_step, "torch.nn.GRU forward+backward"),
        "gru_lib.torch forward": (lambda: torch_gru(x), "torch.nn.GRU forward"),
        "gru_lib.torch forward+backward": (lambda: train_step(torch_gru),
                                           "torch.nn.GRU forward+backward"),
    }
    seconds = interleaved_medians({name: fn for name, (fn, _) in rows.items()}, rounds)
    return {name: (seconds[name], ref) for name, (_, ref) in rows.items()}


GOALS = {"gru_lib.numpy forward": 1.1, "gru_lib.numpy forward+backward": 1.3}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=100, help="sequence length")
    parser.add_argument("--B", type=int, default=64, help="batch size")
    parser.add_argument("--I", type=int, default=64, help="input size")
    parser.add_argument("--H", type=int, default=256, help="hidden size")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved timing rounds")
    args = parser.parse_args(argv)
    results = measure(args.T, args.B, args.I, args.H, args.dtype, args.rounds)
    print(f"GRU, T={args.T} B={args.B} I={args.I} H={args.H} {args.dtype}, "
          f"torch threads={torch.get_num_threads()}, median of {args.rounds} interleaved rounds x 3")
    print(f"{'':34}{'ms':>9}{'ratio':>8}{'goal':>7}")
    for name, (seconds, ref) in results.items():
        ratio = "" if ref is None else f"{seconds / results[ref][0]:.2f}x"
        goal = f"<={GOALS[name]}x" if name in GOALS else ""
        print(f"{name:34}{seconds * 1e3:9.1f}{ratio:>8}{goal:>7}")


if __name__ == "__main__":
    main()
