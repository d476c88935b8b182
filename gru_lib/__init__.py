"""gru_lib: a small, exact GRU library with a NumPy backend and a PyTorch backend.

Both backends mirror ``torch.nn`` name for name (``RNN``, ``GRU``, ``LSTM`` and their cells), with
the same constructor arguments, parameter names and shapes, so that a PyTorch ``state_dict`` loads
into either backend unchanged and back::

    import gru_lib.numpy as gnp
    import gru_lib.torch as gtorch
"""

__version__ = "0.1.0"
