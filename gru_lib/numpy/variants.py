"""Variants of the GRU (and the CIFG LSTM for comparison) in NumPy: step functions and layers.

Each variant is a step function written from its paper, one line per equation, its backward right
beneath it, and a layer with ``torch.nn``'s calling convention and BPTT. The step receives
the input projection ``gi = x W_ih^T`` of its time step (the layer computes it for all steps in one
matrix product) and adds the variant's single bias itself: the papers have one bias per gate, not
PyTorch's two, so every variant here has one ``bias`` vector per layer.

Update convention, each from its paper: MGU and GRU1–3 write ``h = (1 − z) ⊙ h_prev + z ⊙ n``
(the gate admits the new candidate); Li-GRU writes ``h = z ⊙ h_prev + (1 − z) ⊙ n`` (the gate
keeps the old state), as does the layer-normalised GRU, PyTorch's GRU with normalised projections.

Shapes: L sequence length, N batch, H_in input size, H hidden size. Gate blocks are stacked along
the last axis in the order the docstrings give.
"""

import numpy as np

from .. import _checks
from .cells import sigmoid
from .modules import _Module


# --------------------------------------------------------------------------------------------
# MGU, minimal gated unit (Zhou, Wu, Zhang & Zhou 2016): one forget gate f does both jobs.
#   f = σ(W_if x + W_hf h_prev + b_f)
#   n = tanh(W_in x + W_hn (f ⊙ h_prev) + b_n)
#   h = (1 − f) ⊙ h_prev + f ⊙ n

def mgu_cell_forward(gi, h_prev, weight_hh, bias):
    """gi (N, 2H) = x [W_if; W_in]^T, h_prev (N, H), weight_hh (2H, H), bias (2H,) or None."""
    H = h_prev.shape[-1]
    b_f, b_n = (0.0, 0.0) if bias is None else (bias[:H], bias[H:])
    f = sigmoid(gi[:, :H] + h_prev @ weight_hh[:H].T + b_f)
    n = np.tanh(gi[:, H:] + (f * h_prev) @ weight_hh[H:].T + b_n)
    h = (1 - f) * h_prev + f * n
    return h, (h_prev, f, n)


def mgu_cell_backward(d_h, cache, weight_hh, grads):
    """d_h (N, H) -> d_gi (N, 2H), d_h_prev (N, H); accumulates grads of weight_hh and bias."""
    h_prev, f, n = cache
    H = h_prev.shape[-1]
    d_n = d_h * f * (1 - n * n)                                # at n's pre-activation
    d_fh = d_n @ weight_hh[H:]                                 # at f ⊙ h_prev
    d_f = (d_h * (n - h_prev) + d_fh * h_prev) * f * (1 - f)   # at f's pre-activation
    grads["weight_hh"][:H] += d_f.T @ h_prev
    grads["weight_hh"][H:] += d_n.T @ (f * h_prev)
    d_a = np.concatenate([d_f, d_n], axis=1)                   # (N, 2H)
    if "bias" in grads:
        grads["bias"] += d_a.sum(axis=0)
    d_h_prev = d_h * (1 - f) + d_fh * f + d_f @ weight_hh[:H]
    return d_a, d_h_prev


# --------------------------------------------------------------------------------------------
# GRU1, GRU2, GRU3 (Dey & Salem 2017): the gates lose terms, the candidate keeps all of them.
#   GRU1: r = σ(W_hr h_prev + b_r),  z = σ(W_hz h_prev + b_z)
#   GRU2: r = σ(W_hr h_prev),        z = σ(W_hz h_prev)
#   GRU3: r = σ(b_r),                z = σ(b_z)
#   n = tanh(W_in x + W_hn (r ⊙ h_prev) + b_n),   h = (1 − z) ⊙ h_prev + z ⊙ n
# Blocks: weight_ih [W_in]; weight_hh [W_hr; W_hz; W_hn] (GRU1, GRU2) or [W_hn] (GRU3);
# bias [b_r; b_z; b_n] (GRU1, GRU3) or [b_n] (GRU2).

