"""Variants of the GRU (and the CIFG LSTM for comparison) as ``torch.nn.Module``s.

The mirror of ``gru_lib.numpy.variants``, name for name, with autograd for the backward, plus what
only makes sense here: the batch-normalised Li-GRU of the paper (batch statistics while training,
running statistics in ``eval()``) and the convolutional GRU (its frames are images; convolutions
and their gradients are what torch is for, NumPy would need an im2col of its own).
Each step receives ``gi = x W_ih^T`` and adds the variant's single bias itself (the papers have one
bias per gate, not PyTorch's two).
Shapes: L sequence length, N batch, H_in input size, H hidden size.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import _checks
from .modules import _Module


# --------------------------------------------------------------------------------------------
# MGU (Zhou et al. 2016):  f = σ(W_if x + W_hf h_prev + b_f)
#   n = tanh(W_in x + W_hn (f ⊙ h_prev) + b_n),   h = (1 − f) ⊙ h_prev + f ⊙ n

def mgu_cell_forward(gi, h_prev, weight_hh, bias):
    """gi (N, 2H) = x [W_if; W_in]^T, h_prev (N, H), weight_hh (2H, H), bias (2H,) or None."""
    H = h_prev.shape[-1]
    b_f, b_n = (0.0, 0.0) if bias is None else bias.split(H)
    f = torch.sigmoid(gi[:, :H] + h_prev @ weight_hh[:H].T + b_f)
    n = torch.tanh(gi[:, H:] + (f * h_prev) @ weight_hh[H:].T + b_n)
    return (1 - f) * h_prev + f * n


# --------------------------------------------------------------------------------------------
# GRU1, GRU2, GRU3 (Dey & Salem 2017): gates from [h_prev and bias | h_prev | bias];
#   n = tanh(W_in x + W_hn (r ⊙ h_prev) + b_n),   h = (1 − z) ⊙ h_prev + z ⊙ n

def gru_variant_cell_forward(gi, h_prev, weight_hh, bias, variant):
    """gi (N, H) = x W_in^T, h_prev (N, H); weight_hh and bias as in the NumPy backend."""
    H = h_prev.shape[-1]
    a = h_prev.new_zeros(h_prev.shape[0], 2 * H)                # gate pre-activations [r | z]
    if variant in (1, 2):
        a = a + h_prev @ weight_hh[:2 * H].T
    if variant in (1, 3) and bias is not None:
        a = a + bias[:2 * H]
    r, z = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:])
    n = torch.tanh(gi + (r * h_prev) @ weight_hh[-H:].T + (0.0 if bias is None else bias[-H:]))
    return (1 - z) * h_prev + z * n


# --------------------------------------------------------------------------------------------
# Li-GRU (Ravanelli et al. 2018):  z = σ(a_z + W_hz h_prev),  n = relu(a_n + W_hn h_prev),
#   h = z ⊙ h_prev + (1 − z) ⊙ n,  with [a_z, a_n] = BN(W_i x) in the paper, W_i x + b without BN

def ligru_cell_forward(gi, h_prev, weight_hh, bias):
    """gi (N, 2H) = x [W_iz; W_in]^T (or its batch norm), h_prev (N, H), weight_hh (2H, H)."""
    H = h_prev.shape[-1]
    a = gi + h_prev @ weight_hh.T                              # (N, 2H)
    if bias is not None:
        a = a + bias
    z = torch.sigmoid(a[:, :H])
    n = torch.relu(a[:, H:])
    return z * h_prev + (1 - z) * n


# --------------------------------------------------------------------------------------------
# Layer-normalised GRU (after Ba et al. 2016): [a_r, a_z, a_n] = LN(W_ih x), [g_r, g_z, g_n] =
#   LN(W_hh h_prev), r = σ(a_r + g_r), z = σ(a_z + g_z), n = tanh(a_n + r ⊙ g_n),
#   h = (1 − z) ⊙ n + z ⊙ h_prev

def layer_norm_forward(a, weight, bias, eps=1e-5):
    """Normalise a (..., K) over its last axis to mean 0 and variance 1, then scale and shift."""
    return F.layer_norm(a, a.shape[-1:], weight, bias, eps)


def layer_norm_gru_cell_forward(gi, h_prev, weight_hh, ln_hh_weight, ln_hh_bias):
    """gi (N, 3H) = LN(x W_ih^T) (normalised by the layer), h_prev (N, H), weight_hh (3H, H)."""
    H = h_prev.shape[-1]
    gh = layer_norm_forward(h_prev @ weight_hh.T, ln_hh_weight, ln_hh_bias)  # (N, 3H)
    a_r, a_z, a_n = gi.split(H, dim=-1)
    g_r, g_z, g_n = gh.split(H, dim=-1)
    r = torch.sigmoid(a_r + g_r)
    z = torch.sigmoid(a_z + g_z)
    n = torch.tanh(a_n + r * g_n)
    return (1 - z) * n + z * h_prev


# --------------------------------------------------------------------------------------------
# CIFG LSTM (Greff et al. 2017):  [f, g, o] = [σ, tanh, σ](W_ih x + W_hh h_prev + b),
#   c = f ⊙ c_prev + (1 − f) ⊙ g,   h = o ⊙ tanh(c)

def cifg_lstm_cell_forward(gi, h_prev, c_prev, weight_hh, bias):
    """gi (N, 3H) = x [W_if; W_ig; W_io]^T, h_prev, c_prev (N, H) -> h, c (N, H)."""
    a = gi + h_prev @ weight_hh.T                              # (N, 3H)
    if bias is not None:
        a = a + bias
    a_f, a_g, a_o = a.split(h_prev.shape[-1], dim=-1)
    f, g, o = torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c = f * c_prev + (1 - f) * g
    return o * torch.tanh(c), c


# --------------------------------------------------------------------------------------------
# ConvGRU (Ballas, Yao, Pal & Courville 2016): the GRU with every matrix product a convolution.
#   r = σ(W_r ∗ x + U_r ∗ h_prev + b_r),  z = σ(W_z ∗ x + U_z ∗ h_prev + b_z)
#   n = tanh(W_n ∗ x + U_n ∗ (r ⊙ h_prev) + b_n),   h = (1 − z) ⊙ h_prev + z ⊙ n

def conv_gru_cell_forward(gi, h_prev, weight_hh, bias):
    """gi (N, 3C, Y, X) = W_ih ∗ x, h_prev (N, C, Y, X), weight_hh (3C, C, k, k), bias (3C,)."""
    C, pad = h_prev.shape[1], weight_hh.shape[-1] // 2
    if bias is not None:
        gi = gi + bias[:, None, None]
    gh = F.conv2d(h_prev, weight_hh[:2 * C], padding=pad)      # (N, 2C, Y, X)
    r = torch.sigmoid(gi[:, :C] + gh[:, :C])
    z = torch.sigmoid(gi[:, C:2 * C] + gh[:, C:])
    n = torch.tanh(gi[:, 2 * C:] + F.conv2d(r * h_prev, weight_hh[2 * C:], padding=pad))
    return (1 - z) * h_prev + z * n


# --------------------------------------------------------------------------------------------
# Layers

class _VariantBase(_Module):
    """One direction, ``num_layers`` layers, a variant's step at every time step.

    Subclasses give the number of H-row blocks in ``weight_ih``, ``weight_hh`` and ``bias``
    (``blocks``, or their own ``_shapes``), the state names, and ``_step``. Parameters per layer k: ``weight_ih_l{k}``,
    ``weight_hh_l{k}``, ``bias_l{k}``; initialised ~ U(-1/sqrt(H), 1/sqrt(H)) like ``torch.nn``.
    """

    state_names = ("h",)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, *,
                 dtype=None, seed=None):
        _checks.check_sizes(input_size, hidden_size, num_layers)
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size
            for name, shape in self._shapes(layer_input).items():
                self._add_parameter(f"{name}_l{layer}", shape, dtype)
        self.reset_parameters(seed)

    def _shapes(self, layer_input):
        """{name: shape} of one layer's parameters."""
        (n_ih, n_hh, n_b), H = self.blocks, self.hidden_size
        shapes = {"weight_ih": (n_ih * H, layer_input), "weight_hh": (n_hh * H, H)}
        if self.bias:
            shapes["bias"] = (n_b * H,)
        return shapes

    @property
    def num_parameters(self):
        """Number of trainable numbers, all layers."""
        return sum(p.numel() for p in self.parameters())

    def _layer(self, layer):
        """One layer's parameters (and buffers), without the suffix."""
        sfx = f"_l{layer}"
        tensors = dict(self.named_parameters()) | dict(self.named_buffers())
        return {k[:-len(sfx)]: v for k, v in tensors.items() if k.endswith(sfx)}

    def _project(self, x, p):
        """Input projection of all steps at once: x (L, N, H_in) -> (L, N, blocks*H)."""
        return x @ p["weight_ih"].T

    def forward(self, x, hx=None):
        """x (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched.

        Returns ``output`` (L, N, H) (batch-first or unbatched to match x) and ``h_n``
        (num_layers, N, H); a tuple ``(h_n, c_n)`` for the CIFG LSTM.
        """
        x = self._check_tensor("input", x)
        batched, L, N = _checks.check_sequence_input(x.shape, self.input_size, self.batch_first)
        count, H = self.num_layers, self.hidden_size
        shape = (count, N, H) if batched else (count, H)
        hx = self._state(hx, [name + "0" for name in self.state_names], shape)
        if not batched:
            x, hx = x.unsqueeze(1), tuple(s.unsqueeze(1) for s in hx)
        elif self.batch_first:
            x = x.transpose(0, 1)
        finals, layer_input = [], x                                        # (L, N, H_in)
        for layer in range(count):
            p = self._layer(layer)
            gi = self._project(layer_input, p)                             # (L, N, blocks*H)
            state, out = tuple(s[layer] for s in hx), [None] * L
            for t in range(L):
                state = self._step(gi[t], state, p)
                out[t] = state[0]
            finals.append(state)
            layer_input = torch.stack(out)                                 # (L, N, H)
        h_n = tuple(torch.stack([s[i] for s in finals]) for i in range(len(self.state_names)))
        output = layer_input
        if not batched:
            output, h_n = output[:, 0], tuple(s[:, 0] for s in h_n)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (h_n if len(h_n) > 1 else h_n[0])

    def extra_repr(self):
        extra = "" if self.num_layers == 1 else f", num_layers={self.num_layers}"
        extra += "" if self.bias else ", bias=False"
        extra += ", batch_first=True" if self.batch_first else ""
        return f"{self.input_size}, {self.hidden_size}{extra}"


