"""One time step of each recurrent cell (PyTorch); autograd supplies the backward.

The same functions, names and equations as ``gru_lib.numpy.cells``, written with torch operations.
Each receives the input projection ``gi = x W_ih^T + b_ih`` and the previous state. Gate blocks are
stacked in PyTorch's order: GRU ``[r | z | n]``, LSTM ``[i | f | g | o]``.
"""

import torch


def rnn_cell_forward(gi, h_prev, weight_hh, bias_hh, nonlinearity="tanh"):
    """gi (N, H), h_prev (N, H), weight_hh (H, H), bias_hh (H,) or None -> h (N, H)."""
    a = gi + h_prev @ weight_hh.T                              # (N, H)
    if bias_hh is not None:
        a = a + bias_hh
    return torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)


def gru_cell_forward(gi, h_prev, weight_hh, bias_hh, reset="after"):
    """gi (N, 3H), h_prev (N, H), weight_hh (3H, H), bias_hh (3H,) or None -> h (N, H).

    reset="after":  n = tanh(W_in x + b_in + r ⊙ (W_hn h_prev + b_hn))
    reset="before": n = tanh(W_in x + b_in + W_hn (r ⊙ h_prev) + b_hn)
    """
    H = h_prev.shape[-1]
    i_r, i_z, i_n = gi.split(H, dim=-1)
    if reset == "after":
        gh = h_prev @ weight_hh.T                              # (N, 3H)
        if bias_hh is not None:
            gh = gh + bias_hh
        h_r, h_z, hn = gh.split(H, dim=-1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * hn)
    else:
        gh = h_prev @ weight_hh[:2 * H].T                      # (N, 2H)
        if bias_hh is not None:
            gh = gh + bias_hh[:2 * H]
        h_r, h_z = gh.split(H, dim=-1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        hn = (r * h_prev) @ weight_hh[2 * H:].T                # (N, H)
        if bias_hh is not None:
            hn = hn + bias_hh[2 * H:]
        n = torch.tanh(i_n + hn)
    return (1 - z) * n + z * h_prev


def lstm_cell_forward(gi, h_prev, c_prev, weight_hh, bias_hh):
    """gi (N, 4H), h_prev and c_prev (N, H), weight_hh (4H, H) -> h (N, H), c (N, H)."""
    a = gi + h_prev @ weight_hh.T                              # (N, 4H)
    if bias_hh is not None:
        a = a + bias_hh
    a_i, a_f, a_g, a_o = a.split(h_prev.shape[-1], dim=-1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c = f * c_prev + i * g
    h = o * torch.tanh(c)
    return h, c
