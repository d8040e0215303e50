"""The app's side of the learner's progress: marks for the home screen, passed exercises, answers, choices."""

from __future__ import annotations

from pathlib import Path

from textual.signal import Signal

from engine.exercises import EXERCISE_IDS
from engine.exercises import workspace as ws
from engine.progress import Progress

from .lessons import exercises, questions
from .sections import BY_KEY, SECTIONS

VISITED, PASSED, ANSWERED = "●", "✔", "✎"


class ProgressHooks:
    """Mixed into the App: what screens ask about progress, and where they record it.

    `progress_changed` (a Signal) is published with the exercise id or question id that changed,
    so widgets elsewhere (the implementation toggles) can update themselves.
    """

    progress: Progress

    def init_progress(self) -> None:
        self.progress = Progress()
        self.progress_changed: Signal[str] = Signal(self, "progress-changed")

    def show_progress_notices(self) -> None:
        for notice in self.progress.take_notices():
            self.notify(notice, title="Your progress", severity="warning", timeout=12)

    # -- sections -------------------------------------------------------------------------------
    def section_opened(self, key: str) -> None:
        self.progress.visit(key)
        self.show_progress_notices()

    def start_section(self, wanted: str | None) -> str | None:
        """The section to open at start: the one asked for, else the last one the learner opened."""
        last = self.progress.last_section
        return wanted or (last if last in BY_KEY else None)

    def section_marks(self, key: str) -> str:
        """Rich markup after a section's name on the home screen: ● visited, ✔ exercise passed, ✎ n/m answered."""
        marks = []
        if key in self.progress.visited:
            marks.append(f"[$success]{VISITED}[/]")
        for ex in exercises(key):
            if ex["id"] in self.progress.passed:
                marks.append(f"[$success]{PASSED}[/]")
        qs = [q.id for q in questions(key)]
        answered = self.progress.answered(qs)
        if answered:
            marks.append(f"[$accent]{ANSWERED} {answered}/{len(qs)}[/]")
        return " ".join(marks)

    def progress_summary(self) -> str:
        p = self.progress
        visited = sum(1 for s in SECTIONS if s.key in p.visited)
        passed = sum(1 for e in EXERCISE_IDS if e in p.passed)
        all_q = [q.id for q in questions()]
        return (
            f"{VISITED} visited {visited}/{len(SECTIONS)} sections   {PASSED} passed {passed}/{len(EXERCISE_IDS)} "
            f"exercises   {ANSWERED} answered {p.answered(all_q)}/{len(all_q)} questions"
        )

    # -- exercises ------------------------------------------------------------------------------
    def workspace_path(self) -> Path:
        return ws.workspace_file(getattr(self.config, "workspace", None))

    def exercise_passed(self, exercise_id: str) -> bool:
        return exercise_id in self.progress.passed

    def exercise_ready(self, exercise_id: str) -> bool:
        """Passed, and the function has not been changed since it passed."""
        digest = self.progress.passed.get(exercise_id)
        return digest is not None and self._digests().get(exercise_id) == digest

    def _digests(self) -> dict[str, str]:
        """The digests of the learner's functions, read again only when the file changes."""
        path = self.workspace_path()
        try:
            st = path.stat()
            key = (str(path), st.st_mtime_ns, st.st_size)
        except OSError:
            return {}
        cached = getattr(self, "_digest_cache", None)
        if cached is None or cached[0] != key:
            self._digest_cache = cached = (key, ws.read(path).digests)
        return cached[1]

    def record_pass(self, exercise_id: str, digest: str) -> None:
        self.progress.mark_passed(exercise_id, digest)
        self.progress_changed.publish(exercise_id)

    def use_mine(self, exercise_id: str) -> bool:
        return self.progress.use_mine.get(exercise_id, False)

    def set_use_mine(self, exercise_ids, value: bool) -> None:
        for ex in exercise_ids:
            self.progress.set_use_mine(ex, value)
            self.progress_changed.publish(ex)

    def learner_functions(self, exercise_ids) -> dict[str, str]:
        """{function name: path of the learner's file} for the exercises to run with their own code:
        passed, unchanged since, and switched to "yours". Pass it into the worker and load it there
        with engine.exercises.learner.load_learner_functions (the reference is used for the rest)."""
        path = str(self.workspace_path())
        return {ex: path for ex in exercise_ids if self.use_mine(ex) and self.exercise_ready(ex)}

    # -- answers --------------------------------------------------------------------------------
    def answer_for(self, question_id: str) -> str:
        return self.progress.answers.get(question_id, "")

    def save_answer(self, question_id: str, text: str) -> None:
        if not self.progress.set_answer(question_id, text):
            self.show_progress_notices()
        self.progress_changed.publish(question_id)
