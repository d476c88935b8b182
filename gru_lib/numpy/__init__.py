"""NumPy backend: ``torch.nn``-compatible recurrent layers and cells with hand-written BPTT."""

from .modules import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from . import optim
from .mingru import MinGRU, MinLSTM
from .variants import CIFGLSTM, GRU1, GRU2, GRU3, MGU, LayerNormGRU, LiGRU

__all__ = ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]
__all__ += ["MGU", "GRU1", "GRU2", "GRU3", "LiGRU", "LayerNormGRU", "CIFGLSTM"]
__all__ += ["MinGRU", "MinLSTM"]
