"""A checker for the book's coding exercises: ``check(exercise_id, your_function)``.

The reader's function is called on several seeded inputs, edge cases included (one unit, a batch of
one, a zero state, saturated gates), next to the reference solution, and the checker prints either
``ch2-ex-before: matches the reference on 6 inputs`` or the first input where the two differ, what
differs and by how much::

    from gru_lib.exercises import check
    check("ch2-ex-before", gru_cell_before)

``check`` returns True or False, so a notebook can also ``assert check(...)``. ``EXERCISES`` holds
every registered exercise by id; ``describe(exercise_id)`` prints the signature expected.

Adding an exercise is one function: write the reference solution with the signature the exercise
asks for, and decorate it with ``@exercise(id, inputs)``, where ``inputs`` is a function of a NumPy
random generator returning ``[(label, kwargs), ...]``, the inputs to try in order (simplest first;
the label says what is special about one). The id is the exercise's ``:label:`` in the chapter.
Outputs are compared entry by entry (numbers, arrays, tuples, lists and dicts of them) with
``rtol`` and ``atol``. For example::

    def _inputs_half_life(rng):
        return [("k = 1", dict(k=1)), ("k = 50", dict(k=50))]

    @exercise("ch3-ex-half-life", _inputs_half_life)
    def half_life_gate(k):
        '''k -> (z, a_z): the constant update gate that halves a state in k steps.'''
        z = 0.5 ** (1 / k)
        return z, np.log(z / (1 - z))
"""

import copy
import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .numpy.cells import gru_cell_forward, rnn_cell_backward, rnn_cell_forward

EXERCISES = {}


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: its reference solution and the inputs it is checked on."""

    id: str
    reference: Callable
    inputs: Callable           # rng -> [(label, kwargs), ...]
    rtol: float
    atol: float
    seed: int


def exercise(exercise_id, inputs, rtol=1e-7, atol=1e-10, seed=0):
    """Register the decorated function as the reference solution of ``exercise_id``."""
    if exercise_id in EXERCISES:
        raise ValueError(f"exercise {exercise_id!r} is already registered")

    def register(reference):
        EXERCISES[exercise_id] = Exercise(exercise_id, reference, inputs, rtol, atol, seed)
        return reference
    return register


def _known(exercise_id):
    if exercise_id not in EXERCISES:
        raise KeyError(f"expected one of the exercise ids {sorted(EXERCISES)}, "
                       f"got {exercise_id!r}")
    return EXERCISES[exercise_id]


def describe(exercise_id):
    """Print the signature and docstring of the function that ``exercise_id`` asks for."""
    reference = _known(exercise_id).reference
    print(f"{exercise_id}: {reference.__name__}{_signature(reference)}\n    "
          f"{(reference.__doc__ or '').strip()}")


def _signature(function):
    return str(inspect.signature(function))


def difference(mine, reference, rtol, atol, where="output"):
    """None if ``mine`` equals ``reference`` within the tolerances, else a sentence saying where
    (``output[1]``, ``output['weight_ih_l0']``) and by how much they differ."""
    if isinstance(reference, dict):
        if not isinstance(mine, dict) or set(mine) != set(reference):
            keys = sorted(mine) if isinstance(mine, dict) else type(mine).__name__
            return f"{where}: expected a dict with keys {sorted(reference)}, got {keys}"
        for key in reference:
            found = difference(mine[key], reference[key], rtol, atol, f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(reference, (tuple, list)):
        if not isinstance(mine, (tuple, list)) or len(mine) != len(reference):
            got = len(mine) if isinstance(mine, (tuple, list)) else type(mine).__name__
            return f"{where}: expected a sequence of {len(reference)} values, got {got}"
        for i, (a, b) in enumerate(zip(mine, reference)):
            found = difference(a, b, rtol, atol, f"{where}[{i}]")
            if found:
                return found
        return None
    expected = np.asarray(reference, dtype=float)
    try:
        got = np.asarray(mine, dtype=float)
    except (TypeError, ValueError):
        return f"{where}: expected a number or an array, got {type(mine).__name__}"
    if got.shape != expected.shape:
        return f"{where}: expected shape {expected.shape}, got {got.shape}"
    nan_mismatch = np.isnan(got) != np.isnan(expected)
    if nan_mismatch.any():
        at = np.unravel_index(np.argmax(nan_mismatch), got.shape) if got.ndim else ()
        index = f" at index {tuple(int(i) for i in at)}" if at else ""
        return f"{where}{index}: yours {got[at]:.6g}, reference {expected[at]:.6g}"
    if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        gap = np.abs(got - expected)
        worst = np.unravel_index(np.nanargmax(gap), gap.shape) if gap.ndim else ()
        at = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        return (f"{where}{at}: yours {got[worst]:.6g}, reference {expected[worst]:.6g} "
                f"(max |difference| {np.nanmax(gap):.3g})")
    return None


def check(exercise_id, your_function, verbose=True):
    """Run ``your_function`` and the reference of ``exercise_id`` on the same inputs.

    Your function receives the arguments positionally, in the order of the signature the exercise
    asks for (``describe(exercise_id)`` prints it), so its parameter names are yours to choose.
    Prints "matches the reference on N inputs", or the first input where they differ (its label,
    what differs and by how much, or the exception raised). Returns True when all inputs match.
    """
    spec = _known(exercise_id)
    cases = spec.inputs(np.random.default_rng(spec.seed))
    names = list(inspect.signature(spec.reference).parameters)
    for k, (label, kwargs) in enumerate(cases, start=1):
        args = [kwargs[name] for name in names]    # positional: your names may differ
        expected = spec.reference(*copy.deepcopy(args))
        try:
            mine = your_function(*copy.deepcopy(args))
        except Exception as error:                   # the reader's bug, reported, not raised
            found = f"raised {type(error).__name__}: {error}"
        else:
            found = difference(mine, expected, spec.rtol, spec.atol)
        if found:
            if verbose:
                print(f"{exercise_id}: differs from the reference on input {k} of {len(cases)} "
                      f"({label}):\n    {found}")
            return False
    if verbose:
        print(f"{exercise_id}: matches the reference on {len(cases)} inputs")
    return True


# --------------------------------------------------------------------------------------------
# Shared input makers

def _gru_parameters(rng, input_size, hidden_size, scale=0.5):
    """Random GRU cell parameters in PyTorch's layout, float64, as keyword arguments."""
    return dict(weight_ih=scale * rng.normal(size=(3 * hidden_size, input_size)),
                weight_hh=scale * rng.normal(size=(3 * hidden_size, hidden_size)),
                bias_ih=scale * rng.normal(size=3 * hidden_size),
                bias_hh=scale * rng.normal(size=3 * hidden_size))


