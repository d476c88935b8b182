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


__all__ = ["EXERCISES", "Exercise", "check", "describe", "difference", "exercise"]


# --------------------------------------------------------------------------------------------
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