def gru_variant_cell_forward(gi, h_prev, weight_hh, bias, variant):
    """gi (N, H) = x W_in^T, h_prev (N, H); weight_hh and bias as above; variant 1, 2 or 3."""
    H = h_prev.shape[-1]
    a = np.zeros((h_prev.shape[0], 2 * H), h_prev.dtype)       # gate pre-activations [r | z]
    if variant in (1, 2):
        a += h_prev @ weight_hh[:2 * H].T
    if variant in (1, 3) and bias is not None:
        a += bias[:2 * H]
    r, z = sigmoid(a[:, :H]), sigmoid(a[:, H:])
    n = np.tanh(gi + (r * h_prev) @ weight_hh[-H:].T + (0.0 if bias is None else bias[-H:]))
    h = (1 - z) * h_prev + z * n
    return h, (h_prev, r, z, n)


def gru_variant_cell_backward(d_h, cache, weight_hh, grads, variant):
    """d_h (N, H) -> d_gi (N, H), d_h_prev (N, H); accumulates grads of weight_hh and bias."""
    h_prev, r, z, n = cache
    H = h_prev.shape[-1]
    d_n = d_h * z * (1 - n * n)                                # at n's pre-activation
    d_rh = d_n @ weight_hh[-H:]                                # at r ⊙ h_prev
    d_a = np.concatenate([d_rh * h_prev * r * (1 - r),         # at r's pre-activation
                          d_h * (n - h_prev) * z * (1 - z)], axis=1)  # at z's, (N, 2H)
    grads["weight_hh"][-H:] += d_n.T @ (r * h_prev)
    d_h_prev = d_h * (1 - z) + d_rh * r
    if variant in (1, 2):
        grads["weight_hh"][:2 * H] += d_a.T @ h_prev
        d_h_prev += d_a @ weight_hh[:2 * H]
    if "bias" in grads:
        grads["bias"][-H:] += d_n.sum(axis=0)
        if variant in (1, 3):
            grads["bias"][:2 * H] += d_a.sum(axis=0)
    return d_n, d_h_prev


# --------------------------------------------------------------------------------------------
# Li-GRU, light GRU (Ravanelli, Brakel, Omologo & Bengio 2018): no reset gate, ReLU candidate.
#   z = σ(W_iz x + W_hz h_prev + b_z)
#   n = relu(W_in x + W_hn h_prev + b_n)
#   h = z ⊙ h_prev + (1 − z) ⊙ n
# The paper batch-normalises W_i x in place of the bias; that needs batch statistics while
# training, so it lives in the PyTorch backend (``batch_norm=True``); this is the form without it.

def ligru_cell_forward(gi, h_prev, weight_hh, bias):
    """gi (N, 2H) = x [W_iz; W_in]^T, h_prev (N, H), weight_hh (2H, H), bias (2H,) or None."""
    H = h_prev.shape[-1]
    a = gi + h_prev @ weight_hh.T                              # (N, 2H)
    if bias is not None:
        a += bias
    z = sigmoid(a[:, :H])
    n = np.maximum(a[:, H:], 0)
    h = z * h_prev + (1 - z) * n
    return h, (h_prev, z, n)


def ligru_cell_backward(d_h, cache, weight_hh, grads):
    """d_h (N, H) -> d_gi (N, 2H), d_h_prev (N, H); accumulates grads of weight_hh and bias."""
    h_prev, z, n = cache
    d_a = np.concatenate([d_h * (h_prev - n) * z * (1 - z),   # at z's pre-activation
                          d_h * (1 - z) * (n > 0)], axis=1)    # at n's, (N, 2H)
    grads["weight_hh"] += d_a.T @ h_prev
    if "bias" in grads:
        grads["bias"] += d_a.sum(axis=0)
    return d_a, d_h * z + d_a @ weight_hh


# --------------------------------------------------------------------------------------------
# Layer-normalised GRU (after Ba, Kiros & Hinton 2016): PyTorch's GRU with the input and the
# recurrent projections normalised separately, each over its 3H units, with its own gain and shift.
#   [a_r, a_z, a_n] = LN(W_ih x; γ_ih, β_ih)       [g_r, g_z, g_n] = LN(W_hh h_prev; γ_hh, β_hh)
#   r = σ(a_r + g_r),  z = σ(a_z + g_z),  n = tanh(a_n + r ⊙ g_n),  h = (1 − z) ⊙ n + z ⊙ h_prev