def _gru_step_inputs(rng):
    """x (N, H_in), h (N, H) and cell parameters: one unit, a batch of one, a zero state,
    saturated gates, a larger batch."""
    def case(n, input_size, hidden_size, x_scale=1.0, h=None, scale=0.5):
        kwargs = dict(x=x_scale * rng.normal(size=(n, input_size)),
                      h=np.tanh(rng.normal(size=(n, hidden_size))) if h is None else h)
        kwargs.update(_gru_parameters(rng, input_size, hidden_size, scale))
        return kwargs
    return [("one unit, one input, batch of one", case(1, 1, 1)),
            ("batch of one, H_in = 3, H = 5", case(1, 3, 5)),
            ("zero state h = 0", case(2, 3, 4, h=np.zeros((2, 4)))),
            ("large inputs: saturated gates", case(3, 2, 4, x_scale=20.0, scale=2.0)),
            ("batch of 4, H_in = 3, H = 5", case(4, 3, 5)),
            ("batch of 8, H_in = 6, H = 7", case(8, 6, 7))]


# --------------------------------------------------------------------------------------------
# Chapter 1

def _inputs_parameter_count(rng):
    return [(f"H_in={a}, H={b}, K={c}, D={d}", dict(input_size=a, hidden_size=b, num_layers=c,
                                                    num_directions=d))
            for a, b, c, d in [(1, 1, 1, 1), (5, 7, 1, 1), (5, 7, 1, 2), (5, 7, 3, 2),
                               (10, 20, 2, 1), (2, 64, 4, 2)]]


@exercise("ch1-ex-params", _inputs_parameter_count)
def rnn_parameter_count(input_size, hidden_size, num_layers, num_directions):
    """-> the number of parameters of ``torch.nn.RNN(input_size, hidden_size, num_layers,
    bidirectional=(num_directions == 2))`` with biases."""
    D, H = num_directions, hidden_size
    return D * H * (input_size + H + 2) + (num_layers - 1) * D * H * (D * H + H + 2)


def _inputs_power_norms(rng):
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    return [("1 x 1 matrix", dict(W=np.array([[0.9]]), k_max=10)),
            ("zero matrix: W^0 = I", dict(W=np.zeros((3, 3)), k_max=5)),
            ("identity", dict(W=np.eye(4), k_max=20)),
            ("0.95 times an orthogonal matrix", dict(W=0.95 * q, k_max=50)),
            ("the non-normal matrix of the exercise",
             dict(W=np.array([[0.9, 5.0], [0.0, 0.9]]), k_max=100))]


@exercise("ch1-ex-linear", _inputs_power_norms)
def power_norms(W, k_max):
    """W (H, H), k_max -> (k_max + 1,) spectral norms ``||W^k||_2`` for k = 0, ..., k_max: the
    norm of the Jacobian of a linear RNN across k steps."""
    return np.array([np.linalg.norm(np.linalg.matrix_power(W, k), 2) for k in range(k_max + 1)])


def _inputs_whh_contributions(rng):
    def case(length, n, input_size, hidden_size, scale=0.5):
        return dict(x=rng.normal(size=(length, n, input_size)),
                    weight_ih=scale * rng.normal(size=(hidden_size, input_size)),
                    weight_hh=scale * rng.normal(size=(hidden_size, hidden_size)),
                    bias_ih=scale * rng.normal(size=hidden_size),
                    bias_hh=scale * rng.normal(size=hidden_size))
    return [("one step, one unit", case(1, 1, 1, 1)),
            ("two steps", case(2, 1, 2, 3)),
            ("batch of 3", case(6, 3, 2, 4)),
            ("60 steps, H = 8", case(60, 1, 3, 8, scale=1.0 / np.sqrt(8)))]


@exercise("ch1-ex-whh", _inputs_whh_contributions)
def whh_contributions(x, weight_ih, weight_hh, bias_ih, bias_hh):
    """x (L, N, H_in) and a tanh RNN's parameters, h_0 = 0, loss ``sum(h_L)`` -> (L, H, H): the
    contribution ``delta_t h_{t-1}^T`` of each step t = 1..L to dL/dW_hh (they sum to it)."""
    h, caches = np.zeros((x.shape[1], weight_hh.shape[0])), []
    for x_t in x:
        h, cache = rnn_cell_forward(x_t @ weight_ih.T + bias_ih, h, weight_hh, bias_hh)
        caches.append(cache)
    d_h, contributions = np.ones_like(h), []
    for cache in reversed(caches):
        grads = {"weight_hh": np.zeros_like(weight_hh), "bias_hh": np.zeros_like(bias_hh)}
        _, d_h = rnn_cell_backward(d_h, cache, weight_hh, grads)
        contributions.append(grads["weight_hh"])
    return np.stack(contributions[::-1])


# --------------------------------------------------------------------------------------------
# Chapter 2

def _inputs_gru_parameter_count(rng):
    return [(f"H_in={a}, H={b}, num_layers={c}, bidirectional={d}",
             dict(input_size=a, hidden_size=b, num_layers=c, bidirectional=d))
            for a, b, c, d in [(1, 1, 1, False), (10, 20, 2, True), (64, 128, 2, True),
                               (3, 5, 1, True), (3, 5, 3, False), (7, 2, 4, True)]]


@exercise("ch2-ex-count", _inputs_gru_parameter_count)
def gru_parameter_count(input_size, hidden_size, num_layers, bidirectional):
    """-> the number of parameters of ``torch.nn.GRU(input_size, hidden_size, num_layers,
    bidirectional=bidirectional)`` with biases: 3H(H_in + H + 2) per direction of layer 0."""
    D, H = 2 if bidirectional else 1, hidden_size
    return D * 3 * H * (input_size + H + 2) + (num_layers - 1) * D * 3 * H * (D * H + H + 2)


