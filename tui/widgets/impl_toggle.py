"""A one-line switch between the course's reference functions and the learner's own (once they pass), in words.

    update rules: the reference · i: your gradient_update, momentum_update
    update rules: your gradient_update, momentum_update · i: the reference

`i` on the section screen (or Enter/space/click on the switch) flips it; until one of its
exercises has passed and not been changed since, it says what to pass first. The choice is kept
per section and per exercise in the learner's progress (a choice in Section 3 never changes
Section 4); a demo reads it with `course.learner_functions(section, ids)` and says what ran with
`runs_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from engine.exercises import EXERCISE_IDS, short_title

if TYPE_CHECKING:
    from ..progress import CourseProgress


def exercises_named(ids) -> str:
    """ "Exercise 3", or "Exercise 4, 6 or 7" (course order)."""
    numbers = [short_title(ex).split()[-1] for ex in EXERCISE_IDS if ex in ids]
    if len(numbers) == 1:
        return f"Exercise {numbers[0]}"
    return f"Exercise {', '.join(numbers[:-1])} or {numbers[-1]}"


def in_course_order(ids: Iterable[str]) -> list[str]:
    wanted = set(ids)
    return [ex for ex in EXERCISE_IDS if ex in wanted]


def runs_text(learner: Mapping[str, str], exercise_ids: Iterable[str] = ()) -> str:
    """What a run used, in words: "the reference", "your momentum_update", or "your momentum_update
    (the reference's rmsprop_update)" when only some of the demo's exercises (`exercise_ids`) are the learner's."""
    mine = in_course_order(learner)
    if not mine:
        return "the reference"
    theirs = [ex for ex in in_course_order(exercise_ids) if ex not in learner]
    text = "your " + ", ".join(mine)
    return text + (f" (the reference's {', '.join(theirs)})" if theirs else "")


class ImplementationToggle(Widget, can_focus=True):
    """Reference or yours, for the exercises `exercise_ids` that a demo of `section` uses."""

    BINDINGS = [Binding("enter,space", "switch", "reference/yours", show=False)]
    DEFAULT_CSS = """
    ImplementationToggle { height: 1; width: 1fr; }
    ImplementationToggle:focus { background: $boost; }
    """

    class Changed(Message):
        """The learner switched: `use_mine` tells which; `exercise_ids` are those now using theirs."""

        def __init__(self, toggle: ImplementationToggle, use_mine: bool, exercise_ids: list[str]):
            super().__init__()
            self.toggle, self.use_mine, self.exercise_ids = toggle, use_mine, exercise_ids

        @property
        def control(self) -> ImplementationToggle:
            return self.toggle

    def __init__(
        self, exercise_ids, course: CourseProgress, section: str, label: str = "update rules", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.exercise_ids = in_course_order(exercise_ids)
        self.course, self.section = course, section
        self.label = label

    def on_mount(self) -> None:
        self.course.changed.subscribe(self, self._progress_changed)

    def _progress_changed(self, changed: str) -> None:
        if changed in self.exercise_ids:
            self.refresh()
            self.screen.refresh_bindings()  # the key bar's hint for i says what runs

    # -- state ----------------------------------------------------------------------------------
    def ready(self) -> list[str]:
        """The exercises whose own version can be used: passed, and unchanged since."""
        return [ex for ex in self.exercise_ids if self.course.exercise_ready(ex)]

    @property
    def use_mine(self) -> bool:
        return any(self.course.uses_yours(self.section, ex) for ex in self.ready())

    def learner(self) -> dict[str, str]:
        """What a run started now uses of the learner's: {exercise id: their file} (the reference for the rest)."""
        return self.course.learner_functions(self.section, self.exercise_ids)

    def action_switch(self) -> None:  # not action_toggle: DOMNode's toggles an attribute by name
        self.toggle()

    def on_click(self) -> None:
        self.toggle()

    def toggle(self) -> bool:
        """Flip reference/yours; False (and a bell and a hint) while none of the exercises has passed."""
        ready = self.ready()
        if not ready:
            self.app.bell()
            self.notify(self._hint(), title="Your implementation", timeout=5)
            return False
        value = not self.use_mine
        self.course.choose_yours(self.section, ready, value)
        self.refresh()
        self.screen.refresh_bindings()
        self.post_message(self.Changed(self, value, ready if value else []))
        return True

    # -- words ----------------------------------------------------------------------------------
    def _hint(self) -> str:
        changed = [ex for ex in self.exercise_ids if self.course.exercise_passed(ex)]
        if changed:
            return f"your code changed since it passed: check {exercises_named(changed)} again"
        return f"pass {exercises_named(self.exercise_ids)} first (Exercise tab)"

    def key_label(self) -> str:
        """The key bar's hint for i: what runs now, in words."""
        ready = self.ready()
        if not ready or not self.use_mine:
            return "runs the reference"
        return f"runs your {ready[0]}" if len(ready) == 1 else "runs yours"

    def wordings(self) -> list[Text]:
        """The line in the longest wording first; render() shows the first that fits."""
        ready = self.ready()
        head = f"{self.label}: "
        if not ready:
            return [
                Text.assemble(head, ("the reference", "bold"), (f" — {self._hint()} to run yours", "dim italic")),
                Text.assemble(head, ("the reference", "bold"), (f" — {self._hint()}", "dim italic")),
                Text.assemble(head, ("the reference", "bold"), (" — yours: Exercise tab", "dim italic")),
            ]
        mine = self.use_mine
        now = runs_text(self.learner(), self.exercise_ids) if mine else "the reference"
        other = "the reference" if mine else "your " + ", ".join(ready)
        short_now = f"your {len(ready)} functions" if mine and len(ready) > 1 else now
        short_other = "yours" if not mine else other
        return [
            Text.assemble(head, (now, "bold"), (f" · i: {other}", "dim")),
            Text.assemble(head, (now, "bold"), (f" · i: {short_other}", "dim")),
            Text.assemble(head, (short_now, "bold"), (f" · i: {short_other}", "dim")),
        ]

    def render(self) -> Text:
        options = self.wordings()
        width = self.size.width or 80
        return next((t for t in options if t.cell_len <= width), options[-1])
