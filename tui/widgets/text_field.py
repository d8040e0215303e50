"""A labelled one-line text box whose text is parsed as the learner types; the reason shows right below it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from ..typed_text import LIST_CHARS, BoundedInput
from .field_input import FieldInput


class TextField(Vertical):
    """`label [ text ]` over a message line; Enter posts Accepted(value) only when `parse(text)` succeeds.

    `parse` returns the value or raises ValueError whose message is shown (nothing runs on bad text).
    """

    DEFAULT_CSS = """
    TextField { height: auto; }
    TextField > Horizontal { height: 1; }
    TextField .field--label { width: auto; padding-right: 1; }
    TextField Input { width: 1fr; }
    TextField .field--message { height: auto; color: $text-muted; }
    TextField .field--message.-error { color: $text-error; }
    """

    class Accepted(Message):
        """Enter was pressed on text that parses; `value` is what `parse` returned."""

        def __init__(self, field: TextField, value: Any) -> None:
            super().__init__()
            self.field, self.value = field, value

        @property
        def control(self) -> TextField:
            return self.field

    def __init__(
        self,
        label: str,
        value: str,
        parse: Callable[[str], Any],
        *,
        hint: str = "",
        label_width: int | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.parse, self.hint = parse, hint
        self._label = Static(label, classes="field--label")
        if label_width is not None:
            self._label.styles.width = label_width
        self.input = FieldInput(value, compact=True, select_on_focus=False, max_length=LIST_CHARS)
        self._message = Static(hint, markup=False, classes="field--message")
        self._message.display = bool(hint)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield self._label
            yield self.input
        yield self._message

    @property
    def value(self) -> str:
        return self.input.value

    def set_text(self, text: str) -> None:
        self.input.value = text
        self.input.cursor_position = len(text)

    def check(self) -> tuple[Any, str]:
        """(parsed value, "") or (None, the reason the text cannot be used)."""
        try:
            return self.parse(self.input.value), ""
        except ValueError as exc:
            return None, str(exc)

    @property
    def message_view(self) -> Static:
        """Where what is wrong with the text is said (a subclass may say it elsewhere)."""
        return self._message

    def show(self, message: str, error: bool = False) -> None:
        self._message.update(message)
        self._message.set_class(error, "-error")
        self._message.display = bool(message)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        _, error = self.check()
        self.show(error or self.hint, error=bool(error))

    @on(BoundedInput.Clipped)
    def _clipped(self, event: BoundedInput.Clipped) -> None:
        event.stop()
        self.show(event.reason, error=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value, error = self.check()
        if error:
            self.show(error, error=True)
            self.app.bell()
            return
        self.post_message(self.Accepted(self, value))