class _NormalisedBase(_VariantBase):
    """Gains start at 1 and shifts at 0; ``load_state_dict`` also takes the buffers."""

    def reset_parameters(self, seed=None):
        super().reset_parameters(seed)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.startswith(("ln_", "bn_")):
                    p.fill_(1.0 if "_weight" in name else 0.0)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        tensors = {k: v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v))
                   for k, v in state_dict.items()}
        _checks.check_state_dict({k: t.shape for k, t in tensors.items()},
                                 {k: t.shape for k, t in self.state_dict().items()})
        return nn.Module.load_state_dict(self, tensors, strict=strict, assign=assign)


class MGU(_VariantBase):
    """Minimal gated unit (Zhou et al. 2016); parameters as ``gru_lib.numpy.MGU``."""

    blocks = (2, 2, 2)

    def _step(self, gi, state, p):
        return (mgu_cell_forward(gi, state[0], p["weight_hh"], p.get("bias")),)


class _GRUVariant(_VariantBase):
    """GRU1, GRU2, GRU3 of Dey & Salem (2017), ``gru_variant_cell_forward`` at every step."""

    def _step(self, gi, state, p):
        return (gru_variant_cell_forward(gi, state[0], p["weight_hh"], p.get("bias"),
                                         self.variant),)


class GRU1(_GRUVariant):
    """Gates from h_prev and a bias: H(H_in + 3H + 3) numbers per layer."""

    variant, blocks = 1, (1, 3, 3)