def layer_norm_forward(a, weight, bias, eps=1e-5):
    """a (..., K) normalised over its last axis to mean 0 and variance 1, scaled and shifted."""
    mean = a.mean(axis=-1, keepdims=True)
    inv_std = 1 / np.sqrt(((a - mean) ** 2).mean(axis=-1, keepdims=True) + eps)
    a_hat = (a - mean) * inv_std
    return a_hat * weight + bias, (a_hat, inv_std)


def layer_norm_backward(d_y, cache, weight):
    """d_y (..., K) -> d_a (..., K), d_weight (K,), d_bias (K,) (summed over the leading axes)."""
    a_hat, inv_std = cache
    d_hat = d_y * weight
    d_a = inv_std * (d_hat - d_hat.mean(axis=-1, keepdims=True)
                     - a_hat * (d_hat * a_hat).mean(axis=-1, keepdims=True))
    axes = tuple(range(d_y.ndim - 1))
    return d_a, (d_y * a_hat).sum(axis=axes), d_y.sum(axis=axes)


def layer_norm_gru_cell_forward(gi, h_prev, weight_hh, ln_hh_weight, ln_hh_bias):
    """gi (N, 3H) = LN(x W_ih^T) (normalised by the layer), h_prev (N, H), weight_hh (3H, H)."""
    H = h_prev.shape[-1]
    gh, ln_cache = layer_norm_forward(h_prev @ weight_hh.T, ln_hh_weight, ln_hh_bias)
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    h = (1 - z) * n + z * h_prev
    return h, (h_prev, r, z, n, gh[:, 2 * H:], ln_cache)


def layer_norm_gru_cell_backward(d_h, cache, weight_hh, ln_hh_weight, grads):
    """d_h (N, H) -> d_gi (N, 3H), d_h_prev (N, H); accumulates grads of weight_hh and ln_hh_*."""
    h_prev, r, z, n, g_n, ln_cache = cache
    d_n = d_h * (1 - z) * (1 - n * n)                          # at n's pre-activation
    d_z = d_h * (h_prev - n) * z * (1 - z)                     # at z's pre-activation
    d_r = d_n * g_n * r * (1 - r)                              # at r's pre-activation
    d_gh, d_weight, d_bias = layer_norm_backward(np.concatenate([d_r, d_z, d_n * r], axis=1),
                                                 ln_cache, ln_hh_weight)  # at W_hh h_prev
    grads["weight_hh"] += d_gh.T @ h_prev
    grads["ln_hh_weight"] += d_weight
    if "ln_hh_bias" in grads:
        grads["ln_hh_bias"] += d_bias
    return np.concatenate([d_r, d_z, d_n], axis=1), d_h * z + d_gh @ weight_hh


# --------------------------------------------------------------------------------------------
# CIFG LSTM, coupled input and forget gate (Greff et al. 2017): the input gate is i = 1 − f.
#   [f, g, o] = [σ, tanh, σ](W_ih x + W_hh h_prev + b)
#   c = f ⊙ c_prev + (1 − f) ⊙ g,   h = o ⊙ tanh(c)

def cifg_lstm_cell_forward(gi, h_prev, c_prev, weight_hh, bias):
    """gi (N, 3H) = x [W_if; W_ig; W_io]^T, h_prev, c_prev (N, H), weight_hh (3H, H)."""
    H = h_prev.shape[-1]
    a = gi + h_prev @ weight_hh.T                              # (N, 3H)
    if bias is not None:
        a += bias
    f = sigmoid(a[:, :H])
    g = np.tanh(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:])
    c = f * c_prev + (1 - f) * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (h_prev, c_prev, f, g, o, tanh_c)


def cifg_lstm_cell_backward(d_h, d_c, cache, weight_hh, grads):
    """d_h, d_c (N, H) -> d_gi (N, 3H), d_h_prev, d_c_prev (N, H); accumulates grads."""
    h_prev, c_prev, f, g, o, tanh_c = cache
    d_c = d_c + d_h * o * (1 - tanh_c * tanh_c)
    d_a = np.concatenate([d_c * (c_prev - g) * f * (1 - f),    # d_f
                          d_c * (1 - f) * (1 - g * g),         # d_g
                          d_h * tanh_c * o * (1 - o)], axis=1)  # d_o, (N, 3H)
    grads["weight_hh"] += d_a.T @ h_prev
    if "bias" in grads:
        grads["bias"] += d_a.sum(axis=0)
    return d_a, d_a @ weight_hh, d_c * f


