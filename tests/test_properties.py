"""Property-based tests (hypothesis): the contract holds over shapes, lengths and layouts.

Hypothesis draws L, N, H_in, H, the number of layers, the directions and batch_first; each test
states one property that must hold for all of them:

* both backends agree with torch.nn (oracle: torch.nn, float64, 1e-10);
* the NumPy backward agrees with torch autograd (oracle: autograd through torch.nn or the
  reference GRU of Cho et al., 1e-8);
* output[-1]'s forward half is the last layer's forward h_n, and output[0]'s reverse half is its
  reverse h_n (oracle: the definition of the two outputs, exact);
* an unbatched sequence gives what the same sequence gives as a batch of one.
"""

from dataclasses import dataclass

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from oracles import (GRADIENT_TOL, KINDS, LayerCase, autograd_gradients, flat_numpy,
                     layer_oracle, linear_loss_weights, make_gru_lib, random_state_dict,
                     run_forward)


@dataclass(frozen=True)
class Problem:
    """A drawn configuration and the seed of its random weights, input and state."""

    kind: object
    seq_len: int
    batch: int
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    batch_first: bool
    seed: int

    @property
    def case(self):
        return LayerCase(self.kind, self.num_layers, self.bidirectional,
                         "batch_first" if self.batch_first else "seq_first")

    @property
    def sizes(self):
        return dict(input_size=self.input_size, hidden_size=self.hidden_size)

    def data(self):
        """Weights (torch.nn names), x in the drawn layout, and h0 (a tuple for LSTM)."""
        rng = np.random.default_rng(self.seed)
        state_dict = random_state_dict(self.kind, rng, **self.sizes,
                                       **self.case.constructor_kwargs())
        L, N = self.seq_len, self.batch
        x = rng.standard_normal((N, L, self.input_size) if self.batch_first
                                else (L, N, self.input_size))
        count = self.num_layers * (2 if self.bidirectional else 1)
        states = tuple(rng.standard_normal((count, N, self.hidden_size))
                       for _ in range(2 if self.kind.has_cell_state else 1))
        return state_dict, x, (states if self.kind.has_cell_state else states[0]), rng


def problems(kinds=KINDS):
    return st.builds(Problem, kind=st.sampled_from(kinds), seq_len=st.integers(1, 7),
                     batch=st.integers(1, 4), input_size=st.integers(1, 5),
                     hidden_size=st.integers(1, 5), num_layers=st.integers(1, 3),
                     bidirectional=st.booleans(), batch_first=st.booleans(),
                     seed=st.integers(0, 2**32 - 1))


def build(backend, problem, state_dict):
    module = make_gru_lib(backend, problem.kind, **problem.sizes,
                          **problem.case.constructor_kwargs())
    module.load_state_dict(state_dict)
    return module


@given(problem=problems(), backend=st.sampled_from(["numpy", "torch"]))
def test_backends_agree_with_the_oracle(problem, backend):
    state_dict, x, hx, _ = problem.data()
    forward, _ = layer_oracle(problem.case, state_dict)
    expected = run_forward("torch", forward, x, hx)
    got = run_forward(backend, build(backend, problem, state_dict), x, hx)
    assert [g.shape for g in got] == [e.shape for e in expected]
    assert max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected)) <= 1e-10


@given(problem=problems(), with_d_h_n=st.booleans())
def test_numpy_backward_agrees_with_autograd(problem, with_d_h_n):
    state_dict, x, hx, rng = problem.data()
    module = build("numpy", problem, state_dict)
    weights = linear_loss_weights(flat_numpy(module(x, hx)), rng)
    if not with_d_h_n:
        weights[1:] = [None] * (len(weights) - 1)
    d_h_n = None if not with_d_h_n else (tuple(weights[1:]) if len(weights) > 2 else weights[1])

    got = module.backward(weights[0], d_h_n)

    forward, params = layer_oracle(problem.case, state_dict)
    names = ("h0", "c0") if problem.kind.has_cell_state else ("h0",)
    expected = autograd_gradients(forward, params, x, hx, weights, names)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert float(np.max(np.abs(got[name] - expected[name]))) <= GRADIENT_TOL, name


@given(problem=problems(), backend=st.sampled_from(["numpy", "torch"]))
def test_ends_of_the_output_are_the_final_states(problem, backend):
    """output[t] holds every direction's state at time t: the forward direction ends at t = L−1,
    the reverse direction at t = 0, and those states are the last layer's entries of h_n."""
    state_dict, x, hx, _ = problem.data()
    output, h_n, *_ = run_forward(backend, build(backend, problem, state_dict), x, hx)
    if problem.batch_first:
        output = output.transpose(1, 0, 2)                           # (L, N, D*H)
    H = problem.hidden_size
    if problem.bidirectional:
        assert np.array_equal(output[-1, :, :H], h_n[-2])            # last layer, forward
        assert np.array_equal(output[0, :, H:], h_n[-1])             # last layer, reverse
    else:
        assert np.array_equal(output[-1], h_n[-1])


@given(problem=problems(), backend=st.sampled_from(["numpy", "torch"]))
def test_unbatched_equals_a_batch_of_one(problem, backend):
    state_dict, x, hx, _ = problem.data()
    module = build(backend, problem, state_dict)
    first = x[0] if problem.batch_first else x[:, 0]                  # (L, H_in)
    states = hx if isinstance(hx, tuple) else (hx,)
    first_state = tuple(s[:, 0] for s in states)                     # (count, H)
    batch_of_one = first[None] if problem.batch_first else first[:, None]
    one_state = tuple(s[:, :1] for s in states)

    unbatched = run_forward(backend, module, first,
                            first_state if len(states) > 1 else first_state[0])
    batched = run_forward(backend, module, batch_of_one,
                          one_state if len(states) > 1 else one_state[0])

    batch_axis = 0 if problem.batch_first else 1
    assert np.allclose(unbatched[0], batched[0].squeeze(batch_axis), rtol=0, atol=1e-12)
    for u, b in zip(unbatched[1:], batched[1:]):
        assert np.allclose(u, b[:, 0], rtol=0, atol=1e-12)
