"""A window onto a 28x28 grid of pixel values with one decimal, as many as fit, moved with the arrows."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

CELL = 5  # " -0.4": one decimal, sign, and a space between numbers
LABEL = 4  # "r13 "


def value_style(v: float, background: float) -> Style:
    """Ink brighter than paper, so the digit shows in the numbers too."""
    if v <= background + 0.05:
        return Style(color="grey42")
    return Style(color="bright_white", bold=True) if v > 1.0 else Style(color="grey82")


class PixelGrid(Widget, can_focus=True):
    """Rows and columns of the image that fit the widget, centred at first; a caption says which."""

    DEFAULT_CSS = """
    PixelGrid { width: 1fr; height: 1fr; text-wrap: nowrap; }
    PixelGrid:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("up", "move(-1, 0)", "move window", key_display="arrows"),
        Binding("down", "move(1, 0)", show=False),
        Binding("left", "move(0, -1)", show=False),
        Binding("right", "move(0, 1)", show=False),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.pixels: tuple[tuple[float, ...], ...] = ()
        self.label: int | None = None
        self.background = -0.42
        self._offset: tuple[int, int] | None = None  # top-left (row, col); None = centred

    def set_pixels(self, pixels, label: int | None = None, background: float = -0.42) -> None:
        self.pixels, self.label, self.background = pixels, label, background
        self.refresh()

    def fits(self) -> tuple[int, int]:
        """(rows, cols) of values that fit under the caption and header rows."""
        n = len(self.pixels) or 28
        return max(1, min(n, self.size.height - 2)), max(1, min(n, (self.size.width - LABEL) // CELL))

    def window(self) -> tuple[int, int, int, int]:
        """First row, row after the last, first col, col after the last."""
        n = len(self.pixels) or 28
        rows, cols = self.fits()
        r0, c0 = self._offset if self._offset is not None else ((n - rows) // 2, (n - cols) // 2)
        r0, c0 = max(0, min(r0, n - rows)), max(0, min(c0, n - cols))
        return r0, r0 + rows, c0, c0 + cols

    def caption(self) -> str:
        r0, r1, c0, c1 = self.window()
        n = len(self.pixels) or 28
        whole = r1 - r0 == n and c1 - c0 == n
        shown = "all rows and cols" if whole else f"rows {r0}-{r1 - 1}, cols {c0}-{c1 - 1} of 0-{n - 1}"
        hint = "" if whole else ("  arrows move" if self.has_focus else "  (Tab here, then arrows move)")
        label = f"Label: {self.label}   " if self.label is not None else ""
        return f"{label}{shown}{hint}"

    def action_move(self, dr: int, dc: int) -> None:
        r0, _, c0, _ = self.window()
        self._offset = (r0 + dr, c0 + dc)
        self._offset = self.window()[0], self.window()[2]  # clamped
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render(self) -> Text:
        text = Text(self.caption() + "\n", style="bold", no_wrap=True)
        if not self.pixels:
            return text
        r0, r1, c0, c1 = self.window()
        text.append(" " * LABEL + "".join(f"c{c}".rjust(CELL) for c in range(c0, c1)) + "\n", style="dim")
        for r in range(r0, r1):
            text.append(f"r{r}".ljust(LABEL), style="dim")
            for c in range(c0, c1):
                v = self.pixels[r][c]
                text.append(f"{v:{CELL}.1f}", value_style(v, self.background))
            if r < r1 - 1:
                text.append("\n")
        return text
