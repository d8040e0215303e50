"""A refused typed value says why where it was typed, in view, on every screen at 80x24 (issue 10: Section 3's
lr 50 was refused with its message hidden under the chart title)."""

from __future__ import annotations

import pytest
from textual.widgets import Static, TabbedContent, TabPane

from tui.sections import SECTIONS
from tui.widgets.stepper import Stepper
from tui.widgets.text_field import TextField

from .fakes import IdleExecutor
from .screen_text import showing_whole
from .snap import make_app

# Below every stepper's range (each minimum is 0 or more), and not a list of sizes nor a number of steps. Short: a
# key pressed into a box redraws it (the message, "must be between ...", does not repeat what was typed).
REFUSED = "-9"
WITH_VALUES = ["casestudy", "search", "conditioning", "nonconvex", "minibatch", "adaptive", "bonus"]


def shown(widget) -> bool:
    return widget.display and all(getattr(a, "display", True) for a in widget.ancestors)


@pytest.mark.parametrize("key", WITH_VALUES)
async def test_a_refused_value_says_why_in_view(key):
    app = make_app(section=key)
    app.runner.executor = IdleExecutor()
    refused: list[str] = []
    problems: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        tabs = screen.query_one("#tabs", TabbedContent)
        for pane in list(tabs.query(TabPane)):
            tabs.active = pane.id or ""
            await pilot.pause()
            for stepper in [s for s in pane.query(Stepper) if shown(s)]:
                stepper.focus()
                await pilot.press("enter", *REFUSED, "enter")
                error = stepper.query_one(".stepper--error", Static)
                if error.display:
                    refused.append(stepper.id or "?")
                    if not showing_whole(screen, error):
                        problems.append(f"{pane.id} {stepper.id}: {error.render()!s} is out of view")
                await pilot.press("escape")
            for field in [f for f in pane.query(TextField) if shown(f)]:
                field.input.focus()
                field.input.value = ""
                await pilot.press(*"a b", "enter")
                message = field.message_view  # the seed box of Section 6 says it on a line of its own
                if message.has_class("-error"):
                    refused.append(field.id or "?")
                    if not showing_whole(screen, message):
                        problems.append(f"{pane.id} {field.id}: {message.render()!s} is out of view")
                await pilot.press("escape")
    assert refused, "no typed value was refused: the test typed nothing where it should"
    assert not problems, "\n".join(problems)


def test_every_section_with_typed_values_is_checked():
    """A section that gains a Stepper or a TextField joins the list above (its screen's module names them)."""
    import inspect
    import sys

    with_values = set()
    for s in SECTIONS:
        text = inspect.getsource(sys.modules[s.screen_class().__module__])
        if any(name in text for name in ("Stepper(", "TextField(", "SettingsPanel(")):
            with_values.add(s.key)
    assert with_values == set(WITH_VALUES)
