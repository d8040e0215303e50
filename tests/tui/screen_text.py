"""Reading what a Pilot app shows, as text: its lines, and the places where a text was cut with "…"."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.errors import NoWidget
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TextArea

MARK = "…"


def screen_lines(app) -> list[str]:
    """Every line of the top screen as the terminal shows it (modal dialogs drawn over what is below)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def source_text(widget: Widget) -> str:
    """What `widget` would show if nothing were cut: its text, placeholder, cells and border titles."""
    parts = [str(widget.border_title or ""), str(widget.border_subtitle or "")]
    if isinstance(widget, Static):
        parts.append(str(widget.render()))
    elif isinstance(widget, Input):
        parts += [widget.value, str(widget.placeholder)]
    elif isinstance(widget, TextArea):
        parts += [widget.text, str(widget.placeholder)]
    elif isinstance(widget, DataTable):
        parts += [str(c.label) for c in widget.columns.values()]
        parts += [str(cell) for row in range(widget.row_count) for cell in widget.get_row_at(row)]
    return "\n".join(parts)


@dataclass(frozen=True)
class Cut:
    """A "…" on screen that is not part of the text it ends: the text was cut there."""

    line: str
    widget: Widget

    def __str__(self) -> str:
        name = type(self.widget).__name__ + (f"#{self.widget.id}" if self.widget.id else "")
        return f"{name}: {self.line.strip()!r}"


def widget_at(app, x: int, y: int) -> Widget:
    """The widget drawn at (x, y): on a dialog's see-through margin, the one on the screen below."""
    for screen in reversed(app.screen_stack):
        try:
            widget, _ = screen.get_widget_at(x, y)
        except NoWidget:
            continue
        if widget is not screen or not isinstance(screen, ModalScreen):
            return widget
    return app.screen


def cuts(app, allowed: dict[str, str] | None = None) -> list[Cut]:
    """Each "…" of the screen that the text under it does not contain (allowed: phrase -> why it may be cut)."""
    found: list[Cut] = []
    for y, line in enumerate(screen_lines(app)):
        x = line.find(MARK)
        while x >= 0:
            widget = widget_at(app, cell_len(line[:x]), y)
            before = line[max(0, x - 3) : x].lstrip()
            written = (before + MARK) in source_text(widget) or any(
                (before + MARK) in source_text(w) for w in widget.ancestors_with_self if isinstance(w, Widget)
            )
            if not written and not any(phrase in line for phrase in (allowed or {})):
                found.append(Cut(line, widget))
            x = line.find(MARK, x + 1)
    return found


def showing_whole(screen, widget) -> bool:
    """Whether every row of the widget is on screen, neither clipped by its container nor covered."""
    r = widget.region
    return r.height > 0 and all(screen.get_widget_at(r.x, y)[0] is widget for y in range(r.y, r.bottom))
