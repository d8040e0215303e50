"""The Exercise tab: the task, editing the learner's file (here or in their editor), checking it, the solution.

The check runs in a worker thread that waits on a separate process (engine.exercises.checker),
so the screen stays responsive; Esc (handled by the section screen) stops it. The in-app
editor (tui.widgets.code_editor) is used in a browser session and when no $EDITOR is set.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, getters
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Markdown, Static

from engine import paths
from engine.exercises import catalog, checker, editing, workspace
from engine.exercises.report import CheckReport

from ..course_app import CourseApp
from ..dialogs.choice import Choice, ChoiceDialog
from ..progress import CourseProgress
from .check_result import CheckResult
from .code_area import CodeArea
from .code_editor import ExerciseEditor
from .course_markdown import CourseMarkdown
from .exercise_saving import SaveFlow
from .focus_style import FocusStylesSelf

TONE = {
    "passed": "-good",
    "failed": "-bad",
    "error": "-bad",
    "timeout": "-bad",
    "crashed": "-bad",
    "missing": "-warn",
    "broken": "-warn",
    "cancelled": "-warn",
}


def shown_path(path: Path) -> str:
    """The file as the learner should read it: relative to the user data folder when inside it."""
    try:
        return f"{path.relative_to(paths.data_dir())} in your data folder"
    except ValueError:
        return str(path).replace(str(Path.home()), "~", 1)


class ExercisePane(FocusStylesSelf, VerticalScroll, can_focus=True):
    """One coding exercise: `e` edits the file, `c` checks it, `s` twice reveals the solution."""

    if TYPE_CHECKING:  # self.app is the course's app (its contract: tui.course_app)
        app = getters.app(CourseApp)

    BINDINGS = [
        Binding("e", "edit", "edit"),
        Binding("c", "check", "check"),
        Binding("s", "solution", "solution"),
    ]
    DEFAULT_CSS = """
    ExercisePane { height: 1fr; padding: 0 1; }
    ExercisePane:focus { background-tint: $foreground 3%; }
    ExercisePane .ex-title { text-style: bold; color: $accent; }
    ExercisePane .ex-file { color: $text-muted; }
    ExercisePane #ex-status { margin: 1 0; text-style: bold; }
    ExercisePane #ex-status.-good { color: $success; }
    ExercisePane #ex-status.-bad { color: $error; }
    ExercisePane #ex-status.-warn { color: $warning; }
    ExercisePane .ex-rule { border-left: thick $accent; padding-left: 1; margin: 0 0 1 0; }
    ExercisePane Markdown { margin: 0; padding: 0; }
    ExercisePane #ex-solution { display: none; }
    ExercisePane.-solution #ex-solution { display: block; }
    """

    checking: reactive[bool] = reactive(False)

    def __init__(self, exercise_id: str, course: CourseProgress, **kwargs):
        super().__init__(**kwargs)
        self.exercise_id = exercise_id
        self.course = course
        self.exercise = catalog()[exercise_id]
        self.report: CheckReport | None = None
        self._cancel: threading.Event | None = None
        self._solution_asks = 0
        self.saving = SaveFlow(self)

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        ex = self.exercise
        yield Static(ex["title"], classes="ex-title")
        yield Static("", id="ex-file", classes="ex-file", markup=False)
        yield Static("Press e to write your answer, then c to check it.", id="ex-status", markup=False)
        yield CheckResult()
        yield CourseMarkdown(f"**Signature** `{ex['signature']}`", classes="ex-signature")
        yield Static(ex["rule"].strip("\n"), classes="ex-rule", markup=False)
        yield CourseMarkdown(" ".join(ex["task"].split()), classes="ex-task")
        yield Markdown("", id="ex-stub")  # the learner's text: parsed afresh, not kept
        yield ExerciseEditor(self.exercise_id, course=self.course, id="ex-editor")
        yield CourseMarkdown(f"**The course's solution**\n\n```python\n{ex['solution'].strip()}\n```", id="ex-solution")

    def on_mount(self) -> None:
        self.query_one("#ex-stub", Markdown).display = False
        self.query_one("#ex-file", Static).update(f"Your file: {shown_path(self.path)}")

    def activate(self) -> None:
        """The tab is shown: focus here (so e, c and s work) and make the learner's file on first use."""
        self.focus()
        if not self.query(ExerciseEditor):  # shown in the instant its children are still being mounted (fast keys)
            self.call_after_refresh(self.activate)
            return
        self.refresh_file()
        self._sync_editor()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # Inside the editor e, c and s are text: the Footer must not offer them.
        return not (action in ("edit", "check", "solution") and isinstance(self.screen.focused, CodeArea))

    @property
    def path(self) -> Path:
        return self.course.workspace_path()

    def refresh_file(self, created: bool = False) -> None:
        """Create the learner's file on first use (never overwriting it) and say what is in it."""
        if not self.path.exists() and self.editor.dirty:  # deleted while edited here: the editor writes it again
            self.set_status(f"{self.path.name} was deleted outside the app: ctrl+s in the editor writes it again.")
            return
        try:
            state = workspace.ensure(self.path.parent)
        except OSError as exc:
            self.set_status(f"Could not create your exercise file {self.path}: {exc.strerror or exc}.", "missing")
            return
        line = f"Your file: {shown_path(state.path)}"
        if link := editing.link_target(state.path):
            line += f", a link to {link}"
        self.query_one("#ex-file", Static).update(line)
        stub = self.query_one("#ex-stub", Markdown)
        if state.created:
            self.set_status("Your exercise file was created with every stub: press e to edit it.")
        if self.exercise_id in state.missing and not state.syntax_error:
            self.set_status(
                f"Your file has no function {self.exercise_id} (it was left as it is): add this stub back.", "missing"
            )
            stub.update(f"```python\n{self.exercise['stub'].strip()}\n```")
            stub.display = True
        else:
            stub.display = False

    def set_status(self, text: str, status: str | None = None) -> None:
        widget = self.query_one("#ex-status", Static)
        widget.remove_class(*set(TONE.values()))
        if status in TONE:
            widget.add_class(TONE[status])
        widget.update(text)

    # -- editing --------------------------------------------------------------------------------
    @property
    def editor(self) -> ExerciseEditor:
        return self.query_one(ExerciseEditor)

    def on_resize(self) -> None:
        # The editor fills the tab's height, so once scrolled to it the learner sees only code.
        for editor in self.query(ExerciseEditor):  # (none yet while its children are being mounted)
            editor.styles.height = max(8, self.size.height)

    def _sync_editor(self) -> str:
        outcome = self.editor.attach(self.path)
        self.saving.say_sync(outcome)
        return outcome

    def action_edit(self) -> None:
        self.refresh_file()
        external = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if self.app.is_web or not external:
            why = "" if self.app.is_web else "No editor is set ($VISUAL or $EDITOR), so you edit here: "
            self.edit_here(f"{why}ctrl+s saves {self.path.name}, Esc leaves the editor, then c checks.")
            return
        if self.editor.dirty:
            self.edit_here(f"You have unsaved edits here: ctrl+s saves them, then e opens {external}.")
            return
        command = [*shlex.split(external), str(self.path)]
        try:
            with self.app.suspend():
                result = subprocess.run(command, check=False)
        except SuspendNotSupported:
            # Headless drivers cannot hand the terminal over: run it without one, off the UI thread.
            self.run_worker(
                lambda: self._edit_without_terminal(command),
                thread=True,
                group="exercise-edit",
                exclusive=True,
                exit_on_error=False,
            )
            return
        except OSError as exc:
            self._edited(None, f"Could not start your editor {command[0]!r}: {exc.strerror or exc}.")
            return
        self._edited(result.returncode)

    def edit_here(self, status: str) -> None:
        """Focus the in-app editor on the exercise's function, scrolled into view."""
        self._sync_editor()
        editor = self.editor
        if editor.recovered is not None:  # the learner chose "later": e asks again
            self.saving.offer_recovered()
            return
        if editor.error:  # the keys stay here: the editor would only refuse them
            self.set_status(f"The app's editor cannot open your file: {editor.error}.", "missing")
            return
        self.set_status(status)
        editor.focus_function()
        self.editor_to_top()

    def editor_to_top(self) -> None:
        """Once the layout has settled: the editor at the top, filling the tab (it holds the focus)."""

        async def to_top() -> None:
            # Focusing scrolls with an animation that would otherwise finish after this and win.
            await self.app.animator.stop_animation(self, "scroll_y", complete=False)
            self.scroll_to(y=self.editor.virtual_region.y, animate=False, immediate=True)

        self.call_after_refresh(to_top)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, CodeArea):  # by e, Tab, a click, or back from a dialog
            self.editor_to_top()

    def watch_virtual_size(self) -> None:
        # Text above the editor changed height (the status, the stub notice): keep the editor in place.
        if self.is_mounted and isinstance(self.screen.focused, CodeArea):
            self.editor_to_top()

    def on_code_area_leave(self, event: CodeArea.Leave) -> None:
        event.stop()
        self.focus()  # a second Esc now does what Esc does on the section screen

    def on_code_area_save_requested(self, event: CodeArea.SaveRequested) -> None:
        event.stop()
        self.save_editor()

    def save_editor(self, then=None) -> None:
        """Save the editor's text; if the file changed on disk meanwhile, ask before anything is lost."""
        self.saving.save(then)

    def _edit_without_terminal(self, command: list[str]) -> None:
        try:
            result = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
                timeout=600,
            )
            self.app.call_from_thread(self._edited, result.returncode)
        except (OSError, subprocess.SubprocessError) as exc:
            self.app.call_from_thread(self._edited, None, f"Could not run your editor {command[0]!r}: {exc}.")

    def _edited(self, code: int | None, problem: str = "") -> None:
        if problem:
            self.set_status(problem, "missing")
            return
        self.refresh_file()
        self._sync_editor()
        if self.query_one("#ex-stub", Markdown).display:
            return
        note = "" if code == 0 else f" (your editor exited with code {code})"
        self.set_status(f"Back from the editor{note}. Press c to check your {self.exercise_id}.")

    # -- checking -------------------------------------------------------------------------------
    def action_check(self) -> None:
        if self.checking:
            self.set_status("Already checking… (Esc stops it)")
            return
        if self.editor.dirty:
            self.app.push_screen(
                ChoiceDialog(
                    "Unsaved edits",
                    f"The editor has edits that are not saved yet; the check runs {self.path.name} as it is on disk.",
                    [
                        Choice("s", "Save, then check", "save"),
                        Choice("d", "Check the file on disk", "disk"),
                        Choice("k", "Keep editing", "keep"),
                    ],
                    cancel="keep",
                ),
                self._check_answer,
            )
            return
        self.start_check()

    def _check_answer(self, answer: str | None) -> None:
        if answer == "save":
            self.save_editor(then=self.start_check)
        elif answer == "disk":
            self.start_check()
        else:
            self.editor.area.focus()

    def start_check(self) -> None:
        """Check the file as it is on disk now, in a separate process."""
        self.refresh_file()
        self._sync_editor()
        self.scroll_home(animate=False)  # where the status and the result are shown
        path, ex = self.path, self.exercise_id
        self._cancel = cancel = threading.Event()
        self.checking = True
        self.set_status(f"Checking your {ex} in a separate process… (Esc stops it)")
        timeout, data_dir = self.app.check_timeout, self.app.config.data_dir

        def work() -> None:
            digest = workspace.digest_of(path, ex)  # of the code being checked, even if edited meanwhile
            try:
                report = checker.check(path, ex, timeout=timeout, cancel=cancel, data_dir=data_dir)
            except Exception as exc:  # noqa: BLE001  a bug of ours must not take the app down: the report says it
                report = CheckReport(ex, "broken", f"The checker failed: {type(exc).__name__}: {exc}")
            self.app.call_from_thread(self.show_report, report, digest)

        self.run_worker(work, thread=True, group="exercise-check", exclusive=True, exit_on_error=False)

    def cancel_check(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def show_report(self, report: CheckReport, digest: str | None = None) -> None:
        """Show a check's findings (also used by tests with canned reports)."""
        self.checking = False
        if report.status == "cancelled":
            self.set_status("Check stopped.", "cancelled")
            return
        self.report = report
        self.query_one(CheckResult).show(report)
        text = self._offering_keys_that_work(report.summary)
        if report.passed:
            if digest:
                self.course.record_pass(self.exercise_id, digest)
            text = f"✔ {text} The demos that use it can now run your version (press i there)."
        self.set_status(text, report.status)
        self.scroll_home(animate=False)

    def _offering_keys_that_work(self, text: str) -> str:
        """A check's message without its hints at e where e would only refuse: the app's own editor edits here
        and cannot open the file (too large, not UTF-8), so the message points to another editor instead."""
        external = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not self.editor.error or (external and not self.app.is_web):
            return text
        for hint, instead in ((" (e opens it in your editor)", " in another editor"), (" (e)", " in another editor")):
            text = text.replace(hint, instead)
        return text

    def on_unmount(self) -> None:
        self.cancel_check()  # leaving the section kills a running check

    # -- the solution ---------------------------------------------------------------------------
    def action_solution(self) -> None:
        if self.has_class("-solution"):
            self.remove_class("-solution")
            return
        self._solution_asks += 1
        if self._solution_asks < 2:
            self.set_status("Try it yourself first — press s again to reveal the course's solution.")
            return
        self.add_class("-solution")
        self.set_status("The course's solution is shown at the bottom (s hides it).")
        self.scroll_end(animate=False)
