"""PyTorch backend: ``nn.Module``s that spell out the recurrent equations (autograd backward)."""

from .modules import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]
