"""The lesson text of a section, and its questions: the learner's answers, then the course's explanations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static, TextArea

from ..lessons import Question, lesson_text
from .course_markdown import CourseMarkdown
from .focus_style import FocusStylesSelf
from .links_line import LinksLine

if TYPE_CHECKING:
    from ..progress import CourseProgress


class LessonView(FocusStylesSelf, VerticalScroll):
    """The section's videos and slides as hyperlinks, then the scrollable Markdown of assets/lessons/<key>.md."""

    DEFAULT_CSS = "LessonView { height: 1fr; padding: 0 1; } LessonView Markdown { margin: 0; }"

    def __init__(self, key: str, **kwargs):
        super().__init__(**kwargs)
        self.key = key

    def compose(self) -> ComposeResult:
        yield LinksLine(self.key)
        yield CourseMarkdown(lesson_text(self.key))


class QuestionCard(FocusStylesSelf, Vertical, can_focus=True):
    """One Think!/Discuss question with the learner's answer, saved as they type.

    ctrl+r (or x while the card itself, not the text, is focused) reveals and hides the
    course's explanation, once the learner has written something. Esc in the answer box leaves
    it for the card (the answer is kept: it is saved as typed), where the section's keys act again.
    """

    BINDINGS = [
        Binding("ctrl+r", "toggle_explanation", "explain"),
        Binding("x", "toggle_explanation", "explain", show=False),
        Binding("escape", "leave_answer", "leave box", show=False),
    ]
    DEFAULT_CSS = """
    QuestionCard { height: auto; border: round $primary 40%; padding: 0 1; margin: 0 0 1 0; }
    QuestionCard:focus-within { border: round $accent; }
    QuestionCard .q-title { text-style: bold; color: $accent; }
    QuestionCard Markdown { margin: 0; padding: 0; }
    QuestionCard TextArea { height: 5; min-height: 3; margin: 0; border: round $primary 40%; padding: 0 1; }
    QuestionCard TextArea:focus { border: round $accent; }
    QuestionCard .q-explanation { display: none; border-left: thick $success; padding-left: 1; }
    QuestionCard.-revealed .q-explanation { display: block; }
    QuestionCard .q-hint { color: $text-muted; }
    QuestionCard .q-hint.-warn { color: $warning; }
    """
    SAVE_DELAY = 0.5  # seconds of quiet typing before the answer is written to disk

    revealed: reactive[bool] = reactive(False)

    def __init__(self, question: Question, course: CourseProgress, **kwargs):
        super().__init__(**kwargs)
        self.question = question
        self.course = course
        self._save_timer: Timer | None = None
        self._answer = ""  # kept here too: at unmount the TextArea may already be gone

    def compose(self) -> ComposeResult:
        yield Static(self.question.title, classes="q-title")
        yield CourseMarkdown(self.question.prompt, classes="q-prompt")
        self._answer = answer = self.course.answer_for(self.question.id)
        yield TextArea(
            answer,
            soft_wrap=True,
            placeholder="Your answer (saved as you type)…",
            classes="q-answer",
            id=f"answer-{self.question.id}",
        )
        yield Static(self._hint(answer), classes="q-hint")
        yield CourseMarkdown(self.question.explanation, classes="q-explanation")

    # -- the answer -------------------------------------------------------------------------------
    def answer(self) -> str:
        return self._answer

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._answer = event.text_area.text
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(self.SAVE_DELAY, self.save_answer)
        self._set_hint(self._hint())

    def save_answer(self) -> None:
        """Write the answer now (the timer calls this; so does leaving the screen)."""
        self._save_timer = None
        self.course.save_answer(self.question.id, self.answer())

    def show_stored_answer(self) -> None:
        """Show the stored answer (written in another window meanwhile), unless an edit here is not saved yet."""
        stored = self.course.answer_for(self.question.id)
        if self._save_timer is None and stored != self._answer:
            self._answer = stored
            with self.prevent(TextArea.Changed):
                self.answer_box().load_text(stored)
            self._set_hint(self._hint())

    def save_if_pending(self) -> None:
        """Write the answer now if it waits for the typing pause (leaving the screen, the app told to end)."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self.save_answer()

    def on_unmount(self) -> None:
        self.save_if_pending()

    def answer_box(self) -> TextArea:
        return self.query_one(TextArea)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "leave_answer":  # only from the box: on the card itself Esc is the section's
            return self.screen.focused is self.answer_box()
        return True

    def action_leave_answer(self) -> None:
        self.focus()

    # -- the explanation ------------------------------------------------------------------------
    def can_reveal(self) -> bool:
        """The explanation is shown once the learner has written an answer (subclasses may change this)."""
        return bool(self.answer().strip())

    def action_toggle_explanation(self) -> None:
        if not self.revealed and not self.can_reveal():
            self.app.bell()
            self._set_hint("write your answer first — then ctrl+r shows the course's explanation", warn=True)
            return
        self.revealed = not self.revealed

    def _hint(self, answer: str | None = None) -> str:
        if self.revealed:
            return "ctrl+r hides the explanation"
        if not (answer if answer is not None else self.answer()).strip():
            return "write your answer above; then ctrl+r shows the course's explanation"
        return "saved as you type · ctrl+r shows the course's explanation"

    def _set_hint(self, text: str, warn: bool = False) -> None:
        for hint in self.query(".q-hint").results(Static):
            hint.update(text)
            hint.set_class(warn, "-warn")

    def watch_revealed(self, revealed: bool) -> None:
        self.set_class(revealed, "-revealed")
        if self.is_mounted:
            self._set_hint(self._hint())


class QuestionsView(FocusStylesSelf, VerticalScroll):
    """Every question of a section as cards; Tab moves between them."""

    DEFAULT_CSS = "QuestionsView { height: 1fr; padding: 0 1; }"

    def __init__(self, questions: list[Question], course: CourseProgress, card=QuestionCard, **kwargs):
        super().__init__(**kwargs)
        self.questions, self.course, self.card = questions, course, card

    def compose(self) -> ComposeResult:
        if not self.questions:
            yield Static("This section has no Think! or Discuss question.")
        for q in self.questions:
            yield self.card(q, self.course, id=f"q-{q.id}")

    def answer_to_focus(self):
        """The answer box of the first question not answered yet (the first one when all are), else this view."""
        cards = list(self.query(QuestionCard))
        first_open = next((c for c in cards if not c.answer().strip()), cards[0] if cards else None)
        return first_open.answer_box() if first_open is not None else self
