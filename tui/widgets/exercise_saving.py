"""How the Exercise tab saves the in-app editor and asks before anything could be lost.

A file changed or replaced on disk since it was loaded: reload (undoable with ctrl+z, so the
edits are never gone), overwrite, or keep editing. A file deleted meanwhile: saving writes it
again. Unsaved edits a window left when it ended: restore, compare with the file, or discard.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.screen import ModalScreen

from ..dialogs import recovered
from ..dialogs.choice import Choice, ChoiceDialog
from .code_editor import ExerciseEditor

if TYPE_CHECKING:
    from .exercise_pane import ExercisePane


class SaveFlow:
    """The saving and asking of one ExercisePane (kept apart: the pane has the task, the check and the solution)."""

    def __init__(self, pane: ExercisePane) -> None:
        self.pane = pane

    @property
    def editor(self) -> ExerciseEditor:
        return self.pane.editor

    @property
    def path(self) -> Path:
        return self.pane.path

    def save(self, then=None) -> None:
        """Save the editor's text; if the file changed on disk meanwhile, ask before anything is lost."""
        result = self.editor.save()
        name = self.path.name
        if result.status == "saved":
            again = (
                f"{name} had been deleted outside the app: it is written again from the editor. "
                if result.recreated
                else ""
            )
            self.pane.set_status(f"{again}Saved {name}. Press c (outside the editor: Esc first) to check it.")
            self._saved(then)
        elif result.status == "conflict":
            what = "replaced by another file" if self.editor.replaced() else "changed"
            self.pane.app.push_screen(
                ChoiceDialog(
                    f"{name} was {what} on disk",
                    f"{name} was {what} outside this editor since it was loaded here (in another editor, or another "
                    "tab of the app). Saving now would replace it. Reloading shows it here: ctrl+z then brings your "
                    "edits back.",
                    [
                        Choice("r", "Reload from disk", "reload"),
                        Choice("o", "Overwrite with mine", "overwrite"),
                        Choice("k", "Keep editing", "keep"),
                    ],
                    cancel="keep",
                ),
                lambda answer: self._resolve_conflict(answer, then),
            )
        else:
            self.pane.set_status(f"Not saved: {result.message}.", "error")

    def _saved(self, then) -> None:
        self.pane.refresh_file()
        self.pane.editor_to_top()
        if then is not None:
            then()

    def _resolve_conflict(self, answer: str | None, then) -> None:
        editor, name = self.editor, self.path.name
        if answer == "reload":
            editor.reload(undoable=True)
            editor.say(f"Reloaded {name} from disk: ctrl+z brings your edits back", sticky=True)
            self.pane.set_status(f"Reloaded {name} from disk; ctrl+z in the editor brings your edits back.")
            editor.area.focus()
        elif answer == "overwrite":
            if editor.save(force=True).status == "saved":
                self.pane.set_status(f"Saved {name} over the version on disk.")
                self._saved(then)
        else:
            editor.show_state()
            editor.area.focus()

    # -- edits a window left -----------------------------------------------------------------------
    def say_sync(self, outcome: str) -> None:
        """Tell the learner what loading the editor found (restored, recovered, another window's edits)."""
        editor = self.editor
        if outcome == "restored":
            self.pane.set_status("Your unsaved edits from before are back in the editor below (ctrl+s saves them).")
        elif outcome == "deleted":
            self.pane.set_status(f"{self.path.name} was deleted outside the app: ctrl+s in the editor writes it again.")
        elif outcome == "recovered":
            self.offer_recovered()
        elif outcome == "elsewhere" and editor.elsewhere is not None:
            self.pane.set_status(
                f"Another window of the app (process {editor.elsewhere.pid}) has had unsaved edits to this exercise "
                f"since {editor.elsewhere.when()}; if it ends without saving them, they are offered here.",
                "missing",
            )

    def offer_recovered(self) -> None:
        """Ask whether to restore the unsaved edits a window that ended left (compare shows them first)."""
        found = self.editor.recovered
        if found is None or isinstance(self.pane.app.screen, ModalScreen):
            return
        when, name = found.when(), self.path.name

        def answer(choice: str) -> None:
            editor = self.editor
            if choice == "restore":
                editor.restore_recovered()
                self.pane.edit_here(f"Your unsaved edits from {when} are back: ctrl+s saves them, Esc leaves.")
            elif choice == "discard":
                editor.discard_recovered()
                self.pane.set_status(f"The unsaved edits from {when} were discarded; {name} is as it was.")
            else:
                self.pane.set_status(
                    f"Unsaved edits from {when} were recovered: e shows them again (restore, compare or discard)."
                )

        recovered.offer(self.pane.app, found, self.path, answer)
