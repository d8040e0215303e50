"""One-line text boxes with a bound: what is typed or pasted past it is dropped, and said once."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Input

NUMBER_CHARS = 32  # a number: "0.000123", "-1.5e-3", "4294967295" with room to spare
LIST_CHARS = 80  # a short list of numbers: "1, 2, 4, 8, 16, 32, 64, 128, 256, 512" or "200, 100, 50"
PATH_CHARS = 4096  # a whole path (Linux's PATH_MAX): engine.typed_paths says why a long one is refused


class BoundedInput(Input):
    """An Input that holds at most `max_length` characters (default NUMBER_CHARS).

    Textual's own max_length refuses a whole paste that does not fit and rings the bell for each key
    beyond it: a megabyte pasted as keys (a terminal without bracketed paste) rang a million times,
    and without a bound each key redrew and parsed the whole text, so the UI spun for minutes. Here
    what fits is kept, the rest is dropped at the cost of a length check per key, and Clipped is
    posted once, for the box's owner to say so where it is typed, until the text fits again.
    """

    class Clipped(Message):
        """Text past the box's bound was dropped (posted once until an edit fits again)."""

        def __init__(self, box: BoundedInput) -> None:
            super().__init__()
            self.box = box

        @property
        def control(self) -> BoundedInput:
            return self.box

        @property
        def reason(self) -> str:
            return f"at most {self.box.max_length} characters here: what came after them was dropped"

    def __init__(self, *args, max_length: int = NUMBER_CHARS, **kwargs) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        self.clipped = False

    def refuses(self, key: events.Key) -> bool:
        """Whether `key` is text this full box would drop (already said): it may be dropped unrouted."""
        return (
            self.clipped
            and key.is_printable
            and self.selection.is_empty
            and len(self.value) >= (self.max_length or len(self.value) + 1)
            and self.check_consume_key(key.key, key.character)
        )

    def replace(self, text: str, start: int, end: int) -> None:
        value = self.value
        start, end = sorted((max(0, start), min(len(value), end)))
        room = self.max_length - (len(value) - (end - start)) if self.max_length else len(text)
        if len(text) <= room:
            self.clipped = False
            super().replace(text, start, end)
            return
        if room > 0 or start != end:
            super().replace(text[: max(room, 0)], start, end)
        if not self.clipped:  # posted after the Changed of what was kept, so the owner's Changed handler cannot hide it
            self.clipped = True
            self.post_message(self.Clipped(self))
