"""A one-line switch between the course's reference update rules and the learner's own (once they pass).

    update rules: [reference] | yours  (i)

`i` on the section screen (or Enter/space/click on the switch) flips it; it is disabled, with a
hint, until one of its exercises has passed and not been changed since. The choice is kept per
exercise in the learner's progress; a demo reads it with `course.learner_functions(ids)`.
"""

from __future__ import annotations

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


class ImplementationToggle(Widget, can_focus=True):
    """Reference or yours, for the exercises `exercise_ids` that a demo uses."""

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

    def __init__(self, exercise_ids, course: CourseProgress, label: str = "update rules", **kwargs):
        super().__init__(**kwargs)
        self.exercise_ids = list(exercise_ids)
        self.course = course
        self.label = label

    def on_mount(self) -> None:
        self.course.changed.subscribe(self, self._progress_changed)

    def _progress_changed(self, changed: str) -> None:
        if changed in self.exercise_ids:
            self.refresh()

    # -- state ----------------------------------------------------------------------------------
    def ready(self) -> list[str]:
        """The exercises whose own version can be used: passed, and unchanged since."""
        return [ex for ex in self.exercise_ids if self.course.exercise_ready(ex)]

    @property
    def use_mine(self) -> bool:
        return any(self.course.use_mine(ex) for ex in self.ready())

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
        self.course.set_use_mine(ready, value)
        self.refresh()
        self.post_message(self.Changed(self, value, ready if value else []))
        return True

    # -- drawing --------------------------------------------------------------------------------
    def _hint(self) -> str:
        changed = [ex for ex in self.exercise_ids if self.course.exercise_passed(ex)]
        if changed:
            return f"your code changed since it passed: check {exercises_named(changed)} again"
        return f"pass {exercises_named(self.exercise_ids)} first (Exercise tab)"

    def render(self) -> Text:
        text = Text(f"{self.label}: ")
        ready = self.ready()
        if not ready:
            text.append(" reference ", style="reverse")
            text.append(" | yours", style="dim")
            text.append(f"  — {self._hint()}", style="dim italic")
            return text
        mine = self.use_mine
        text.append(" reference ", style="" if mine else "reverse bold")
        text.append("|")
        text.append(" yours ", style="reverse bold" if mine else "")
        text.append(" (i)", style="dim")
        missing = [ex for ex in self.exercise_ids if ex not in ready]
        if missing and mine:
            text.append(f"  — {exercises_named(missing)}: still the reference", style="dim italic")
        return text
