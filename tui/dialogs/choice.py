"""A small modal question with a few named answers, each on a key and a button (e.g. reload / overwrite / keep)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from .once import DismissedOnce


@dataclass(frozen=True)
class Choice:
    key: str  # a single printable key, e.g. "r"
    label: str  # what the button says, e.g. "Reload from disk"
    value: str  # what the dialog dismisses with


class ChoiceDialog(DismissedOnce, ModalScreen[str]):
    """Dismisses with the value of the answer chosen by its key or button; Esc gives `cancel`."""

    CSS_PATH = "choice.tcss"

    def __init__(self, title: str, text: str, choices: list[Choice], cancel: str) -> None:
        super().__init__()
        self.title_text, self.text, self.choices, self.cancel = title, text, choices, cancel

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.text, id="choice-text", markup=False)
            with Horizontal():
                for c in self.choices:
                    yield Button(f"{c.key}: {c.label}", id=f"choice-{c.value}", compact=True)
            yield Static(f"Press a letter or a button · Esc: {self.cancel_label}", id="choice-keys", markup=False)

    @property
    def cancel_label(self) -> str:
        return next((c.label.lower() for c in self.choices if c.value == self.cancel), "cancel")

    def on_key(self, event: Key) -> None:
        if event.key == "escape":
            event.stop()
            self.dismiss(self.cancel)
            return
        for c in self.choices:
            if event.character == c.key:
                event.stop()
                self.dismiss(c.value)
                return

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-") or self.cancel)
