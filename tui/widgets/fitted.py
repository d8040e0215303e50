"""A one-line StatusLine that shows the longest of its wordings that fits its width, never a text cut with "…"."""

from __future__ import annotations

from rich.cells import cell_len

from .status_line import StatusLine


class FittedLine(StatusLine):
    """`say("long wording", "shorter", "short")`: the first that fits is shown, picked again at each resize.

    The last wording is shown when none fits (then it is cut at the edge, as any text would be);
    give a short enough last one. A StatusLine: a new wording of the same size costs no layout pass.
    """

    DEFAULT_CSS = "FittedLine { height: 1; text-wrap: nowrap; }"

    def __init__(self, *wordings: str, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.wordings: tuple[str, ...] = wordings
        self.shown = ""

    def say(self, *wordings: str) -> None:
        self.wordings = wordings
        self._fit()

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width = self.content_size.width
        if not self.wordings:
            text = ""
        elif width <= 0:
            text = self.wordings[0]
        else:
            text = next((w for w in self.wordings if cell_len(w) <= width), self.wordings[-1])
        self.shown = text
        self.show(text)
