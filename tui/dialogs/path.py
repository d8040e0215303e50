"""A modal dialog that asks for a file path to save to or load from, checked as it is typed."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..typed_text import PATH_CHARS, BoundedInput
from ..validation import check_save_path
from .once import DismissedOnce


class PathDialog(DismissedOnce, ModalScreen[tuple[Path, bool] | None]):
    """Ask for a file path; dismisses with (path, overwrite) or None on Escape.

    For writing, the folder must exist and an existing file is overwritten only after a
    second Enter on the same path; for reading (`must_exist`), the file must exist.
    """

    CSS_PATH = "path.tcss"
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, title: str, default: str, *, must_exist: bool = False, help: str = "") -> None:
        super().__init__()
        self.title_text, self.default, self.must_exist, self.help = title, default, must_exist, help
        self._confirm: Path | None = None  # the existing file a second Enter will overwrite

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.help or "Enter accepts, Escape cancels", id="path-help", markup=False)
            yield BoundedInput(self.default, id="path", select_on_focus=False, max_length=PATH_CHARS)
            yield Static("", id="path-error", markup=False)

    def on_mount(self) -> None:
        field = self.query_one("#path", Input)
        field.cursor_blink = False
        field.focus()
        field.cursor_position = len(field.value)

    def _say(self, message: str, confirm: bool = False) -> None:
        error = self.query_one("#path-error", Static)
        error.update(message)
        error.set_class(confirm, "-confirm")

    @on(Input.Changed)
    def _edited(self) -> None:
        self._confirm = None
        self._say("")

    @on(BoundedInput.Clipped)
    def _clipped(self, event: BoundedInput.Clipped) -> None:
        self._say(event.reason)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path, error = check_save_path(event.value, must_exist=self.must_exist)
        if path is None:
            self._say(error)
            return
        if self.must_exist or not path.exists():
            self.dismiss((path, False))
        elif self._confirm == path:
            self.dismiss((path, True))
        else:
            self._confirm = path
            self._say(f"{path.name} exists: Enter again to overwrite it, or change the name", confirm=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
