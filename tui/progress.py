"""The learner's course progress as one service the app owns: marks, passed exercises, answers, choices."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.signal import Signal

from engine.exercises import EXERCISE_IDS, catalog
from engine.exercises import workspace as ws
from engine.progress import ProgressStore

from .lessons import exercises, questions
from .sections import BY_KEY, SECTIONS

VISITED, PASSED, ANSWERED = "●", "✔", "✎"


def choice_key(section: str, exercise_id: str) -> str:
    """The stored key of one section's reference/yours choice for one exercise."""
    return f"{section}/{exercise_id}"


CURSOR = "editor_cursor"  # the progress store's kind for where the editor's cursor was, per exercise


class CourseProgress:
    """What screens ask about the learner's progress, and where they record it.

    The app creates one and hands it to every screen (and the screens to their widgets).
    `changed` (a Signal) is published with the exercise or question id that changed, so widgets
    elsewhere (the implementation toggles) can update themselves. Notices (a damaged file set
    aside, a save that failed) are shown as app notifications as soon as they arise.
    """

    def __init__(self, app: App, workspace: Path | None = None, store: ProgressStore | None = None):
        self.app = app
        self.store = store or ProgressStore()
        self.workspace = workspace
        self.changed: Signal[str] = Signal(app, "progress-changed")
        self._digest_cache: tuple[tuple, dict[str, str]] | None = None

    def refresh(self) -> None:
        """Read the stored progress again: what other windows (or `serve` tabs) wrote since. The app calls
        this whenever it shows a screen, so an answer typed in one window is there when the other shows it."""
        self.store.refresh()
        self.show_notices()

    def close(self) -> None:
        self.store.close()

    def show_notices(self) -> None:
        for notice in self.store.take_notices():
            self.app.notify(notice, title="Your progress", severity="warning", timeout=12)

    # -- sections -------------------------------------------------------------------------------
    @property
    def last_section(self) -> str | None:
        return self.store.last_section

    def section_opened(self, key: str) -> None:
        self.store.visit(key)
        self.show_notices()

    def start_section(self, wanted: str | None) -> str | None:
        """The section to open at start: the one asked for, else the last one the learner opened."""
        last = self.store.last_section
        return wanted or (last if last in BY_KEY else None)

    def section_marks(self, key: str) -> str:
        """Rich markup after a section's name on the home screen: ● visited, ✔ exercise passed, ✎ n/m answered."""
        marks = []
        if key in self.store.visited:
            marks.append(f"[$success]{VISITED}[/]")
        marks += [f"[$success]{PASSED}[/]" for ex in exercises(key) if ex["id"] in self.store.passed]
        qs = [q.id for q in questions(key)]
        answered = self.store.answered(qs)
        if answered:
            marks.append(f"[$accent]{ANSWERED} {answered}/{len(qs)}[/]")
        return " ".join(marks)

    def summary(self) -> str:
        p = self.store
        visited = sum(1 for s in SECTIONS if s.key in p.visited)
        passed = sum(1 for e in EXERCISE_IDS if e in p.passed)
        all_q = [q.id for q in questions()]
        return (
            f"{VISITED} visited {visited}/{len(SECTIONS)} sections   {PASSED} passed {passed}/{len(EXERCISE_IDS)} "
            f"exercises   {ANSWERED} answered {p.answered(all_q)}/{len(all_q)} questions"
        )

    # -- exercises ------------------------------------------------------------------------------
    def workspace_path(self) -> Path:
        return ws.workspace_file(self.workspace)

    def exercise_passed(self, exercise_id: str) -> bool:
        return exercise_id in self.store.passed

    def exercise_ready(self, exercise_id: str) -> bool:
        """Passed, and the function has not been changed since it passed."""
        digest = self.store.passed.get(exercise_id)
        return digest is not None and self._digests().get(exercise_id) == digest

    def _digests(self) -> dict[str, str]:
        """The digests of the learner's functions, read again only when the file changes."""
        path = self.workspace_path()
        try:
            st = path.stat()
            key = (str(path), st.st_mtime_ns, st.st_size)
        except OSError:
            return {}
        if self._digest_cache is None or self._digest_cache[0] != key:
            self._digest_cache = (key, ws.read(path).digests)
        return self._digest_cache[1]

    def record_pass(self, exercise_id: str, digest: str) -> None:
        self.store.mark_passed(exercise_id, digest)
        self.show_notices()
        self.changed.publish(exercise_id)

    # -- reference or yours: each section's own choice ---------------------------------------------
    def uses_yours(self, section: str, exercise_id: str) -> bool:
        """Whether `section`'s demos are to run the learner's `exercise_id` (once it is ready).

        Each section keeps its own choice: `i` in Section 3 no longer switches Sections 4 and 7. A
        choice stored before (one per exercise, for every section) holds where the exercise is taught.
        """
        chosen = self.store.use_mine
        key = choice_key(section, exercise_id)
        if key in chosen:
            return chosen[key]
        return catalog()[exercise_id]["section"] == section and chosen.get(exercise_id, False)

    def choose_yours(self, section: str, exercise_ids, value: bool) -> None:
        for ex in exercise_ids:
            self.store.set_use_mine(choice_key(section, ex), value)
            self.changed.publish(ex)
        self.show_notices()

    def learner_functions(self, section: str, exercise_ids) -> dict[str, str]:
        """{function name: path of the learner's file} for the exercises `section` runs with their own code:
        passed, unchanged since, and switched to "yours" there. A Job carries it as `learner`; the engine
        loads it with engine.exercises.learner.load_learner_functions (the reference is used for the rest)."""
        path = str(self.workspace_path())
        return {ex: path for ex in exercise_ids if self.uses_yours(section, ex) and self.exercise_ready(ex)}

    # -- the exercise editor -------------------------------------------------------------------
    def editor_cursor(self, exercise_id: str) -> tuple[int, int] | None:
        """Where the learner left the editor's cursor in this exercise (row, column), if they did."""
        raw = self.store.get(CURSOR, exercise_id) or ""
        row, _, column = raw.partition(",")
        if not (row.isdigit() and column.isdigit()):
            return None
        return int(row), int(column)

    def set_editor_cursor(self, exercise_id: str, location: tuple[int, int]) -> None:
        value = "{},{}".format(*location)
        if self.store.get(CURSOR, exercise_id) != value and not self.store.put(
            CURSOR, exercise_id, value, "where the editor's cursor was"
        ):
            self.show_notices()

    # -- answers --------------------------------------------------------------------------------
    def answer_for(self, question_id: str) -> str:
        return self.store.answers.get(question_id, "")

    def save_answer(self, question_id: str, text: str) -> bool:
        """False when the answer could not be written (a notice says why)."""
        ok = self.store.set_answer(question_id, text)
        if not ok:
            self.show_notices()
        self.changed.publish(question_id)
        return ok
