"""The lesson text of a section, and its questions with explanations revealed on request."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Markdown, Static

from ..lessons import Question, lesson_text


class LessonView(VerticalScroll):
    """Scrollable Markdown of assets/lessons/<key>.md."""

    DEFAULT_CSS = "LessonView { height: 1fr; padding: 0 1; } LessonView Markdown { margin: 0; }"

    def __init__(self, key: str, **kwargs):
        super().__init__(**kwargs)
        self.key = key

    def compose(self) -> ComposeResult:
        yield Markdown(lesson_text(self.key))


class QuestionCard(Vertical, can_focus=True):
    """One Think!/Discuss question; `x` reveals (and hides) the course's explanation."""

    BINDINGS = [Binding("x", "toggle_explanation", "explain")]
    DEFAULT_CSS = """
    QuestionCard { height: auto; border: round $primary 40%; padding: 0 1; margin: 0 0 1 0; }
    QuestionCard:focus-within { border: round $accent; }
    QuestionCard .q-title { text-style: bold; color: $accent; }
    QuestionCard Markdown { margin: 0; padding: 0; }
    QuestionCard .q-explanation { display: none; border-left: thick $success; padding-left: 1; }
    QuestionCard.-revealed .q-explanation { display: block; }
    QuestionCard .q-hint { color: $text-muted; }
    """

    revealed: reactive[bool] = reactive(False)

    def __init__(self, question: Question, **kwargs):
        super().__init__(**kwargs)
        self.question = question

    def compose(self) -> ComposeResult:
        yield Static(self.question.title, classes="q-title")
        yield Markdown(self.question.prompt, classes="q-prompt")
        yield Static("press x to see the course's explanation", classes="q-hint")
        yield Markdown(self.question.explanation, classes="q-explanation")

    def can_reveal(self) -> bool:
        """Whether the explanation may be shown now (subclasses may require an answer first)."""
        return True

    def action_toggle_explanation(self) -> None:
        if not self.revealed and not self.can_reveal():
            self.app.bell()
            return
        self.revealed = not self.revealed

    def watch_revealed(self, revealed: bool) -> None:
        self.set_class(revealed, "-revealed")
        hint = self.query(".q-hint")
        if hint:
            hint.first(Static).update("press x to hide the explanation" if revealed
                                      else "press x to see the course's explanation")


class QuestionsView(VerticalScroll):
    """Every question of a section as cards; Tab moves between them."""

    DEFAULT_CSS = "QuestionsView { height: 1fr; padding: 0 1; }"

    def __init__(self, questions: list[Question], card=QuestionCard, **kwargs):
        super().__init__(**kwargs)
        self.questions, self.card = questions, card

    def compose(self) -> ComposeResult:
        if not self.questions:
            yield Static("This section has no Think! or Discuss question.")
        for q in self.questions:
            yield self.card(q, id=f"q-{q.id}")
