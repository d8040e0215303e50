"""Section 4's surface axes: the bias (-4..4) beside the heat map and the weight (-4..4) under it."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class AxisColumn(Widget):
    """The bias axis beside the surface: 4 at the top, 0 in the middle, -4 at the bottom (right-aligned)."""

    DEFAULT_CSS = "AxisColumn { width: 3; height: 1fr; color: $text-muted; }"

    def render(self) -> Text:
        h = self.size.height
        rows = [""] * h
        if h:
            rows[0], rows[-1], rows[(h - 1) // 2] = " 4", "-4", " 0"
        return Text("\n".join(rows), no_wrap=True)


class AxisRow(Widget):
    """The weight axis under the surface: -4 ... Weight → ... 4."""

    DEFAULT_CSS = "AxisRow { height: 1; color: $text-muted; padding-left: 3; }"

    def render(self) -> Text:
        w, mid = self.size.width, "0  Weight →"
        left = (w - 1) // 2
        line = "-4".ljust(left) + mid
        return Text(line[: w - 1].ljust(w - 1) + "4", no_wrap=True)