class GRU2(_GRUVariant):
    """Gates from h_prev alone: H(H_in + 3H + 1) numbers per layer."""

    variant, blocks = 2, (1, 3, 1)


class GRU3(_GRUVariant):
    """Gates from a bias alone (constant in time): H(H_in + H + 3) numbers per layer."""

    variant, blocks = 3, (1, 1, 3)


class LiGRU(_NormalisedBase):
    """Light GRU (Ravanelli et al. 2018), ``ligru_cell_forward`` at every step.

    ``batch_norm=True`` (the paper): ``[a_z, a_n] = BN(x [W_iz; W_in]^T)`` over the L*N frames of
    the batch while training, with running statistics (momentum 0.1) in ``eval()``; parameters
    ``weight_ih_l[k]`` (2H, H_in), ``weight_hh_l[k]`` (2H, H), ``bn_weight_l[k]``,
    ``bn_bias_l[k]`` (2H,), buffers ``bn_running_mean_l[k]``, ``bn_running_var_l[k]``.
    ``batch_norm=False``: a ``bias_l[k]`` (2H,) instead of the batch norm, as the NumPy backend.
    Trainable numbers per layer: 2H(H_in + H + 2) with batch norm (gain and shift), 2H(H_in + H + 1)
    without.
    """

    blocks = (2, 2, 2)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, *,
                 batch_norm=True, dtype=None, seed=None):
        self.batch_norm = batch_norm
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dtype=dtype,
                         seed=seed)
        if batch_norm:
            for layer in range(num_layers):
                stats = torch.zeros(2 * hidden_size, dtype=self.weight_hh_l0.dtype)
                self.register_buffer(f"bn_running_mean_l{layer}", stats)
                self.register_buffer(f"bn_running_var_l{layer}", torch.ones_like(stats))

    def _shapes(self, layer_input):
        shapes = super()._shapes(layer_input)
        if self.batch_norm:
            shift = shapes.pop("bias", None)
            shapes["bn_weight"] = (2 * self.hidden_size,)
            if shift is not None:
                shapes["bn_bias"] = shift
        return shapes

    def _project(self, x, p):
        gi = x @ p["weight_ih"].T                                          # (L, N, 2H)
        if not self.batch_norm:
            return gi
        L, N, _ = gi.shape
        return F.batch_norm(gi.reshape(L * N, -1), p["bn_running_mean"], p["bn_running_var"],
                            p["bn_weight"], p.get("bn_bias"), self.training).reshape(L, N, -1)

    def _step(self, gi, state, p):
        return (ligru_cell_forward(gi, state[0], p["weight_hh"], p.get("bias")),)