@exercise("ch2-ex-before", _gru_step_inputs)
def gru_cell_before(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """x (N, H_in), h (N, H), PyTorch-layout parameters -> h' (N, H) of the reset-before GRU:
    n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)."""
    h_new, _ = gru_cell_forward(x @ weight_ih.T + bias_ih, h, weight_hh, bias_hh, reset="before")
    return h_new


def _inputs_chung(rng):
    def case(input_size, hidden_size):
        shapes = 3 * [(hidden_size, input_size)] + 3 * [(hidden_size, hidden_size)]
        names = ("W_z", "W_r", "W", "U_z", "U_r", "U")
        return {name: rng.normal(size=shape) for name, shape in zip(names, shapes)}
    return [("H_in = 1, H = 1", case(1, 1)), ("H_in = 3, H = 5", case(3, 5)),
            ("H_in = 4, H = 2", case(4, 2))]


@exercise("ch2-ex-chung", _inputs_chung)
def chung_to_torch(W_z, W_r, W, U_z, U_r, U):
    """Chung et al.'s six matrices -> a PyTorch-layout ``state_dict`` (``weight_ih_l0``,
    ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``) of the same GRU with ``reset="before"``."""
    H = W.shape[0]
    return {"weight_ih_l0": np.vstack([W_r, -W_z, W]), "weight_hh_l0": np.vstack([U_r, -U_z, U]),
            "bias_ih_l0": np.zeros(3 * H), "bias_hh_l0": np.zeros(3 * H)}


# --------------------------------------------------------------------------------------------
# Chapter 3

def _inputs_half_life(rng):
    return [(f"k = {k}", dict(k=k)) for k in (1, 2, 10, 50, 1000, 0.5)]


@exercise("ch3-ex-half-life", _inputs_half_life)
def half_life_gate(k):
    """k > 0 -> (z, a_z): the constant update gate z, and its pre-activation a_z, under which a
    unit with candidate 0 keeps half its state after k steps (z^k = 1/2)."""
    z = 0.5 ** (1.0 / k)
    return z, np.log(z / (1.0 - z))


def _inputs_retention(rng):
    return [(f"steps = {s}, keep = {p}", dict(steps=s, keep=p))
            for s, p in [(1, 0.5), (100, 0.9), (10, 0.99), (1000, 0.5), (100, 0.999)]]


@exercise("ch3-ex-retention", _inputs_retention)
def retention_gate(steps, keep):
    """steps, keep in (0, 1) -> (z, a_z): the smallest constant update gate, and pre-activation,
    that keeps the fraction ``keep`` of a state across ``steps`` steps (z^steps = keep)."""
    z = keep ** (1.0 / steps)
    return z, np.log(z / (1.0 - z))


def _inputs_shifted_step(rng):
    cases = []
    for (label, kwargs), (z_shift, r_shift) in zip(
            _gru_step_inputs(rng), [(0.0, 0.0), (2.0, 0.0), (0.0, -3.0), (-6.0, 6.0),
                                    (6.0, -6.0), (1.5, 0.5)]):
        cases.append((f"{label}, z shift {z_shift:g}, r shift {r_shift:g}",
                      dict(kwargs, z_shift=z_shift, r_shift=r_shift)))
    return cases


@exercise("ch3-ex-vector-explorer", _inputs_shifted_step)
def shifted_gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh, z_shift, r_shift):
    """One reset-after GRU step with ``r_shift`` added to the reset gate's input bias b_ir and
    ``z_shift`` to the update gate's b_iz -> (r, z, n, h'), each (N, H)."""
    H = h.shape[-1]
    shifted = bias_ih.copy()
    shifted[:H] += r_shift
    shifted[H:2 * H] += z_shift
    h_new, (_, r, z, n, _) = gru_cell_forward(x @ weight_ih.T + shifted, h, weight_hh, bias_hh)
    return r, z, n, h_new


def _inputs_pinned_reset(rng):
    cases = []
    for (label, kwargs), r in zip(_gru_step_inputs(rng), [1.0, 0.0, 0.5, 0.2, 1.0, 0.0]):
        H = kwargs["h"].shape[-1]
        cases.append((f"{label}, r = {r:g}", dict(kwargs, r=np.full(H, r))))
    label, kwargs = cases[-2]
    H = kwargs["h"].shape[-1]
    cases.append(("r from 0.2 to 0.8 across units", dict(kwargs, r=np.linspace(0.2, 0.8, H))))
    return cases


@exercise("ch3-ex-reset-before", _inputs_pinned_reset)
def pinned_reset_candidates(x, h, weight_ih, weight_hh, bias_ih, bias_hh, r):
    """The candidate of a GRU step with the reset gate pinned to r (H,) -> (n_after, n_before),
    each (N, H): reset-after tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) and reset-before
    tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)."""
    H = h.shape[-1]
    W_in, W_hn = weight_ih[2 * H:], weight_hh[2 * H:]
    b_in, b_hn = bias_ih[2 * H:], bias_hh[2 * H:]
    n_after = np.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    n_before = np.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    return n_after, n_before


# --------------------------------------------------------------------------------------------
# Chapter 3 (continued)
# ch3-ex-retention, ch3-ex-vector-explorer and ch3-ex-reset-before are registered above, next to
# ch3-ex-half-life; the chapter's solutions call ``check`` on them.


# --------------------------------------------------------------------------------------------
# Chapter 4

def _inputs_clip_by_norm(rng):
    def gru_grads(input_size, hidden_size, scale, layers=1):
        shapes = {}
        for k in range(layers):
            width = input_size if k == 0 else hidden_size
            shapes.update({f"weight_ih_l{k}": (3 * hidden_size, width),
                           f"weight_hh_l{k}": (3 * hidden_size, hidden_size),
                           f"bias_ih_l{k}": (3 * hidden_size,), f"bias_hh_l{k}": (3 * hidden_size,)})
        return {name: scale * rng.normal(size=shape) for name, shape in shapes.items()}
    return [("one array [3, 4]: norm 5, max_norm 1",
             dict(grads={"weight": np.array([3.0, 4.0])}, max_norm=1.0)),
            ("already shorter than max_norm: unchanged", dict(grads=gru_grads(2, 3, 0.01),
                                                              max_norm=10.0)),
            ("every gradient zero", dict(grads=gru_grads(1, 1, 0.0), max_norm=1.0)),
            ("one unit, one input", dict(grads=gru_grads(1, 1, 1.0), max_norm=0.1)),
            ("GRU with H_in = 3, H = 8, max_norm 0.5", dict(grads=gru_grads(3, 8, 1.0),
                                                            max_norm=0.5)),
            ("two layers, one array much larger than the others",
             dict(grads=dict(gru_grads(4, 6, 0.1, layers=2), weight_hh_l1=100.0 * np.ones((18, 6))),
                  max_norm=1.0))]


