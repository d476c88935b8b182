"""PyTorch backend: ``nn.Module``s that spell out the recurrent equations (autograd backward)."""

from .modules import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .mingru import MinGRU, MinLSTM
from .variants import CIFGLSTM, GRU1, GRU2, GRU3, MGU, ConvGRU, LayerNormGRU, LiGRU

__all__ = ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]
__all__ += ["MGU", "GRU1", "GRU2", "GRU3", "LiGRU", "LayerNormGRU", "CIFGLSTM", "ConvGRU"]
__all__ += ["MinGRU", "MinLSTM"]
