"""Gradient checking by central differences, for the NumPy backend's hand-written backward.

``numerical_gradient(f, x)`` differentiates any scalar function of an array; ``check_gradients``
compares a module's ``backward`` with it for a random linear loss of every output.
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """∂f/∂x by central differences, (f(x + eps e_i) − f(x − eps e_i)) / 2 eps for every entry.

    f takes no argument and reads x, which is perturbed in place and restored. Use float64.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f()
        x[idx] = old - eps
        f_minus = f()
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0: ~1e-10 or less means agreement in float64."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def _flat(outputs):
    """The arrays of a forward's result, flattened: (output, h_n), (output, (h_n, c_n)), h, (h, c)."""
    if isinstance(outputs, np.ndarray):
        return [outputs]
    return [a for item in outputs for a in _flat(item)]


def check_gradients(module, x, hx=None, eps=1e-6, seed=0):
    """Relative error between ``module.backward`` and central differences, per gradient.

    The loss is L = Σ_k Σ w_k ⊙ out_k over every array the forward returns, with fixed random
    weights w_k. Returns {name: relative error} for every parameter, ``"input"``, and the initial
    state (``"h0"``/``"c0"`` for layers, ``"hx"``/``"cx"`` for cells) when ``hx`` is given.
    The module must be float64.
    """
    if module.dtype != np.float64:
        raise TypeError(f"expected a float64 module for finite differences, got {module.dtype}")
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(a.shape) for a in _flat(module(x, hx))]

    def loss():
        return sum(float(np.sum(w * a)) for w, a in zip(weights, _flat(module(x, hx))))

    module(x, hx)
    if hasattr(module, "num_layers"):                          # a sequence layer
        d_output, *d_state = weights
        analytic = module.backward(d_output, tuple(d_state) if len(d_state) > 1 else d_state[0])
        state_names = ["h0", "c0"]
    else:                                                      # a cell
        analytic = module.backward(*weights)
        state_names = ["hx", "cx"]
    targets = dict(module.named_parameters())
    targets["input"] = x
    if hx is not None:
        targets.update(zip(state_names, hx if isinstance(hx, tuple) else (hx,)))
    return {name: relative_error(analytic[name], numerical_gradient(loss, array, eps))
            for name, array in targets.items()}