# rtol 1e-5: a solution without torch's 1e-6 in the factor also passes (except on zero gradients
# with Python floats, where it divides by zero).
@exercise("ch4-ex-clip-numpy", _inputs_clip_by_norm, rtol=1e-5, atol=1e-12)
def clip_by_norm(grads, max_norm):
    """grads (a dict of arrays), max_norm -> (clipped, norm): the gradients scaled together by
    ``min(1, max_norm / (norm + 1e-6))`` as ``torch.nn.utils.clip_grad_norm_`` does (a new dict,
    same keys), and their joint 2-norm before clipping."""
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = min(1.0, max_norm / (norm + 1e-6))
    return {name: scale * g for name, g in grads.items()}, norm


__all__ = ["EXERCISES", "Exercise", "check", "describe", "difference", "exercise"]


# --------------------------------------------------------------------------------------------
# Chapter 5

def _inputs_chrono(rng):
    return [("one unit, u = 1", dict(u=np.array([1.0]))),
            ("u at the ends of U(1, 99)", dict(u=np.array([1.0, 99.0]))),
            ("eight units drawn from U(1, 99)", dict(u=rng.uniform(1, 99, 8))),
            ("T_max = 1000", dict(u=rng.uniform(1, 999, 5)))]


@exercise("ch5-ex-timescale", _inputs_chrono)
def chrono_time_constants(u):
    """u (H,) drawn from U(1, T_max - 1) -> (copied, correct), each (H,): the time constants
    1/(1 - z) at rest of a PyTorch GRU whose update-gate bias is b_z = -log u (the sign copied from
    h' = z ⊙ n + (1 - z) ⊙ h) and b_z = +log u (chrono in PyTorch's convention)."""
    z_copied = 1 / (1 + np.exp(np.log(u)))             # σ(-log u) = 1 / (1 + u)
    z_correct = 1 / (1 + np.exp(-np.log(u)))           # σ(+log u) = u / (1 + u)
    return 1 / (1 - z_copied), 1 / (1 - z_correct)


def _inputs_adagrad(rng):
    def case(shape, lr=0.05, eps=1e-10, fresh=False, g_scale=1.0):
        return dict(theta=rng.normal(size=shape), g=g_scale * rng.normal(size=shape),
                    s=np.zeros(shape) if fresh else rng.uniform(0, 2, shape), lr=lr, eps=eps)
    return [("first step: s = 0, one parameter", case((1,), fresh=True)),
            ("first step: s = 0, a (3, 4) matrix", case((3, 4), fresh=True)),
            ("a later step: s > 0", case((5,))),
            ("first step, tiny gradients, eps = 1e-3",
             case((2, 3), eps=1e-3, fresh=True, g_scale=1e-6)),
            ("a zero gradient and s = 0: eps keeps it finite",
             dict(theta=np.ones(2), g=np.zeros(2), s=np.zeros(2), lr=0.1, eps=1e-10))]


@exercise("ch5-ex-adagrad", _inputs_adagrad)
def adagrad_update(theta, g, s, lr, eps):
    """theta, g, s (same shape), lr, eps -> (theta', s'): one Adagrad step as torch.optim.Adagrad
    takes it (lr_decay = 0): s' = s + g², theta' = theta - lr g / (sqrt(s') + eps)."""
    s_new = s + g * g
    return theta - lr * g / (np.sqrt(s_new) + eps), s_new


def _inputs_l1(rng):
    def case(n, hidden_size, l1):
        return dict(y_hat=rng.normal(size=(n, 1)), y=rng.normal(size=(n, 1)),
                    weight_hh=rng.normal(size=(3 * hidden_size, hidden_size)), l1=l1)
    return [("l1 = 0: the plain mean squared error", case(4, 2, 0.0)),
            ("batch of one, one unit", case(1, 1, 1e-2)),
            ("batch of 8, H = 5", case(8, 5, 1e-4)),
            ("a large penalty", case(3, 4, 1.0))]


@exercise("ch5-ex-l1", _inputs_l1)
def mse_with_l1(y_hat, y, weight_hh, l1):
    """y_hat, y (N, 1), weight_hh (3H, H), l1 -> the scalar mean((y_hat - y)²) + l1 Σ |W_hh|."""
    return ((y_hat - y) ** 2).mean() + l1 * abs(weight_hh).sum()


def _inputs_fixed_budget(rng):
    return [(f"budget {n}, batch {b}, L = {L}, H = {H}",
             dict(batch=b, budget=n, length=L, hidden_size=H, lr=0.02, seed=s))
            for b, n, L, H, s in [(32, 32, 4, 2, 0), (4, 32, 4, 3, 0), (8, 64, 6, 4, 1),
                                  (5, 48, 5, 3, 2)]]


