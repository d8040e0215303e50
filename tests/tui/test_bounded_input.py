"""One-line boxes keep at most their bound: a megabyte pasted or typed is cut there, said once, and Enter still answers.

Before tui.typed_text, 1 MB of digits pasted into Section 4's lr box kept the UI busy for minutes (each
key redrew and re-parsed the whole text) and Enter was never handled (issue 25).
"""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult

from tui.key_order import KeysInOrder
from tui.typed_text import LIST_CHARS, NUMBER_CHARS
from tui.widgets.stepper import Stepper
from tui.widgets.text_field import TextField

from .storm import key_event

MEGABYTE = "9" * 1_000_000


class CountedKeys(App[None]):
    """Counts the keys that reach Textual's own routing (a binding lookup along the focus chain each)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.routed = 0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.routed += 1
        await super().on_event(event)


class Boxes(KeysInOrder, CountedKeys):
    """A stepper (a number) and a text field (a list of numbers), as the sections have them."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list = []

    def compose(self) -> ComposeResult:
        yield Stepper("lr", 0.1, 1e-3, 5.0, 0.1, scale="log", id="lr")
        yield TextField("sizes", "", lambda text: [int(size) for size in text.split(",")], id="sizes")

    def on_text_field_accepted(self, event: TextField.Accepted) -> None:
        self.accepted.append(event.value)


async def test_a_megabyte_pasted_into_a_number_box_is_cut_at_its_bound_said_and_enter_still_answers():
    app = Boxes()
    async with app.run_test(size=(80, 12)) as pilot:
        lr = app.query_one(Stepper)
        await pilot.press("enter")  # opens the entry box
        app.post_message(events.Paste(MEGABYTE))
        await pilot.pause()
        error = lr.query_one(".stepper--error")
        assert lr._edit.value == MEGABYTE[:NUMBER_CHARS]
        assert error.display and f"at most {NUMBER_CHARS} characters here" in str(error.render())
        await pilot.press("enter")  # answered: the number is refused as out of range, not lost in a spin
        assert "must be between" in str(error.render()) and lr.value == 0.1 and lr.editing
        await pilot.press("ctrl+a", "ctrl+k", *"0.5", "enter")  # ctrl+a, ctrl+k: to the start, delete to the end
        assert lr.value == 0.5 and not lr.editing


async def test_keys_past_a_full_box_are_dropped_before_routing_and_an_edit_that_fits_is_taken_again():
    app = Boxes()
    async with app.run_test(size=(80, 12)) as pilot:
        field = app.query_one(TextField)
        field.input.focus()
        await pilot.pause()
        # 4,000 keys as a terminal without bracketed paste hands them: read after read of 200 keys, each read queued
        # before the box has handled its first key.
        typed = "20, " * 1000
        before = app.routed
        for start in range(0, len(typed), 200):
            for ch in typed[start : start + 200]:
                app.post_message(key_event(ch))
            await pilot.pause()
        assert field.value == typed[:LIST_CHARS]
        # The first read reached Textual's routing (a binding lookup each, ~0.2 ms); the box was full after it, so
        # the thousands behind it were dropped before (a megabyte took minutes).
        assert app.routed - before <= 200 + 2, app.routed - before
        message = field._message
        assert message.has_class("-error") and f"at most {LIST_CHARS} characters" in str(message.render())
        await pilot.press("backspace", "backspace", "enter")  # "20, 20, ..., 20"
        assert app.accepted == [[20] * (LIST_CHARS // 4)]
        await pilot.press("backspace", "5")  # fits again: a later overflow is said again
        assert field.value.endswith("5") and not message.has_class("-error")
        await pilot.press(*"555")
        assert message.has_class("-error") and field.value.endswith("55")
