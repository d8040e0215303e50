"""A QR code drawn with half-block characters, black on white with a quiet zone, for a phone to scan.

Each terminal cell holds two modules, one above the other (▀ ▄ █ or a space), so a module is
about square in a usual terminal font and a 29x29 code (a YouTube address at error level L
or better) with its quiet zone takes 33 columns by 17 rows. segno (pure Python, maintained)
makes the module matrix; with boost_error it raises the error level when that fits in the
same size, which makes the code more robust for free.
"""

from __future__ import annotations

import segno
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

QUIET = 2  # modules of white around the code; phones read 2 reliably, and it saves 4 rows at 80x24
INK = Style(color="#000000", bgcolor="#ffffff")  # true black on white: terminal themes remap named colours
CELL = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def qr_matrix(data: str, border: int = QUIET) -> list[list[bool]]:
    """The code's modules (True = dark), quiet zone included, at error correction L or better."""
    code = segno.make_qr(data, error="l", boost_error=True)
    return [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=border)]


def half_blocks(matrix: list[list[bool]]) -> list[str]:
    """Two rows of modules per line of text; an odd last row is paired with a light one."""
    rows = matrix + ([[False] * len(matrix[0])] if len(matrix) % 2 else [])
    return [
        "".join(CELL[top, bottom] for top, bottom in zip(upper, lower)) for upper, lower in zip(rows[::2], rows[1::2])
    ]


class QRCode(Widget):
    """The QR code of `data`, sized to fit it exactly."""

    DEFAULT_CSS = "QRCode { width: auto; height: auto; }"

    data: reactive[str] = reactive("", layout=True)

    def __init__(self, data: str = "", **kwargs):
        super().__init__(**kwargs)
        self.set_reactive(QRCode.data, data)
        self._lines: list[str] = []
        self._made_for: str | None = None

    @property
    def lines(self) -> list[str]:
        if self._made_for != self.data:
            self._lines = half_blocks(qr_matrix(self.data)) if self.data else []
            self._made_for = self.data
        return self._lines

    def get_content_width(self, container, viewport) -> int:
        return len(self.lines[0]) if self.lines else 0

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines)

    def render(self) -> Text:
        return Text("\n".join(self.lines), style=INK, no_wrap=True, end="")
