"""One small training loop for PyTorch models, shared by the chapters.

Usage::

    from gru_lib.train import fit

    def loss_fn(model, x, y):                       # the loss of one batch, a scalar tensor
        return torch.nn.functional.mse_loss(model(x), y)

    history = fit(model, lambda step: (x, y), loss_fn, torch.optim.Adam(model.parameters()),
                  steps=300, clip_norm=1.0, evaluate=lambda m: val_loss(m), every=50, seed=0)
    history.loss          # one float per step
    history.grad_norm     # the global gradient norm of each step, before clipping
    history.eval_step, history.eval   # steps at which ``evaluate`` ran, and what it returned

``batches`` is a callable ``step -> (x, y)`` or an iterable of ``(x, y)`` (a list of batches is
cycled, one pass per epoch). ``evaluate(model)`` runs every ``every`` steps and after the last one,
in ``model.eval()`` mode under ``torch.no_grad()``. With ``patience``, training stops once
``evaluate`` (a float, lower is better) has not improved for that many evaluations, and the best
weights are restored (early stopping). A non-finite loss raises ``FloatingPointError`` naming the
step, unless ``on_nonfinite="stop"`` (record it and return) or ``"continue"``. The progress bar
(tqdm) is off by default, since notebook outputs are compared by nbval; ``progress=True`` shows it.
"""

import copy
import math
import random
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from . import _checks


def seed_everything(seed):
    """Seed Python's ``random``, NumPy's legacy global generator and PyTorch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class History:
    """What ``fit`` measured: per-step ``loss`` and ``grad_norm``; ``eval`` at ``eval_step``."""

    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    eval_step: list = field(default_factory=list)
    eval: list = field(default_factory=list)
    best_step: int | None = None   # with patience: the step whose weights were restored
    stopped: str = "completed"     # "completed", "early stopping" or "non-finite loss"


def _batch_source(batches):
    """A function step -> batch, from a callable or an iterable (cycled when exhausted)."""
    if callable(batches):
        return batches
    if not hasattr(batches, "__iter__"):
        raise TypeError(f"expected batches as a callable step -> (x, y) or an iterable of "
                        f"batches, got {type(batches).__name__}")
    iterator = iter(batches)

    def next_batch(step):
        nonlocal iterator
        try:
            return next(iterator)
        except StopIteration:
            iterator = iter(batches)        # a new epoch (fails at once if it is a one-shot iterator)
            return next(iterator)
    return next_batch


def _total_norm(parameters):
    """The 2-norm of all gradients taken together, as ``clip_grad_norm_`` computes it."""
    norms = [torch.linalg.vector_norm(p.grad) for p in parameters if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(norms)) if norms else torch.tensor(0.0)


def _evaluate(model, evaluate):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        value = evaluate(model)
    model.train(was_training)
    return value


def fit(model, batches, loss_fn, optimizer, steps, *, clip_norm=None, clip_value=None,
        evaluate=None, every=50, patience=None, seed=None, on_nonfinite="raise",
        progress=False):
    """Train ``model`` for ``steps`` optimiser steps and return a ``History``.

    Each step: ``x, y = batch``; ``loss = loss_fn(model, x, y)``; backward; record the gradient
    norm; clip by norm (``clip_norm``) and/or by value (``clip_value``); ``optimizer.step()``.
    """
    _checks.check_option("on_nonfinite", on_nonfinite, ("raise", "stop", "continue"))
    if patience is not None and evaluate is None:
        raise ValueError("patience (early stopping) needs an evaluate function, got None")
    if seed is not None:
        seed_everything(seed)
    next_batch = _batch_source(batches)
    params = [p for p in model.parameters() if p.requires_grad]
    history, best, best_state, waited = History(), math.inf, None, 0
    model.train()
    for step in tqdm(range(steps), disable=not progress, desc="training"):
        x, y = next_batch(step)
        optimizer.zero_grad()
        loss = loss_fn(model, x, y)
        history.loss.append(loss.item())
        if not math.isfinite(history.loss[-1]):
            if on_nonfinite == "raise":
                raise FloatingPointError(
                    f"the loss became {history.loss[-1]} at step {step}; lower the learning "
                    f"rate or clip gradients, or pass on_nonfinite='stop' to record the run")
            if on_nonfinite == "stop":
                history.grad_norm.append(math.nan)
                history.stopped = "non-finite loss"
                break
        loss.backward()
        if clip_norm is not None:
            norm = torch.nn.utils.clip_grad_norm_(params, clip_norm)   # returns the norm before
        else:
            norm = _total_norm(params)
        history.grad_norm.append(norm.item())
        if clip_value is not None:
            torch.nn.utils.clip_grad_value_(params, clip_value)
        optimizer.step()
        if evaluate is not None and ((step + 1) % every == 0 or step + 1 == steps):
            value = _evaluate(model, evaluate)
            history.eval_step.append(step + 1)
            history.eval.append(value)
            if patience is not None:
                if value < best:
                    best, best_state, waited = value, copy.deepcopy(model.state_dict()), 0
                    history.best_step = step + 1
                else:
                    waited += 1
                    if waited >= patience:
                        history.stopped = "early stopping"
                        break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