class LayerNormGRU(_NormalisedBase):
    """Layer-normalised GRU; parameters as ``gru_lib.numpy.LayerNormGRU``: 3H(H_in + H + 4)."""

    def _shapes(self, layer_input):
        H = self.hidden_size
        shapes = {"weight_ih": (3 * H, layer_input), "weight_hh": (3 * H, H),
                  "ln_ih_weight": (3 * H,), "ln_hh_weight": (3 * H,)}
        if self.bias:
            shapes.update(ln_ih_bias=(3 * H,), ln_hh_bias=(3 * H,))
        return shapes

    def _project(self, x, p):
        return layer_norm_forward(x @ p["weight_ih"].T, p["ln_ih_weight"], p.get("ln_ih_bias"))

    def _step(self, gi, state, p):
        return (layer_norm_gru_cell_forward(gi, state[0], p["weight_hh"], p["ln_hh_weight"],
                                            p.get("ln_hh_bias")),)


class CIFGLSTM(_VariantBase):
    """LSTM with coupled input and forget gates (i = 1 − f); state ``(h, c)``: 3H(H_in + H + 1)."""

    blocks = (3, 3, 3)
    state_names = ("h", "c")

    def _step(self, gi, state, p):
        return cifg_lstm_cell_forward(gi, state[0], state[1], p["weight_hh"], p.get("bias"))