# --------------------------------------------------------------------------------------------
# Layers

class _VariantBase(_Module):
    """One direction, ``num_layers`` layers, a variant's step at every time step.

    Subclasses give the number of H-row blocks in ``weight_ih``, ``weight_hh`` and ``bias``
    (``blocks``, or their own ``_shapes``), the state names, ``_step`` and ``_step_backward``.
    Parameters per layer k: ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_l{k}``.
    """

    state_names = ("h",)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, *,
                 dtype=np.float32, seed=None):
        _checks.check_sizes(input_size, hidden_size, num_layers)
        super().__init__(dtype, seed)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size
            for name, shape in self._shapes(layer_input).items():
                self._add_parameter(f"{name}_l{layer}", shape)

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
        return sum(p.size for p in self._params.values())

    def _layer(self, mapping, layer):
        """One layer's entries of ``mapping`` (parameters or gradients), without the suffix."""
        sfx = f"_l{layer}"
        return {k[:-len(sfx)]: v for k, v in mapping.items() if k.endswith(sfx)}

    def _project(self, x, p):
        """Input projection of all steps at once: x (L, N, H_in) -> gi (L, N, blocks*H), cache."""
        return x @ p["weight_ih"].T, x

    def _project_backward(self, d_gi, cache, p, grads):
        """d_gi (L, N, blocks*H) -> d_x (L, N, H_in); accumulates the grad of weight_ih."""
        x = cache
        grads["weight_ih"] += d_gi.reshape(-1, d_gi.shape[-1]).T @ x.reshape(-1, x.shape[-1])
        return d_gi @ p["weight_ih"]

    def forward(self, x, hx=None):
        """x (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched.

        Returns ``output`` (L, N, H) (batch-first or unbatched to match x) and ``h_n``
        (num_layers, N, H); a tuple ``(h_n, c_n)`` for the CIFG LSTM.
        """
        x = self._check_array("input", x)
        batched, L, N = _checks.check_sequence_input(x.shape, self.input_size, self.batch_first)
        count, H = self.num_layers, self.hidden_size
        shape = (count, N, H) if batched else (count, H)
        hx = self._state(hx, [name + "0" for name in self.state_names], shape)
        if not batched:
            x, hx = x[:, None], tuple(s[:, None] for s in hx)
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        caches, finals, layer_input = [], [], x                            # (L, N, H_in)
        for layer in range(count):
            p = self._layer(self._params, layer)
            gi, project_cache = self._project(layer_input, p)              # (L, N, blocks*H)
            state = tuple(s[layer] for s in hx)
            out, step_caches = np.empty((L, N, H), self.dtype), [None] * L
            for t in range(L):
                state, step_caches[t] = self._step(gi[t], state, p)
                out[t] = state[0]
            caches.append((project_cache, step_caches))
            finals.append(state)
            layer_input = out
        self._cache = (caches, batched, N)
        h_n = tuple(np.stack([s[i] for s in finals]) for i in range(len(self.state_names)))
        output = layer_input                                               # (L, N, H)
        if not batched:
            output, h_n = output[:, 0], tuple(s[:, 0] for s in h_n)
        elif self.batch_first:
            output = output.transpose(1, 0, 2)
        return output, (h_n if len(h_n) > 1 else h_n[0])

    def backward(self, d_output, d_h_n=None):
        """Backpropagation through time for the last ``forward``.

        d_output has the shape of ``output``; d_h_n that of ``h_n`` (a tuple for the CIFG LSTM) or
        None. Returns a dict with the gradient of every parameter (same keys as ``state_dict``), of
        the input (``"input"``) and of the initial state (``"h0"``, and ``"c0"``).
        """
        if self._cache is None:
            raise RuntimeError("backward() needs a forward() first")
        caches, batched, N = self._cache
        L, count, H = len(caches[0][1]), self.num_layers, self.hidden_size
        self._check_array("d_output", d_output)
        out_shape = ((N, L, H) if self.batch_first else (L, N, H)) if batched else (L, H)
        _checks.check_state("d_output", d_output.shape, out_shape)
        shape = (count, N, H) if batched else (count, H)
        d_h_n = self._state(d_h_n, ["d_" + name + "_n" for name in self.state_names], shape)
        if not batched:
            d_output, d_h_n = d_output[:, None], tuple(s[:, None] for s in d_h_n)
        elif self.batch_first:
            d_output = d_output.transpose(1, 0, 2)
        grads = {name: np.zeros(p.shape, self.dtype) for name, p in self._params.items()}
        d_out, d_state0 = d_output, [None] * count                         # (L, N, H)
        for layer in reversed(range(count)):
            project_cache, step_caches = caches[layer]
            p, g = self._layer(self._params, layer), self._layer(grads, layer)
            d_state = tuple(s[layer] for s in d_h_n)
            d_gi = np.empty((L, N, p["weight_ih"].shape[0]), self.dtype)
            for t in reversed(range(L)):
                d_state = (d_state[0] + d_out[t],) + d_state[1:]
                d_gi[t], d_state = self._step_backward(d_state, step_caches[t], p, g)
            d_state0[layer] = d_state
            d_out = self._project_backward(d_gi, project_cache, p, g)      # (L, N, layer in)
        grads["input"] = d_out[:, 0] if not batched else (
            d_out.transpose(1, 0, 2) if self.batch_first else d_out)
        for i, name in enumerate(self.state_names):
            s = np.stack([d[i] for d in d_state0])                          # (count, N, H)
            grads[name + "0"] = s if batched else s[:, 0]
        return grads

    def __repr__(self):
        extra = "" if self.num_layers == 1 else f", num_layers={self.num_layers}"
        extra += "" if self.bias else ", bias=False"
        extra += ", batch_first=True" if self.batch_first else ""
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extra})"