@exercise("ch5-ex-batch", _inputs_fixed_budget, rtol=1e-5, atol=1e-8)
def fixed_budget_error(batch, budget, length, hidden_size, lr, seed):
    """-> the validation MSE, on ``data.adding_problem(256, length, seed=2)``, of the chapter's
    ``NumpyAdder(hidden_size, seed)`` after ``budget // batch`` Adam steps (learning rate ``lr``,
    gradient norm clipped at 1) on consecutive batches of ``data.adding_problem(budget, length,
    seed=1)``: the first ``budget // batch * batch`` sequences, each seen once."""
    from . import data
    from .numpy import GRU, optim
    x, y = data.adding_problem(budget, length, seed=1)
    x_val, y_val = data.adding_problem(256, length, seed=2)
    gru = GRU(2, hidden_size, batch_first=True, seed=seed)
    k = 1 / np.sqrt(hidden_size)                       # the read-out as NumpyAdder draws it
    readout_rng = np.random.default_rng(seed)
    w = readout_rng.uniform(-k, k, (1, hidden_size)).astype(np.float32)
    b = readout_rng.uniform(-k, k, 1).astype(np.float32)
    adam = optim.Adam(gru.named_parameters() + [("readout.weight", w), ("readout.bias", b)], lr=lr)
    for step in range(budget // batch):
        x_b, y_b = x[step * batch:(step + 1) * batch], y[step * batch:(step + 1) * batch]
        output, _ = gru(x_b)
        h_last = output[:, -1]
        d_y_hat = 2 * (h_last @ w.T + b - y_b) / y_b.size
        d_output = np.zeros_like(output)
        d_output[:, -1] = d_y_hat @ w
        grads = gru.backward(d_output)
        grads["readout.weight"] = d_y_hat.T @ h_last
        grads["readout.bias"] = d_y_hat.sum(axis=0)
        optim.clip_grad_norm(grads, 1.0, names=adam.params)
        adam.step(grads)
    output, _ = gru(x_val)
    return float(np.mean((output[:, -1] @ w.T + b - y_val) ** 2))
# Section 8.1

def _inputs_min_lstm_gate_grads(rng):
    """d_a, d_b (..., H) and gi = [k_f | k_i | k_n] (..., 3H): one unit, moderate and saturated
    gates, k_n = 0 exactly, a (L, N, 3H) block."""
    def case(shape, H, scale=1.0, gi=None):
        return dict(d_a=rng.normal(size=shape + (H,)), d_b=rng.normal(size=shape + (H,)),
                    gi=scale * rng.normal(size=shape + (3 * H,)) if gi is None else gi)
    H = 4
    k_n_zero = np.concatenate([rng.normal(size=(5, 2 * H)), np.zeros((5, H))], axis=-1)
    return [("one unit, one step", case((1,), 1)),
            ("6 steps, H = 3", case((6,), 3)),
            ("k_n = 0 exactly: the k >= 0 branch of g", case((5,), H, gi=k_n_zero)),
            ("saturated gates: |k| up to about 60", case((6,), 3, scale=20.0)),
            ("(L, N, 3H) = (7, 2, 15)", case((7, 2), 5))]


@exercise("ch8-mingru-ex-lstm", _inputs_min_lstm_gate_grads)
def min_lstm_gate_grads(d_a, d_b, gi):
    """d_a, d_b (..., H), gi = [k_f | k_i | k_n] (..., 3H) -> d_gi (..., 3H): minLSTM's gradient
    through a = σ(u), b = (1 − a) g(k_n), u = log σ(k_f) − log σ(k_i); g'(0) = 1 (k ≥ 0 branch)."""
    from .numpy.mingru import min_lstm_coefficients_backward
    return min_lstm_coefficients_backward(d_a, d_b, gi)
# Chapter 7

def _inputs_gru_shapes(rng):
    return [(f"N={n}, L={length}, H_in={a}, H={b}, num_layers={c}, bidirectional={d}",
             dict(batch=n, length=length, input_size=a, hidden_size=b, num_layers=c,
                  bidirectional=d))
            for n, length, a, b, c, d in [(1, 1, 1, 1, 1, False), (5, 12, 10, 8, 3, True),
                                          (2, 7, 3, 4, 1, True), (4, 3, 6, 5, 2, False),
                                          (3, 9, 2, 16, 4, True)]]


@exercise("ch7-ex-hn-index", _inputs_gru_shapes)
def gru_shapes(batch, length, input_size, hidden_size, num_layers, bidirectional):
    """-> (shape of ``output``, shape of ``h_n``, number of parameters) of ``torch.nn.GRU(
    input_size, hidden_size, num_layers, bidirectional=bidirectional, batch_first=True)`` on
    ``batch`` sequences of ``length`` steps: (N, L, D H), (num_layers D, N, H)."""
    D = 2 if bidirectional else 1
    return ((batch, length, D * hidden_size), (num_layers * D, batch, hidden_size),
            gru_parameter_count(input_size, hidden_size, num_layers, bidirectional))


def _inputs_padding_fraction(rng):
    return [("one batch of equal lengths", dict(lengths=np.array([4, 4, 4]), batch_size=3)),
            ("batches of one: no padding", dict(lengths=np.array([3, 9, 1]), batch_size=1)),
            ("a smaller last batch", dict(lengths=np.array([2, 5, 3, 1, 7]), batch_size=2)),
            ("200 random lengths, batches of 32",
             dict(lengths=rng.integers(5, 101, size=200), batch_size=32)),
            ("sorted lengths, batches of 16",
             dict(lengths=np.sort(rng.integers(1, 50, size=100)), batch_size=16))]


@exercise("ch7-ex-bucketing", _inputs_padding_fraction)
def padding_fraction(lengths, batch_size):
    """lengths (n,) in the order the data is read, batch_size -> the fraction of the computed
    steps that are padding when consecutive batches are each padded to their longest sequence."""
    batches = [lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)]
    computed = sum(len(batch) * batch.max() for batch in batches)
    return 1 - lengths.sum() / computed


def _inputs_front_padding(rng):
    import torch

    def case(lengths, L, features):
        x = torch.zeros(len(lengths), L, features, dtype=torch.float64)
        for i, n in enumerate(lengths):
            x[i, L - n:] = torch.from_numpy(rng.normal(size=(n, features)))
        return dict(x=x, lengths=torch.tensor(lengths))
    return [("one sequence, no padding", case([3], 3, 2)),
            ("one step of data", case([1], 4, 1)),
            ("the chapter's lengths 6, 2, 4", case([6, 2, 4], 6, 3)),
            ("five sequences, lengths 1 to 9", case([9, 1, 5, 7, 2], 9, 2))]


@exercise("ch7-ex-left-padding", _inputs_front_padding)
def front_to_end_padding(x, lengths):
    """x (N, L, F), a tensor padded at the front (sequence i in its last ``lengths[i]`` steps),
    lengths (N,) -> (N, L, F): each sequence moved to the first steps, the padding after it."""
    import torch
    L = x.shape[1]
    return torch.stack([torch.roll(x_i, int(n) - L, dims=0) for x_i, n in zip(x, lengths)])


class _Causal:
    """A sequence model (N, L, F) -> (N, L, K) for the causality check, by ``kind``: "gru" or
    "gru, bidirectional" (its features summed), "running sum" (causal) or "one step ahead" (the
    output at step t is the input at step t + 1)."""

    def __init__(self, rng, kind, features=2, hidden=4):
        import torch
        self.kind = kind
        if kind.startswith("gru"):
            bidirectional = kind == "gru, bidirectional"
            with torch.random.fork_rng(devices=[]):        # leave the reader's global RNG alone
                self.gru = torch.nn.GRU(features, hidden, batch_first=True,
                                        bidirectional=bidirectional, dtype=torch.float64)
            self.gru.load_state_dict({k: torch.from_numpy(0.5 * rng.normal(size=v.shape))
                                      for k, v in self.gru.state_dict().items()})

    def __call__(self, x):
        import torch
        if self.kind.startswith("gru"):
            return self.gru(x)[0].sum(-1, keepdim=True)
        if self.kind == "running sum":
            return torch.cumsum(x, dim=1)
        return torch.cat([x[:, 1:], x[:, -1:]], dim=1)       # "one step ahead": reads x_{t+1}


