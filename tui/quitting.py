"""Quitting: at once, unless an in-app exercise editor holds edits that are not saved yet."""

from __future__ import annotations

from .dialogs.choice import Choice, ChoiceDialog
from .widgets.code_editor import discard_drafts, has_drafts
from .widgets.exercise_pane import ExercisePane


def quit_or_ask(app) -> None:
    """Quit, unless an in-app editor holds unsaved edits: then ask (save and quit, quit anyway, keep editing)."""
    if isinstance(app.screen, ChoiceDialog):
        return
    panes = [p for p in app.screen.query(ExercisePane) if p.editor.dirty]
    if not panes and not has_drafts(app):
        app.exit()
        return
    if panes:
        text = f"The editor has edits to {panes[0].path.name} that are not saved."
        choices = [Choice("s", "Save, then quit", "save")]
    else:
        text = "You left unsaved edits in another section's exercise editor (its Exercise tab still has them)."
        choices = []
    choices += [Choice("d", "Quit without saving", "quit"), Choice("k", "Keep editing", "keep")]

    def answer(choice: str | None) -> None:
        if choice == "save":
            panes[0].save_editor(then=app.exit)
        elif choice == "quit":  # nothing of the edits is kept: no recovery file offers them at the next start
            for pane in panes:
                pane.editor.discard()
            discard_drafts(app)
            app.exit()

    app.push_screen(ChoiceDialog("Unsaved edits", text, choices, cancel="keep"), answer)