class MGU(_VariantBase):
    """Minimal gated unit (Zhou et al. 2016), ``mgu_cell_forward`` at every step.

    ``weight_ih_l[k]`` is ``[W_if; W_in]`` (2H, H_in), ``weight_hh_l[k]`` ``[W_hf; W_hn]``
    (2H, H), ``bias_l[k]`` ``[b_f; b_n]`` (2H,): 2H(H_in + H + 1) numbers per layer.
    """

    blocks = (2, 2, 2)

    def _step(self, gi, state, p):
        h, cache = mgu_cell_forward(gi, state[0], p["weight_hh"], p.get("bias"))
        return (h,), cache

    def _step_backward(self, d_state, cache, p, grads):
        d_gi, d_h_prev = mgu_cell_backward(d_state[0], cache, p["weight_hh"], grads)
        return d_gi, (d_h_prev,)


class _GRUVariant(_VariantBase):
    """GRU1, GRU2, GRU3 of Dey & Salem (2017), ``gru_variant_cell_forward`` at every step."""

    def _step(self, gi, state, p):
        h, cache = gru_variant_cell_forward(gi, state[0], p["weight_hh"], p.get("bias"),
                                            self.variant)
        return (h,), cache

    def _step_backward(self, d_state, cache, p, grads):
        d_gi, d_h_prev = gru_variant_cell_backward(d_state[0], cache, p["weight_hh"], grads,
                                                   self.variant)
        return d_gi, (d_h_prev,)


class GRU1(_GRUVariant):
    """Gates from h_prev and a bias: H(H_in + 3H + 3) numbers per layer."""

    variant, blocks = 1, (1, 3, 3)


class GRU2(_GRUVariant):
    """Gates from h_prev alone: H(H_in + 3H + 1) numbers per layer."""

    variant, blocks = 2, (1, 3, 1)


class GRU3(_GRUVariant):
    """Gates from a bias alone (constant in time): H(H_in + H + 3) numbers per layer."""

    variant, blocks = 3, (1, 1, 3)


