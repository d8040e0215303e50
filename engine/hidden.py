"""Hidden-layer sizes: parsing typed text and counting parameters, with no torch (the UI uses it too)."""

from __future__ import annotations

from collections.abc import Sequence

from .parsing import NumberError, parse_int

MAX_WIDTH = 4096  # wider layers than this are refused: they teach nothing here and can exhaust memory
MAX_LAYERS = 8


class HiddenSizesError(ValueError):
    """Hidden sizes text that cannot describe a network; the message says why."""


def parse_hidden(text: str) -> list[int]:
    """ "200, 100, 50" -> [200, 100, 50]; "" (or "none") -> [] (the linear model)."""
    text = text.strip()
    if not text or text.lower() in {"none", "linear", "[]"}:
        return []
    sizes = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            raise HiddenSizesError("empty size between commas; write e.g. 200, 100, 50")
        try:
            size = parse_int(part, example="200")
        except NumberError as exc:
            raise HiddenSizesError(f"{exc} (sizes are written like 200, 100, 50)") from None
        if size < 1:
            raise HiddenSizesError(f"a layer needs at least 1 unit, got {size}")
        if size > MAX_WIDTH:
            raise HiddenSizesError(f"{size:,} units is too wide; at most {MAX_WIDTH:,} per layer")
        sizes.append(size)
    if len(sizes) > MAX_LAYERS:
        raise HiddenSizesError(f"{len(sizes)} hidden layers is too deep; at most {MAX_LAYERS}")
    return sizes


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """parse_hidden's rules for sizes given as numbers (a job's field, e.g. (200, 100, 50)) rather than text."""
    if isinstance(sizes, str) or any(isinstance(s, bool) or not isinstance(s, int) for s in sizes):
        raise HiddenSizesError(f"hidden sizes must be whole numbers of units, got {sizes!r}")
    return parse_hidden(", ".join(map(str, sizes)))


def layer_shapes(in_dim: int = 784, out_dim: int = 10, hidden_dims: list[int] | None = None) -> list[tuple[int, int]]:
    """(fan_in, fan_out) of each Linear layer."""
    dims = [in_dim, *(hidden_dims or []), out_dim]
    return list(zip(dims[:-1], dims[1:]))


def count_params(in_dim: int = 784, out_dim: int = 10, hidden_dims: list[int] | None = None) -> int:
    """Weights plus biases of every layer: sum of (fan_in + 1) * fan_out."""
    return sum((i + 1) * o for i, o in layer_shapes(in_dim, out_dim, hidden_dims))
