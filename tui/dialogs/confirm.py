"""A modal yes/no question (y or Enter / n or Escape), e.g. before a run is deleted."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from .once import DismissedOnce


class ConfirmDialog(DismissedOnce, ModalScreen[bool]):
    """A question answered with y (or Enter) / n (or Escape)."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "yes"),
        Binding("enter", "answer(True)", "yes", show=False),
        Binding("n", "answer(False)", "no"),
        Binding("escape", "answer(False)", "no", show=False),
    ]

    def __init__(self, question: str, title: str = "Confirm") -> None:
        super().__init__()
        self.question, self.title_text = question, title

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.question, markup=False)
            yield Static("y / Enter: yes    n / Escape: no", id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
