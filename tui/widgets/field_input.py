"""The app's one-line text box: `[`, `]` and `?` still navigate from it, and Esc cancels the edit and leaves it."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message

from ..typed_text import BoundedInput

# Keys that are never text in a one-line box of this app: what is typed there (sizes, lists of
# numbers, seeds, values) never needs them, and the learner expects them to change tab and open help.
NAVIGATION_CHARS = frozenset("[]?")


class FieldInput(BoundedInput):
    """An Input whose `[`, `]` and `?` go on to the screen's bindings, and where Esc cancels the edit.

    It holds a number, or a short list of them: at most `max_length` characters (tui.typed_text).

    Esc puts back the text the box had when the learner entered it (or last pressed Enter in
    it) and posts `Left`: the screen then moves the focus out of the box, so that the next Esc
    does what Esc does there (stop a run, go back).
    """

    BINDINGS = [Binding("escape", "cancel_edit", "cancel edit", key_display="esc")]

    class Left(Message):
        """Esc in the box: the edit was cancelled and the focus should leave it."""

        def __init__(self, field: FieldInput) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> FieldInput:
            return self.field

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kept = self.value  # what Esc puts back

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # Not consuming these lets the screen's bindings for them stay active while the box has focus.
        return character not in NAVIGATION_CHARS and super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.character in NAVIGATION_CHARS:
            event.prevent_default()  # not inserted: the key bubbles on to the bindings of the screen

    def on_focus(self) -> None:
        self.kept = self.value

    async def action_submit(self) -> None:
        self.kept = self.value  # Enter: what is typed now is what the learner meant
        await super().action_submit()

    def action_cancel_edit(self) -> None:
        if self.value != self.kept:
            self.value = self.kept
            self.cursor_position = len(self.kept)
        self.post_message(self.Left(self))
