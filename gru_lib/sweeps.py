"""The seeded sweep behind Chapter 6: RNN, GRU, LSTM and a small Transformer on memory tasks.

    python -m gru_lib.sweeps --jobs 2             # the full sweep -> gru_lib/memory_sweep.json
    python -m gru_lib.sweeps --quick --out F      # the reduced configuration the tests run

Every run is seeded and uses one thread, so the same command writes the same numbers on the same
machine. Models are ``torch.nn`` modules (numerically the same as gru_lib's, and faster to train).
Each run records the held-out loss and metric every ``every`` steps, so the file holds learning
curves as well as final results. The committed results ship with the package (``load()``), so the
chapter that plots them also runs on Colab.
"""

import argparse
import json
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import data

# task name -> (generator, length parameter); kinds: "regression" (MSE, last step),
# "copy" (cross-entropy at every step, accuracy on the copied symbols), "classify" (last step).
TASKS = {
    "adding-50": ("adding", 50),
    "adding-100": ("adding", 100),
    "copy-10": ("copy", 10),
    "copy-20": ("copy", 20),
    "order-60": ("order", 60),
}
# "-params": hidden size chosen to match the GRU's parameter count; "lstm-forget1": forget-gate
# bias 1 (Jozefowicz et al. 2015); "transformer": a 2-layer encoder of width HIDDEN.
MODELS = ["rnn", "rnn-params", "gru", "lstm", "lstm-params", "lstm-forget1", "transformer"]
# "-lr0.01": the same model trained with another learning rate (the default is 3e-3), on LR_TASKS.
LR_MODELS = ["gru-lr0.001", "gru-lr0.01", "lstm-lr0.001", "lstm-lr0.01"]
LR_TASKS = ["order-60"]
HIDDEN = 64
STEPS = {"transformer": 500}            # steps per model; the Transformer learns every task in 500
DEFAULT_STEPS = 2000
RESULTS = Path(__file__).with_name("memory_sweep.json")


def task_batch(task, n, seed):
    """(x, y, kind, n_in, n_out) for ``n`` sequences of a task; x float (n, L, n_in)."""
    family, size = TASKS[task]
    if family == "adding":
        x, y = data.adding_problem(n, size, seed=seed)
        return torch.from_numpy(x), torch.from_numpy(y), "regression", 2, 1
    if family == "copy":
        tokens, y = data.copy_task(n, size, seed=seed)
        n_tokens = 10                                          # blank, 8 symbols, delimiter
        x = nn.functional.one_hot(torch.from_numpy(tokens), n_tokens).float()
        return x, torch.from_numpy(y), "copy", n_tokens, n_tokens
    tokens, y = data.temporal_order(n, size, seed=seed)
    x = nn.functional.one_hot(torch.from_numpy(tokens), data.TEMPORAL_ORDER_TOKENS).float()
    return x, torch.from_numpy(y), "classify", data.TEMPORAL_ORDER_TOKENS, 4


def recurrent_parameters(cell, I, H):
    """Parameters of one torch.nn layer: G gate blocks of H(I + H) weights and 2H biases."""
    return {"rnn": 1, "gru": 3, "lstm": 4}[cell] * (H * (I + H) + 2 * H)


def matched_hidden(cell, I, budget):
    """The hidden size whose recurrent layer has the parameter count closest to ``budget``."""
    return min(range(1, 1024), key=lambda H: abs(recurrent_parameters(cell, I, H) - budget))


class Recurrent(nn.Module):
    """An RNN, GRU or LSTM layer and a linear read-out: x (N, L, I) -> (N, L, n_out)."""

    def __init__(self, cell, n_in, n_out, hidden, forget_bias=None):
        super().__init__()
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](n_in, hidden,
                                                                       batch_first=True)
        if forget_bias is not None:                            # PyTorch's gate order: i, f, g, o
            with torch.no_grad():
                for name in ["bias_ih_l0", "bias_hh_l0"]:
                    getattr(self.rnn, name)[hidden:2 * hidden] = forget_bias / 2
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


