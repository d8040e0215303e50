"""The help screen: every key that works where the learner is, generated from the live bindings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GENERAL = [
    ("Tab / Shift+Tab", "move between controls, tabs and questions"),
    ("← / →", "change the focused setting (or switch tab on the tab bar)"),
    ("Shift+← / Shift+→", "change the focused setting in bigger steps"),
    ("Enter, or a digit", "type an exact value into the focused setting"),
    ("Esc", "while typing: cancel the edit; while computing: stop the run; else: back home"),
    ("Ctrl+P", "command palette: jump to any section, change theme"),
]


class HelpScreen(ModalScreen[None]):
    """A modal listing the keys of the screen below it and the keys every screen shares."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1; }
    HelpScreen .h-title { text-style: bold; color: $accent; margin-bottom: 1; }
    """

    def __init__(self, keys: list[tuple[str, str]], where: str):
        super().__init__()
        self.keys, self.where = keys, where

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"Keys — {self.where}", classes="h-title")
            yield Static(self._table(self.keys))
            yield Static("\nEverywhere", classes="h-title")
            yield Static(self._table(GENERAL))
            yield Static("\nPress Esc, q or ? to close.")

    @staticmethod
    def _table(rows: list[tuple[str, str]]) -> Text:
        """Built as styled Text, not markup: keys such as "[" must show as they are."""
        width = max((len(k) for k, _ in rows), default=0)
        return Text("\n").join(Text.assemble((k.ljust(width), "bold"), "  ", d) for k, d in rows)


def keys_of(screen) -> list[tuple[str, str]]:
    """(key, description) for each binding active on `screen` now, focused widget first."""
    rows, seen = [], set()
    for active in screen.active_bindings.values():
        b = active.binding
        if not b.description or (b.action, b.description) in seen:
            continue
        seen.add((b.action, b.description))
        rows.append((screen.app.get_key_display(b), b.description))
    return rows