class ConvGRU(_Module):
    """Convolutional GRU (Ballas et al. 2016), one layer, ``conv_gru_cell_forward`` per step.

    x (L, N, C_in, Y, X) or (N, L, C_in, Y, X) with batch_first; hx (N, C, Y, X) or None.
    Returns ``output`` (L, N, C, Y, X) (or batch-first) and ``h_n`` (N, C, Y, X). Parameters:
    ``weight_ih_l0`` (3C, C_in, k, k) = [W_r; W_z; W_n], ``weight_hh_l0`` (3C, C, k, k) =
    [U_r; U_z; U_n], ``bias_l0`` (3C,): 3C(k²(C_in + C) + 1) numbers. Odd k, "same" padding, so the
    state keeps the frame's size; each weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) like ``Conv2d``.
    """

    def __init__(self, input_channels, hidden_channels, kernel_size=3, bias=True,
                 batch_first=False, *, dtype=None, seed=None):
        _checks.check_sizes(input_channels, hidden_channels)
        if not (isinstance(kernel_size, int) and kernel_size >= 1 and kernel_size % 2 == 1):
            raise ValueError(f"kernel_size must be an odd positive int, got {kernel_size!r}")
        super().__init__()
        self.input_channels, self.hidden_channels = input_channels, hidden_channels
        self.kernel_size, self.bias, self.batch_first = kernel_size, bias, batch_first
        C, k = hidden_channels, kernel_size
        self._add_parameter("weight_ih_l0", (3 * C, input_channels, k, k), dtype)
        self._add_parameter("weight_hh_l0", (3 * C, C, k, k), dtype)
        if bias:
            self._add_parameter("bias_l0", (3 * C,), dtype)
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, p in self.named_parameters():
                fan_in = (input_channels if "_ih" in name else C) * k * k
                p.uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), generator=generator)

    @property
    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    def forward(self, x, hx=None):
        x = self._check_tensor("input", x)
        if x.dim() != 5 or x.shape[2] != self.input_channels:
            layout = "(N, L, C_in, Y, X)" if self.batch_first else "(L, N, C_in, Y, X)"
            raise ValueError(f"expected input of shape {layout} with C_in = "
                             f"{self.input_channels}, got {tuple(x.shape)}")
        if self.batch_first:
            x = x.transpose(0, 1)
        L, N, _, Y, X = x.shape
        hx = self._state(hx, ["h0"], (N, self.hidden_channels, Y, X))[0]
        pad = self.kernel_size // 2
        gi = F.conv2d(x.reshape(L * N, *x.shape[2:]), self.weight_ih_l0, padding=pad)
        gi = gi.reshape(L, N, *gi.shape[1:])                               # (L, N, 3C, Y, X)
        bias = self.bias_l0 if self.bias else None
        out, h = [None] * L, hx
        for t in range(L):
            h = conv_gru_cell_forward(gi[t], h, self.weight_hh_l0, bias)
            out[t] = h
        output = torch.stack(out)                                          # (L, N, C, Y, X)
        return (output.transpose(0, 1) if self.batch_first else output), h

    def extra_repr(self):
        return f"{self.input_channels}, {self.hidden_channels}, kernel_size={self.kernel_size}"