def _inputs_causality(rng):
    import torch

    def x(n, length):
        return torch.from_numpy(rng.normal(size=(n, length, 2)))
    return [("running sum, t = 1", dict(model=_Causal(rng, "running sum"), x=x(1, 3), t=1)),
            ("one step of look-ahead, t = 4",
             dict(model=_Causal(rng, "one step ahead"), x=x(2, 6), t=4)),
            ("forward GRU, t = 5", dict(model=_Causal(rng, "gru"), x=x(3, 8), t=5)),
            ("bidirectional GRU, t = 5",
             dict(model=_Causal(rng, "gru, bidirectional"), x=x(3, 8), t=5)),
            ("bidirectional GRU, t = L: no future to change",
             dict(model=_Causal(rng, "gru, bidirectional"), x=x(2, 4), t=4))]


@exercise("ch7-ex-causality", _inputs_causality)
def changed_steps(model, x, t):
    """model: a tensor (N, L, F) -> (N, L, K), x (N, L, F), t -> how many of the outputs at
    steps 1..t change when the inputs after step t are replaced (0 for a causal model)."""
    import torch
    changed = x.clone()
    changed[:, t:] = torch.randn(changed[:, t:].shape, dtype=x.dtype,
                                 generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        before, after = model(x)[:, :t], model(changed)[:, :t]
    return sum(not torch.equal(before[:, s], after[:, s]) for s in range(t))


# --------------------------------------------------------------------------------------------
# Chapter 8

def _inputs_forget_bias(rng):
    def lstm(input_size, hidden_size):
        return {"weight_ih_l0": rng.normal(size=(4 * hidden_size, input_size)),
                "weight_hh_l0": rng.normal(size=(4 * hidden_size, hidden_size)),
                "bias_ih_l0": rng.normal(size=4 * hidden_size),
                "bias_hh_l0": rng.normal(size=4 * hidden_size)}

    def cifg(input_size, hidden_size):
        return {"weight_ih_l0": rng.normal(size=(3 * hidden_size, input_size)),
                "weight_hh_l0": rng.normal(size=(3 * hidden_size, hidden_size)),
                "bias_l0": rng.normal(size=3 * hidden_size)}
    return [("LSTM, H = 1", dict(parameters=lstm(1, 1))),
            ("LSTM, H_in = 2, H = 5", dict(parameters=lstm(2, 5))),
            ("CIFG LSTM, H = 1", dict(parameters=cifg(1, 1))),
            ("CIFG LSTM, H_in = 3, H = 4", dict(parameters=cifg(3, 4)))]


@exercise("ch8-ex-forget-bias", _inputs_forget_bias)
def forget_bias_one(parameters):
    """The ``state_dict`` of a one-layer LSTM (``bias_ih_l0``, ``bias_hh_l0``: 4H rows, gates
    [i; f; g; o]) or CIFG LSTM (one ``bias_l0``: 3H rows, [f; g; o]) -> a copy whose forget-gate
    biases add up to 1 (0.5 in each of the LSTM's two, 1 in the CIFG LSTM's one)."""
    result = {name: value.copy() for name, value in parameters.items()}
    if "bias_l0" in result:
        H = len(result["bias_l0"]) // 3
        result["bias_l0"][:H] = 1.0
    else:
        H = len(result["bias_ih_l0"]) // 4
        result["bias_ih_l0"][H:2 * H] = result["bias_hh_l0"][H:2 * H] = 0.5
    return result


def _inputs_conv_counts(rng):
    return [(f"C_in={a}, C={b}, k={k}, frame {h}x{w}",
             dict(input_channels=a, hidden_channels=b, kernel_size=k, height=h, width=w))
            for a, b, k, h, w in [(1, 1, 1, 1, 1), (3, 4, 3, 5, 5), (2, 8, 5, 4, 6),
                                  (512, 256, 3, 28, 28)]]


@exercise("ch8-ex-convcount", _inputs_conv_counts)
def conv_and_dense_counts(input_channels, hidden_channels, kernel_size, height, width):
    """-> (parameters of a ConvGRU layer with one bias per gate, 3C(k²(C_in + C) + 1); parameters
    of a ``torch.nn.GRU`` reading the flattened C_in·height·width frame into a state of
    C·height·width units)."""
    C, k = hidden_channels, kernel_size
    H_in, H = input_channels * height * width, hidden_channels * height * width
    return 3 * C * (k * k * (input_channels + C) + 1), 3 * H * (H_in + H + 2)


# --------------------------------------------------------------------------------------------
# Chapter 9

def _inputs_seasonal_naive(rng):
    def case(length, m, n_test, scale):
        return dict(y=rng.normal(size=length).cumsum(), test=np.arange(length - n_test, length),
                    m=m, scale=scale)
    return [("m = 1: the last value", case(10, 1, 3, 1.0)),
            ("one test hour, m = 168", case(200, 168, 1, 2.0)),
            ("m = 24, 20 test hours", case(100, 24, 20, 0.5)),
            ("m = 168, 30 test hours", case(400, 168, 30, 1.3))]


@exercise("ch9a-ex-seasonal168", _inputs_seasonal_naive)
def seasonal_naive_scores(y, test, m, scale):
    """y (T,), test (n,) indices t >= m, season m, MASE unit scale -> (MAE, RMSE, MASE) of the
    seasonal-naive forecast y[t - m] of y[t] over the test indices."""
    error = y[test - m] - y[test]
    return np.abs(error).mean(), np.sqrt((error ** 2).mean()), np.abs(error).mean() / scale


def _inputs_price_mae(rng):
    def case(length, n_days):
        close = 100 * np.exp(0.02 * rng.normal(size=length).cumsum())
        forecast = 0.01 * rng.normal(size=length)
        return dict(close=close, forecast=forecast, days=np.arange(length - n_days, length))
    return [("one day", case(5, 1)), ("a zero forecast: the last value",
                                      dict(case(20, 10), forecast=np.zeros(20))),
            ("30 days", case(100, 30)), ("315 days", case(1047, 315))]


@exercise("ch9a-ex-seeds", _inputs_price_mae)
def price_mae_from_log_returns(close, forecast, days):
    """close (T,) prices, forecast (T,) with forecast[t] the predicted log return from day t to
    day t + 1, days (n,) -> the mean absolute error of the price forecasts
    close[d - 1] exp(forecast[d - 1]) of close[d] over the days d."""
    return np.abs(close[days - 1] * np.exp(forecast[days - 1]) - close[days]).mean()


def _inputs_combined_scores(rng):
    def case(n, nan_steps=0):
        score_b = np.abs(rng.normal(size=n))
        score_b[:nan_steps] = np.nan                      # undefined: no value a season earlier
        return dict(score_a=np.abs(rng.normal(size=n)), threshold_a=2.0,
                    score_b=score_b, threshold_b=0.5)
    return [("one hour", case(1)), ("ten hours", case(10)),
            ("the second score undefined for its first 24 hours", case(48, nan_steps=24))]


@exercise("ch9b-ex-combine", _inputs_combined_scores)
def combined_score(score_a, threshold_a, score_b, threshold_b):
    """Two anomaly scores (T,) and their thresholds -> (T,) the larger of score/threshold of the
    two, 1 at either threshold; where one score is undefined (NaN), the other one."""
    return np.fmax(score_a / threshold_a, score_b / threshold_b)


def _inputs_known_words(rng):
    training = "The GRU keeps a state; the state is kept by the update gate (z)."
    return [("one known word", dict(text="state", training_text=training)),
            ("case matters", dict(text="the The THE", training_text=training)),
            ("punctuation and digits split words",
             dict(text="gate,z kept2state: the-GRU", training_text=training)),
            ("a longer sample", dict(text="The statte is kept by gates and the GRU keeps it.",
                                     training_text=training))]


@exercise("ch9c-ex-temperature", _inputs_known_words)
def known_word_fraction(text, training_text):
    """-> the fraction of the words of ``text`` (runs of letters A-Z, a-z) that occur as words in
    ``training_text``; case counts."""
    import re
    vocabulary = set(re.findall(r"[A-Za-z]+", training_text))
    return np.mean([word in vocabulary for word in re.findall(r"[A-Za-z]+", text)])


def _inputs_negation_gap(rng):
    negators, opinions = {"not", "never"}, {"good", "dull", "bad"}
    return [(review, dict(review=review, negators=negators, opinions=opinions))
            for review in ["good", "not good", "the film was not very really good",
                           "never so dull", "it was not good but bad", "a very dull film"]]


@exercise("ch9d-ex-longer", _inputs_negation_gap)
def negation_gap(review, negators, opinions):
    """A review (words separated by spaces) with at least one opinion word -> the number of
    words between its negator and its opinion word; -1 if it has no negator or more than one
    opinion word."""
    words = review.split()
    if sum(word in opinions for word in words) > 1 or not negators & set(words):
        return -1
    opinion = next(i for i, word in enumerate(words) if word in opinions)
    negator = next(i for i, word in enumerate(words) if word in negators)
    return opinion - negator - 1


class _TinySeq2Seq:
    """A stand-in for Section 9e's ``Seq2Seq`` with its interface, ``encode(x) -> (memory, s_0)``
    and ``step(y_prev, s, memory) -> (logits, s', attention weights)``: embeddings, tanh encoder
    and decoder, dot-product attention; float64, untrained."""

    def __init__(self, rng, n_symbols=6, hidden=4):
        import torch
        self.embed, self.W_enc, self.W_dec, self.W_out = (
            torch.from_numpy(rng.normal(size=shape)) for shape in
            [(n_symbols, hidden), (hidden, hidden), (hidden, hidden), (n_symbols, 2 * hidden)])

    def encode(self, x):
        import torch
        memory = torch.tanh(self.embed[x] @ self.W_enc.T)                 # (N, S, H)
        return memory, memory.mean(dim=1)

    def step(self, y_prev, s_prev, memory):
        import torch
        s = torch.tanh(self.embed[y_prev] + s_prev @ self.W_dec.T)        # (N, H)
        alpha = torch.softmax((memory @ s[:, :, None])[..., 0], dim=-1)   # (N, S)
        context = (alpha[..., None] * memory).sum(dim=1)
        return torch.cat([s, context], dim=-1) @ self.W_out.T, s, alpha


def _inputs_scheduled(rng):
    import torch

    def case(n, source_length, target_length, p_true):
        return dict(model=_TinySeq2Seq(rng),
                    x=torch.from_numpy(rng.integers(1, 6, size=(n, source_length))),
                    y=torch.from_numpy(rng.integers(0, 6, size=(n, target_length))),
                    p_true=p_true, generator=torch.Generator().manual_seed(0))
    return [("p_true = 1: teacher forcing, one step", case(1, 3, 1, 1.0)),
            ("p_true = 0: free running, one step", case(1, 3, 1, 0.0)),
            ("p_true = 1, batch of 3, 5 steps", case(3, 4, 5, 1.0)),
            ("p_true = 0, batch of 3, 5 steps", case(3, 4, 5, 0.0))]


@exercise("ch9e-ex-scheduled", _inputs_scheduled)
def forward_scheduled(model, x, y, p_true, generator):
    """A model with ``encode`` and ``step`` as in Section 9e, x (N, S) and y (N, T) symbol ids,
    p_true, a ``torch.Generator`` -> logits (N, T, V). The decoder starts from symbol 0, then
    reads y[:, t - 1] with probability p_true and its own most likely symbol otherwise, a coin
    per example and step. Checked at p_true = 1 and 0, where the coins decide nothing."""
    import torch
    memory, s = model.encode(x)
    y_prev, logits = torch.zeros(len(x), dtype=torch.long), []
    for t in range(y.shape[1]):
        scores, s, _ = model.step(y_prev, s, memory)
        logits.append(scores)
        use_true = torch.rand(len(x), generator=generator) < p_true
        y_prev = torch.where(use_true, y[:, t], scores.argmax(-1))
    return torch.stack(logits, dim=1)


def _inputs_pair_counts(rng):
    return [("one session, one triple", dict(sessions=[np.array([0, 1, 2])], n_items=3)),
            ("sessions too short for a triple",
             dict(sessions=[np.array([1]), np.array([2, 0])], n_items=3)),
            ("a repeated triple", dict(sessions=[np.array([1, 1, 1, 1]), np.array([0, 1, 1, 1])],
                                       n_items=2)),
            ("20 random sessions of 8 items",
             dict(sessions=[rng.integers(0, 8, size=rng.integers(1, 12)) for _ in range(20)],
                  n_items=8))]


@exercise("ch9f-ex-second-order", _inputs_pair_counts)
def pair_counts(sessions, n_items):
    """sessions: a list of item-id arrays, n_items -> (n_items, n_items, n_items) counts: entry
    [a, b, c] is how often c followed the pair of clicks (a, b)."""
    counts = np.zeros((n_items, n_items, n_items))
    for s in sessions:
        np.add.at(counts, (s[:-2], s[1:-1], s[2:]), 1)
    return counts


def _inputs_expected_success(rng):
    def case(n, p_left=None, left_share=0.5):
        cue = (rng.random(n) > left_share).astype(int)
        cue[:2] = [0, 1]                                   # both cues occur
        p = rng.random(n) if p_left is None else np.full(n, p_left)
        return dict(probs=np.stack([p, 1 - p], axis=1), cue=cue)
    return [("two episodes", case(2)), ("a memoryless policy, left with probability 0.9",
                                        case(20, p_left=0.9)),
            ("nine left cues in ten", case(50, left_share=0.9)),
            ("200 episodes", case(200))]


@exercise("ch9g-ex-memoryless-proof", _inputs_expected_success)
def expected_success(probs, cue):
    """probs (n, 2) the policy's probabilities of (left, right) at the junction, cue (n,) the
    correct turn (0 left, 1 right) -> the probability of the correct turn averaged over the
    left-cue and the right-cue episodes, each cue weighted one half."""
    correct = probs[np.arange(len(cue)), cue]
    return np.mean([correct[cue == c].mean() for c in (0, 1)])


# --------------------------------------------------------------------------------------------
# Chapter 10

def _inputs_stream(rng):
    def case(n, length, input_size, hidden_size):
        gru = _gru_parameters(rng, input_size, hidden_size)
        p = {f"gru.{name}_l0": value.astype(np.float32) for name, value in gru.items()}
        p["head.weight"] = rng.normal(size=(1, hidden_size)).astype(np.float32)
        p["head.bias"] = rng.normal(size=1).astype(np.float32)
        return dict(p=p, xs=rng.normal(size=(n, length, input_size)).astype(np.float32))
    return [("one step, one unit", case(1, 1, 2, 1)), ("batch of one, 10 steps", case(1, 10, 2, 8)),
            ("batch of 4, 30 steps, H = 16", case(4, 30, 2, 16))]


@exercise("ch10-ex-numpy-stream", _inputs_stream, rtol=1e-5, atol=1e-6)
def stream_numpy(p, xs):
    """p: float32 arrays ``gru.weight_ih_l0``, ``gru.weight_hh_l0``, ``gru.bias_ih_l0``,
    ``gru.bias_hh_l0``, ``head.weight`` (1, H), ``head.bias`` (1,); xs (N, L, I) -> (N, L, 1):
    the read-out of a reset-after GRU's state at every step, from h_0 = 0."""
    h = np.zeros((xs.shape[0], p["gru.weight_hh_l0"].shape[1]), dtype=np.float32)
    ys = []
    for t in range(xs.shape[1]):
        gi = xs[:, t] @ p["gru.weight_ih_l0"].T + p["gru.bias_ih_l0"]
        h, _ = gru_cell_forward(gi, h, p["gru.weight_hh_l0"], p["gru.bias_hh_l0"], "after")
        ys.append(h @ p["head.weight"].T + p["head.bias"])
    return np.stack(ys, axis=1)


class _StepProgram:
    """A step program like an exported one: (x_t (N, I), h (1, N, H)) -> (y_t (N, 1), h'), here
    a tanh RNN step with a linear read-out, float32."""

    def __init__(self, rng, input_size, hidden_size):
        import torch
        self.weight_ih, self.weight_hh, self.bias, self.weight_out = (
            torch.from_numpy(rng.normal(scale=0.5, size=shape).astype(np.float32))
            for shape in [(hidden_size, input_size), (hidden_size, hidden_size),
                          (hidden_size,), (1, hidden_size)])

    def __call__(self, x_t, h):
        import torch
        h = torch.tanh(x_t @ self.weight_ih.T + h[0] @ self.weight_hh.T + self.bias)[None]
        return h[0] @ self.weight_out.T, h


def _inputs_program_stream(rng):
    import torch

    def case(n, sizes, input_size=2, hidden_size=5):
        chunks = [torch.from_numpy(rng.normal(size=(n, size, input_size)).astype(np.float32))
                  for size in sizes]
        return dict(step_fn=_StepProgram(rng, input_size, hidden_size), chunks=chunks,
                    hidden_size=hidden_size)
    return [("one chunk of one step", case(1, [1])), ("one step per chunk", case(1, [1] * 6)),
            ("irregular chunks", case(2, [3, 1, 7, 2])),
            ("batch of 3, H = 8", dict(case(3, [5, 10, 4], hidden_size=8)))]


@exercise("ch10-ex-export-stream", _inputs_program_stream, rtol=1e-5, atol=1e-6)
def program_stream(step_fn, chunks, hidden_size):
    """step_fn: (x_t (N, I), h (1, N, H)) -> (y_t (N, 1), h'), chunks: tensors (N, L_k, I) of one
    stream, hidden_size -> (N, sum L_k, 1): the outputs of every step, the state carried from
    one chunk to the next, starting from zeros (float32)."""
    import torch
    h, ys = torch.zeros(1, chunks[0].shape[0], hidden_size), []
    with torch.no_grad():
        for chunk in chunks:
            for t in range(chunk.shape[1]):
                y_t, h = step_fn(chunk[:, t], h)
                ys.append(y_t)
    return torch.stack(ys, dim=1)
# Chapter 6

def _inputs_budget(rng):
    return [("the chapter's example", dict(input_size=128, gru_hidden=256)),
            ("one input, one unit", dict(input_size=1, gru_hidden=1)),
            ("the sweep's adding problem", dict(input_size=2, gru_hidden=64)),
            ("input wider than the state", dict(input_size=300, gru_hidden=40)),
            ("random sizes", dict(input_size=int(rng.integers(1, 200)),
                                  gru_hidden=int(rng.integers(1, 300))))]


@exercise("ch6-ex-params", _inputs_budget)
def lstm_width_for_budget(input_size, gru_hidden):
    """-> the hidden size H_L of the one-layer LSTM (PyTorch's two biases) whose parameter count
    4 (H_L I + H_L² + 2 H_L) is closest to that of a GRU of width ``gru_hidden``, 3 (H I + H² + 2 H);
    the smaller width on a tie."""
    budget = 3 * (gru_hidden * input_size + gru_hidden ** 2 + 2 * gru_hidden)
    return min(range(1, gru_hidden + 1),
               key=lambda H: abs(4 * (H * input_size + H * H + 2 * H) - budget))
