"""Optimisers and gradient clipping for the NumPy backend, with ``torch.optim``'s update rules.

An optimiser holds a module's live parameters (``named_parameters()``) and updates them in place
from the gradient dict that the module's ``backward`` returns (extra keys such as ``"input"`` and
``"h0"`` are ignored)::

    opt = gnp.optim.Adam(model.named_parameters(), lr=1e-3)
    output, h_n = model(x)
    grads = model.backward(d_output)
    gnp.optim.clip_grad_norm(grads, 1.0, names=opt.params)   # optional
    opt.step(grads)

Each ``_update`` is the per-parameter loop of ``torch.optim``'s single-tensor implementation,
written with the symbols of its documentation: g gradient, θ parameter, t step count, m and v the
first and second moment estimates, b the momentum buffer.
"""

import numpy as np

from .. import _checks


def _check_hyper(name, value, low=0.0, high=None):
    if not (value >= low and (high is None or value < high)):
        bound = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"expected {name} {bound}, got {value!r}")


class Optimizer:
    """Base class: keeps ``params`` (name -> live array) and a ``state`` dict per parameter."""

    def __init__(self, named_parameters, lr):
        _check_hyper("lr", lr)
        self.params = dict(named_parameters)
        self.lr = lr
        self.state = {name: {} for name in self.params}

    def step(self, grads):
        """Update every parameter in place from ``grads`` (a dict with one entry per name)."""
        missing = [name for name in self.params if name not in grads]
        if missing:
            raise ValueError(f"expected a gradient for every parameter, missing {missing}")
        for name, theta in self.params.items():
            _checks.check_state(f"gradient of {name}", grads[name].shape, theta.shape)
            self._update(theta, grads[name], self.state[name])

    def _update(self, theta, g, state):
        raise NotImplementedError


class SGD(Optimizer):
    """``torch.optim.SGD``: g ← g + λθ; b ← μb + (1 − τ)g (b₁ = g); g ← g + μb (Nesterov) or b;
    θ ← θ − γg."""

    def __init__(self, named_parameters, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        super().__init__(named_parameters, lr)
        _check_hyper("momentum", momentum)
        _check_hyper("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"Nesterov momentum expects momentum > 0 and dampening = 0, got "
                             f"momentum={momentum}, dampening={dampening}")
        self.momentum, self.dampening = momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def _update(self, theta, g, state):
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        if self.momentum != 0:
            if "b" not in state:
                state["b"] = g.copy()
            else:
                state["b"] = self.momentum * state["b"] + (1 - self.dampening) * g
            g = g + self.momentum * state["b"] if self.nesterov else state["b"]
        theta -= self.lr * g


class Adam(Optimizer):
    """``torch.optim.Adam`` (Kingma & Ba 2015): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
    θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).

    Weight decay λ adds λθ to g (L2 regularisation) or, with ``decoupled_weight_decay=True``
    (AdamW, Loshchilov & Hutter 2019), shrinks θ ← θ(1 − γλ) before the step.
    """

    def __init__(self, named_parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False):
        super().__init__(named_parameters, lr)
        _check_hyper("betas[0]", betas[0], 0.0, 1.0)
        _check_hyper("betas[1]", betas[1], 0.0, 1.0)
        _check_hyper("eps", eps)
        _check_hyper("weight_decay", weight_decay)
        self.betas, self.eps = betas, eps
        self.weight_decay, self.decoupled_weight_decay = weight_decay, decoupled_weight_decay

    def _update(self, theta, g, state):
        beta1, beta2 = self.betas
        if not state:
            state.update(t=0, m=np.zeros_like(theta), v=np.zeros_like(theta))
        state["t"] += 1
        t = state["t"]
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                theta *= 1 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * theta
        state["m"] = beta1 * state["m"] + (1 - beta1) * g
        state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
        denom = np.sqrt(state["v"]) / np.sqrt(1 - beta2 ** t) + self.eps
        theta -= self.lr / (1 - beta1 ** t) * state["m"] / denom


class AdamW(Adam):
    """``torch.optim.AdamW``: Adam with decoupled weight decay, λ = 0.01 by default."""

    def __init__(self, named_parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=1e-2):
        super().__init__(named_parameters, lr, betas, eps, weight_decay,
                         decoupled_weight_decay=True)


class RMSprop(Optimizer):
    """``torch.optim.RMSprop`` (Hinton 2012): v ← αv + (1 − α)g²; with ``centered``,
    ḡ ← αḡ + (1 − α)g and v − ḡ² replaces v; a = √v + ε;
    b ← μb + g/a, θ ← θ − γb (momentum μ > 0) or θ ← θ − γg/a."""

    def __init__(self, named_parameters, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0,
                 momentum=0.0, centered=False):
        super().__init__(named_parameters, lr)
        _check_hyper("alpha", alpha)
        _check_hyper("eps", eps)
        _check_hyper("momentum", momentum)
        _check_hyper("weight_decay", weight_decay)
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered

    def _update(self, theta, g, state):
        alpha = self.alpha
        if not state:
            state.update(v=np.zeros_like(theta), g_avg=np.zeros_like(theta),
                         b=np.zeros_like(theta))
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        state["v"] = alpha * state["v"] + (1 - alpha) * g * g
        if self.centered:
            state["g_avg"] = alpha * state["g_avg"] + (1 - alpha) * g
            a = np.sqrt(state["v"] - state["g_avg"] ** 2) + self.eps
        else:
            a = np.sqrt(state["v"]) + self.eps
        if self.momentum > 0:
            state["b"] = self.momentum * state["b"] + g / a
            theta -= self.lr * state["b"]
        else:
            theta -= self.lr * g / a


def _select(grads, names):
    return [grads[name] for name in (grads if names is None else names)]


def clip_grad_norm(grads, max_norm, names=None):
    """Scale the gradients in place so that their joint 2-norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: coefficient min(1, max_norm / (norm + 1e-6)).
    ``names`` chooses the entries (default all; pass the parameter names to leave ``"input"`` and
    ``"h0"`` out). Returns the norm before clipping.
    """
    _check_hyper("max_norm", max_norm)
    selected = _select(grads, names)
    total = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in selected)))
    coef = min(1.0, max_norm / (total + 1e-6))
    for g in selected:
        g *= coef
    return total


def clip_grad_value(grads, clip_value, names=None):
    """Clamp every gradient entry in place to [−clip_value, clip_value], as ``clip_grad_value_``."""
    _check_hyper("clip_value", clip_value)
    for g in _select(grads, names):
        np.clip(g, -clip_value, clip_value, out=g)
