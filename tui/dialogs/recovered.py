"""Unsaved edits found after the app ended without saving them: restore, compare with the file, or discard."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from engine.exercises import catalog, editing
from engine.exercises.recovery import Recovered

from .choice import Choice, ChoiceDialog


def recovered_text(found: Recovered, path: Path, disk: str | None, changed: bool) -> str:
    """What the dialog says: whose edits, from when, and what the exercise file did meanwhile (`changed`: it is
    not the file the edits started from)."""
    title = catalog()[found.exercise]["title"] if found.exercise in catalog() else found.exercise
    text = (
        f"Unsaved edits from {found.when()} were recovered. They were made to {path.name} in {title} and not "
        "saved when the app ended (a closed terminal, a lost connection or a crash)."
    )
    if disk is None:
        text += f" {path.name} was deleted since: restoring them and saving writes it again."
    elif changed:
        text += (
            f" {path.name} changed since they were made: restoring puts them in the editor, and saving asks "
            "before it replaces the file."
        )
    return text


def offer(app: App, found: Recovered, path: Path, answer: Callable[[str], None]) -> None:
    """Ask what to do with `found`; `answer` gets "restore", "discard" or "later" (Esc). Compare shows the
    differences with the file as it is on disk and asks again."""
    loaded = editing.load(path)
    disk = None if loaded.fingerprint is None else loaded.text
    changed = loaded.fingerprint != found.base

    def chosen(choice: str | None) -> None:
        if choice == "compare":
            app.push_screen(CompareDialog(found, path, disk), lambda _: offer(app, found, path, answer))
        else:
            answer(choice or "later")

    choices = [
        Choice("r", "Restore", "restore"),
        Choice("c", "Compare with the file", "compare"),
        Choice("d", "Discard", "discard"),
        Choice("l", "Later", "later"),
    ]
    app.push_screen(
        ChoiceDialog("Unsaved edits recovered", recovered_text(found, path, disk, changed), choices, "later"), chosen
    )


def differences(found: Recovered, path: Path, disk: str | None) -> Text:
    """The file on disk against the recovered edits, as a coloured unified diff (Text: no markup to escape)."""
    lines = difflib.unified_diff(
        (disk or "").splitlines(),
        found.text.splitlines(),
        f"{path.name} (on disk)" if disk is not None else f"{path.name} (deleted)",
        f"recovered edits ({found.when()})",
        lineterm="",
        n=2,
    )
    out = Text()
    for line in lines:
        style = (
            "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line[:2] == "@@" else ""
        )
        out.append(line + "\n", style=style)
    return out if out.plain else Text("The recovered edits and the file are the same.")


class CompareDialog(ModalScreen[None]):
    """The differences between the file and the recovered edits, scrollable; Esc or Enter goes back."""

    CSS_PATH = "recovered.tcss"
    BINDINGS = [Binding("escape,enter", "dismiss_dialog", "back")]

    def __init__(self, found: Recovered, path: Path, disk: str | None) -> None:
        super().__init__()
        self.found, self.path, self.disk = found, path, disk

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Recovered edits against the file"
            with VerticalScroll(id="compare-diff"):
                yield Static(differences(self.found, self.path, self.disk), id="compare-text")
            yield Static("↑/↓ PageUp/PageDown scroll · Esc or Enter: back to the choice", id="compare-keys")

    def on_mount(self) -> None:
        self.query_one("#compare-diff").focus()

    def action_dismiss_dialog(self) -> None:
        self.dismiss(None)
