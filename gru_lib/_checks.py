"""Input validation shared by both backends.

Every check works on shapes, dtype names and plain flags, so the NumPy and the PyTorch backend raise
the same errors with the same messages. Messages say what was expected and what arrived.
"""

RESETS = ("after", "before")
NONLINEARITIES = ("tanh", "relu")


def check_sizes(input_size, hidden_size, num_layers=1):
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                        ("num_layers", num_layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")


def check_option(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def check_dtype(what, got, expected):
    """Raise TypeError unless the dtype names ``got`` and ``expected`` agree."""
    if got != expected:
        raise TypeError(f"expected {what} of dtype {expected} (the module's parameters), got "
                        f"{got}; cast it, or build the module with the dtype you need")


def check_sequence_input(shape, input_size, batch_first):
    """Validate a layer's input shape; return (batched, L, N).

    Expected (L, N, H_in), or (N, L, H_in) with batch_first, or (L, H_in) unbatched.
    """
    if len(shape) not in (2, 3):
        layout = "(N, L, H_in)" if batch_first else "(L, N, H_in)"
        raise ValueError(f"expected input of shape {layout} or (L, H_in) unbatched, "
                         f"i.e. 3 or 2 dimensions, got {len(shape)} dimensions {tuple(shape)}")
    if shape[-1] != input_size:
        raise ValueError(f"expected input with {input_size} features (input_size) in the last "
                         f"dimension, got shape {tuple(shape)}")
    batched = len(shape) == 3
    if batched:
        L, N = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    else:
        L, N = shape[0], 1
    if L == 0 or N == 0:
        raise ValueError(f"expected a non-empty sequence (L >= 1, N >= 1), got input shape "
                         f"{tuple(shape)}")
    return batched, L, N


def check_lengths(shape, dtype, integer, values, batched, L, N):
    """Validate per-sequence lengths: integers of shape (N,), each 1 <= length <= L.

    ``dtype`` is the dtype's name, ``integer`` whether it is an integer dtype, ``values`` the
    lengths as a list of numbers.
    """
    if not batched:
        raise ValueError("lengths need a batched input (3 dimensions); an unbatched sequence is "
                         "one sequence: pass only its valid steps")
    if not integer:
        raise TypeError(f"expected lengths of an integer dtype, got {dtype}")
    if tuple(shape) != (N,):
        raise ValueError(f"expected lengths of shape ({N},), one per sequence in the batch, "
                         f"got {tuple(shape)}")
    if min(values) < 1 or max(values) > L:
        raise ValueError(f"expected every length between 1 and the sequence length L={L}, "
                         f"got lengths from {min(values)} to {max(values)}")


def check_cell_input(shape, input_size):
    """Validate a cell's input shape (N, H_in) or (H_in,); return (batched, N)."""
    if len(shape) not in (1, 2):
        raise ValueError(f"expected cell input of shape (N, H_in) or (H_in,) unbatched, "
                         f"got {len(shape)} dimensions {tuple(shape)}")
    if shape[-1] != input_size:
        raise ValueError(f"expected input with {input_size} features (input_size) in the last "
                         f"dimension, got shape {tuple(shape)}")
    if len(shape) == 2 and shape[0] == 0:
        raise ValueError(f"expected a non-empty batch (N >= 1), got input shape {tuple(shape)}")
    return len(shape) == 2, (shape[0] if len(shape) == 2 else 1)


def check_state(name, shape, expected):
    if tuple(shape) != tuple(expected):
        raise ValueError(f"expected {name} of shape {tuple(expected)}, got {tuple(shape)}")


def check_finite(name, all_finite):
    if not all_finite:
        raise ValueError(f"{name} contains NaN or infinity; they would spread through every later "
                         f"time step, so they are refused at the input")


def check_state_dict(got_shapes, expected_shapes):
    """Compare {name: shape} mappings; raise ValueError listing missing, unexpected, misshapen."""
    missing = [k for k in expected_shapes if k not in got_shapes]
    unexpected = [k for k in got_shapes if k not in expected_shapes]
    if missing or unexpected:
        raise ValueError(f"state_dict keys do not match: missing {missing}, unexpected {unexpected}")
    for k, shape in expected_shapes.items():
        if tuple(got_shapes[k]) != tuple(shape):
            raise ValueError(f"parameter {k}: expected shape {tuple(shape)}, "
                             f"got {tuple(got_shapes[k])}")