class LiGRU(_VariantBase):
    """Light GRU (Ravanelli et al. 2018) without batch norm, ``ligru_cell_forward`` at every step.

    ``weight_ih_l[k]`` is ``[W_iz; W_in]`` (2H, H_in), ``weight_hh_l[k]`` ``[W_hz; W_hn]``
    (2H, H), ``bias_l[k]`` (2H,): 2H(H_in + H + 1) numbers per layer. The paper's batch norm of
    ``W_i x`` is in ``gru_lib.torch.LiGRU(batch_norm=True)``.
    """

    blocks = (2, 2, 2)

    def _step(self, gi, state, p):
        h, cache = ligru_cell_forward(gi, state[0], p["weight_hh"], p.get("bias"))
        return (h,), cache

    def _step_backward(self, d_state, cache, p, grads):
        d_gi, d_h_prev = ligru_cell_backward(d_state[0], cache, p["weight_hh"], grads)
        return d_gi, (d_h_prev,)


class LayerNormGRU(_VariantBase):
    """Layer-normalised GRU, ``layer_norm_gru_cell_forward`` at every step.

    Per layer: ``weight_ih`` (3H, H_in), ``weight_hh`` (3H, H) in PyTorch's order [r; z; n], and
    the gains and shifts ``ln_ih_weight``, ``ln_ih_bias``, ``ln_hh_weight``, ``ln_hh_bias`` (3H,)
    (initialised to 1 and 0); with ``bias=False`` the shifts are left out. The shifts take the
    place of the biases: 3H(H_in + H + 4) numbers per layer.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, *,
                 dtype=np.float32, seed=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dtype=dtype,
                         seed=seed)
        for name, p in self._params.items():
            if name.startswith("ln_"):
                p[...] = 1.0 if "_weight" in name else 0.0

    def _shapes(self, layer_input):
        H = self.hidden_size
        shapes = {"weight_ih": (3 * H, layer_input), "weight_hh": (3 * H, H),
                  "ln_ih_weight": (3 * H,), "ln_hh_weight": (3 * H,)}
        if self.bias:
            shapes.update(ln_ih_bias=(3 * H,), ln_hh_bias=(3 * H,))
        return shapes

    def _project(self, x, p):
        gi, ln_cache = layer_norm_forward(x @ p["weight_ih"].T, p["ln_ih_weight"],
                                          p.get("ln_ih_bias", 0.0))
        return gi, (x, ln_cache)

    def _project_backward(self, d_gi, cache, p, grads):
        x, ln_cache = cache
        d_a, d_weight, d_bias = layer_norm_backward(d_gi, ln_cache, p["ln_ih_weight"])
        grads["ln_ih_weight"] += d_weight
        if "ln_ih_bias" in grads:
            grads["ln_ih_bias"] += d_bias
        return super()._project_backward(d_a, x, p, grads)

    def _step(self, gi, state, p):
        h, cache = layer_norm_gru_cell_forward(gi, state[0], p["weight_hh"], p["ln_hh_weight"],
                                               p.get("ln_hh_bias", 0.0))
        return (h,), cache

    def _step_backward(self, d_state, cache, p, grads):
        d_gi, d_h_prev = layer_norm_gru_cell_backward(d_state[0], cache, p["weight_hh"],
                                                      p["ln_hh_weight"], grads)
        return d_gi, (d_h_prev,)


class CIFGLSTM(_VariantBase):
    """LSTM with coupled input and forget gates (i = 1 − f), ``cifg_lstm_cell_forward`` per step.

    ``weight_ih_l[k]`` is ``[W_if; W_ig; W_io]`` (3H, H_in), ``weight_hh_l[k]`` the same blocks
    (3H, H), ``bias_l[k]`` (3H,): 3H(H_in + H + 1) numbers per layer. State ``(h, c)``.
    """

    blocks = (3, 3, 3)
    state_names = ("h", "c")

    def _step(self, gi, state, p):
        h, c, cache = cifg_lstm_cell_forward(gi, state[0], state[1], p["weight_hh"],
                                             p.get("bias"))
        return (h, c), cache

    def _step_backward(self, d_state, cache, p, grads):
        d_gi, d_h_prev, d_c_prev = cifg_lstm_cell_backward(d_state[0], d_state[1], cache,
                                                           p["weight_hh"], grads)
        return d_gi, (d_h_prev, d_c_prev)
