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
    parser.add_argument("--T", type=int, default=100, help="sequence length")
    parser.add_argument("--B", type=int, default=64, help="batch size")
    parser.add_argument("--I", type=int, default=64, help="input size")
    parser.add_argument("--H", type=int, default=256, help="hidden size")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved timing rounds")
    parser.add_argument("--mingru", action="store_true",
                        help="minGRU's scans against torch.nn.GRU instead (defaults T=1024 B=8 H=128)")
    args = parser.parse_args(argv)
    if args.mingru:
        return main_mingru(args, argv or [])
    results = measure(args.T, args.B, args.I, args.H, args.dtype, args.rounds)
    print(f"GRU, T={args.T} B={args.B} I={args.I} H={args.H} {args.dtype}, "
          f"torch threads={torch.get_num_threads()}, median of {args.rounds} interleaved rounds x 3")
    print(f"{'':34}{'ms':>9}{'ratio':>8}{'goal':>7}")
    for name, (seconds, ref) in results.items():
        ratio = "" if ref is None else f"{seconds / results[ref][0]:.2f}x"
        goal = f"<={GOALS[name]}x" if name in GOALS else ""
        print(f"{name:34}{seconds * 1e3:9.1f}{ratio:>8}{goal:>7}")


def main_mingru(args, argv):
    """Print minGRU's rows as ratios to torch.nn.GRU (sizes not given on the command line: the
    issue's T=1024, B=8, I=64, H=128)."""
    given = {a.split("=")[0] for a in argv}
    T, B, H = [getattr(args, k) if f"--{k}" in given else d
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
