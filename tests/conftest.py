"""Fixtures and settings shared by the unit tests.

The oracles themselves (torch.nn wrappers, the reference GRU of Cho et al., autograd gradients)
live in ``oracles.py`` beside this file, a plain module the test files import.
"""

import os

import pytest
import torch
from hypothesis import settings

# The test problems are tiny (a few units, a few steps): one thread per process is much faster
# than two fighting over two cores, and pytest -n 2 already runs two processes.
torch.set_num_threads(1)

# Property-based tests: no deadline (the first call of a torch op is slow), no example database
# written into the repository, and the same examples on every run so that CI is reproducible.
settings.register_profile("gru_lib", deadline=None, database=None, derandomize=True,
                          max_examples=40)
settings.load_profile("gru_lib")


@pytest.fixture(scope="module")
def keras():
    """The real Keras 3, on its torch backend (imported once per test module; ~5 s)."""
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    assert keras.backend.backend() == "torch"
    return keras