class Transformer(nn.Module):
    """A small Transformer encoder (learned positions, no causal mask): x (N, L, I) -> (N, L, n_out)."""

    def __init__(self, n_in, n_out, max_length, d_model=HIDDEN, layers=2, heads=4):
        super().__init__()
        self.embed = nn.Linear(n_in, d_model)
        self.position = nn.Parameter(torch.randn(max_length, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=2 * d_model,
                                           dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, n_out)

    def forward(self, x):
        return self.head(self.encoder(self.embed(x) + self.position[:x.shape[1]]))


def build(model, n_in, n_out, length):
    budget = recurrent_parameters("gru", n_in, HIDDEN)
    if model == "transformer":
        return Transformer(n_in, n_out, length)
    cell = model.split("-")[0]
    hidden = matched_hidden(cell, n_in, budget) if model.endswith("-params") else HIDDEN
    return Recurrent(cell, n_in, n_out, hidden, forget_bias=1.0 if model == "lstm-forget1" else None)


def loss_and_metric(out, y, kind):
    """Training loss and the task's metric (MSE for regression, accuracy otherwise)."""
    if kind == "regression":
        loss = ((out[:, -1] - y) ** 2).mean()
        return loss, loss.item()
    if kind == "classify":
        logits = out[:, -1]
        return (nn.functional.cross_entropy(logits, y),
                (logits.argmax(-1) == y).float().mean().item())
    n_copy = 10                                                # copy: score the copied symbols
    loss = nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    accuracy = (out[:, -n_copy:].argmax(-1) == y[:, -n_copy:]).float().mean().item()
    return loss, accuracy


def run(task, model, seed, steps, batch=32, lr=3e-3, every=100, n_eval=500):
    """Train one model on one task; returns a record with the learning curve and final numbers."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    name = model
    x_eval, y_eval, kind, n_in, n_out = task_batch(task, n_eval, seed=10**6 + seed)
    if "-lr" in model:
        model, lr = model.split("-lr")[0], float(model.split("-lr")[1])
    net = build(model, n_in, n_out, x_eval.shape[1])
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    curve = []
    start = time.perf_counter()
    for step in range(steps + 1):
        if step % every == 0:
            with torch.no_grad():
                loss, metric = loss_and_metric(net(x_eval), y_eval, kind)
            curve.append([step, round(loss.item(), 6), round(metric, 6)])
        if step == steps:
            break
        x, y, *_ = task_batch(task, batch, seed=seed * 10**6 + step)
        loss, _ = loss_and_metric(net(x), y, kind)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
    return {"task": task, "model": name, "seed": seed, "steps": steps, "kind": kind, "lr": lr,
            "parameters": sum(p.numel() for p in net.parameters()),
            "final_loss": curve[-1][1], "final_metric": curve[-1][2], "curve": curve,
            "seconds": round(time.perf_counter() - start, 1)}


def _run(args):
    """One configuration, read from ``cache`` if an earlier (interrupted) sweep already ran it."""
    *config, cache = args
    path = cache and Path(cache) / ("_".join(map(str, config)) + ".json")
    if path and path.exists():
        return json.loads(path.read_text())
    record = run(*config)
    if path:
        path.write_text(json.dumps(record))
    return record


def configurations(quick):
    if quick:
        return [("adding-50", model, 0, 100) for model in ["rnn", "gru", "lstm"]]
    recurrent = [m for m in MODELS if m != "transformer"]
    return ([(task, model, seed, STEPS.get(model, DEFAULT_STEPS))
             for group in (recurrent, ["transformer"]) for seed in range(3) for task in TASKS
             for model in group]
            + [(task, model, seed, DEFAULT_STEPS) for task in LR_TASKS for model in LR_MODELS
               for seed in range(3)])


def load(path=RESULTS):
    """The sweep's results: {"hidden": H, "records": [record of ``run``, ...]} (without "seconds")."""
    return json.loads(Path(path).read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the reduced configuration")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--cache", help="folder keeping finished runs, so a sweep can resume")
    args = parser.parse_args(argv)
    configs = [config + (args.cache,) for config in configurations(args.quick)]
    if args.cache:
        Path(args.cache).mkdir(parents=True, exist_ok=True)
    with Pool(args.jobs) as pool:
        records = []
        for record in pool.imap(_run, configs):
            records.append(record)
            print(f"{record['task']:>10} {record['model']:>12} seed {record['seed']}: "
                  f"metric {record['final_metric']:.4f} ({record['seconds']} s)", flush=True)
    records = [{k: v for k, v in r.items() if k != "seconds"} for r in records]  # results only
    with open(args.out, "w") as f:
        json.dump({"hidden": HIDDEN, "records": records}, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
