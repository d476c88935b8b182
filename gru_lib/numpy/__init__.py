"""NumPy backend: ``torch.nn``-compatible recurrent layers and cells with hand-written BPTT."""

from .modules import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from . import optim

__all__ = ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]
