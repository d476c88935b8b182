"""One time step of each recurrent cell (PyTorch); autograd supplies the backward.

The same functions, names and equations as ``gru_lib.numpy.cells``, written with torch operations.
Each receives the input projection ``gi = x W_ih^T + b_ih`` and the previous state. Gate blocks are
stacked in PyTorch's order: GRU ``[r | z | n]``, LSTM ``[i | f | g | o]``.
"""

import torch


def rnn_cell_forward(gi, h_prev, weight_hh, bias_hh, nonlinearity="tanh"):
    """gi (N, H), h_prev (N, H), weight_hh (H, H), bias_hh (H,) or None -> h (N, H)."""
    a = torch.addmm(gi, h_prev, weight_hh.T)                   # gi + h_prev W_hh^T, (N, H)
    if bias_hh is not None:
        a = a + bias_hh
    return torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)


def gru_cell_forward(gi, h_prev, weight_hh, bias_hh, reset="after"):
    """gi (N, 3H), h_prev (N, H), weight_hh (3H, H), bias_hh (3H,) or None -> h (N, H).

    reset="after":  n = tanh(W_in x + b_in + r ⊙ (W_hn h_prev + b_hn))
    reset="before": n = tanh(W_in x + b_in + W_hn (r ⊙ h_prev) + b_hn)

    Fewer, larger operations than the NumPy twin (each is an autograd node with a fixed cost):
    r and z in one sigmoid, ``addmm``/``addcmul`` for product-plus-sum, and
    ``lerp(n, h_prev, z) = n + z ⊙ (h_prev − n)``, which equals ``(1 − z) ⊙ n + z ⊙ h_prev``.
    """
    H = h_prev.shape[-1]
    i_rz, i_n = gi.split([2 * H, H], dim=-1)
    if reset == "after":
        gh = h_prev @ weight_hh.T if bias_hh is None else torch.addmm(bias_hh, h_prev,
                                                                      weight_hh.T)  # (N, 3H)
        h_rz, hn = gh.split([2 * H, H], dim=-1)
        r, z = torch.sigmoid(i_rz + h_rz).chunk(2, dim=-1)
        n = torch.tanh(torch.addcmul(i_n, r, hn))
    else:
        w_rz, w_n = weight_hh.split([2 * H, H])
        b_rz, b_n = (None, None) if bias_hh is None else bias_hh.split([2 * H, H])
        h_rz = h_prev @ w_rz.T if b_rz is None else torch.addmm(b_rz, h_prev, w_rz.T)  # (N, 2H)
        r, z = torch.sigmoid(i_rz + h_rz).chunk(2, dim=-1)
        hn = (r * h_prev) @ w_n.T if b_n is None else torch.addmm(b_n, r * h_prev, w_n.T)
        n = torch.tanh(i_n + hn)
    return torch.lerp(n, h_prev, z)                            # (1 − z) ⊙ n + z ⊙ h_prev


def lstm_cell_forward(gi, h_prev, c_prev, weight_hh, bias_hh):
    """gi (N, 4H), h_prev and c_prev (N, H), weight_hh (4H, H) -> h (N, H), c (N, H)."""
    a = torch.addmm(gi, h_prev, weight_hh.T)                   # gi + h_prev W_hh^T, (N, 4H)
    if bias_hh is not None:
        a = a + bias_hh
    a_i, a_f, a_g, a_o = a.split(h_prev.shape[-1], dim=-1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c = torch.addcmul(f * c_prev, i, g)                        # f ⊙ c_prev + i ⊙ g
    h = o * torch.tanh(c)
    return h, c
