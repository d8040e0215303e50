"""Typed input is never lost: a 200-character burst reaches every kind of text box whole and in order.

(A one-line box holds at most its bound, tui.typed_text: there the burst's first characters arrive in order.)

A terminal hands the app what was typed in one read when the app is busy, so the keys are all
queued before the first is handled. Here each burst is queued at once (as the driver does), while
a CPU-burning process runs on every core. Before tui.key_order, the keys behind a digit that opens
a stepper's entry box (or behind Tab, `]` or `e`) went to the widget focused before: "1e-3" became
"1", and an `s` behind `e` revealed the solution instead of reaching the editor.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pytest
from textual.widgets import Input, TextArea

from tui.widgets.code_editor import CodeArea
from tui.widgets.stepper import Stepper

from .fakes import IdleExecutor
from .screen_text import screen_lines
from .snap import make_app, wait_for
from .storm import key_event

# 200 characters: the app's binding letters (n p h q s c e i r v y m a l w o u), digits, signs and
# separators; no `[`, `]` or `?`, which navigate from a one-line box.
BURST = ("1e-3 4000, 4000, 4000 nphqsceirvymalwou 0.5,-2 +x=(y*z)/7 {'k': 1}; ~`!@#$%^&|\\<>" * 3)[:200]
assert len(BURST) == 200 and not set(BURST) & set("[]?")


@contextlib.contextmanager
def cores_busy():
    """A CPU-burning process per core while the block runs (only the bursts: app start-ups stay cheap)."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL)
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait()


def type_burst(app, keys: str) -> None:
    """Queue every key before the app handles the first (one read of a fast or loaded terminal)."""
    for ch in keys:
        app.post_message(key_event(ch))


async def burst_arrives(pilot, keys: str, read, text: str = BURST) -> None:
    """Type `keys` in one burst with every core busy; `text` must then be in what `read()` returns."""
    with cores_busy():
        type_burst(pilot.app, keys)
        assert await wait_for(pilot, lambda: text in read(), timeout=60), f"arrived {read()!r}"


async def start(pilot, tabs: int):
    app = pilot.app
    await pilot.pause()
    for _ in range(tabs):
        await pilot.press("right_square_bracket")
    return app.screen


async def test_a_burst_after_tab_and_a_digit_lands_in_the_steppers_entry_box_then_the_editor_then_an_answer():
    app = make_app(section="adaptive")
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start(pilot, 1)  # Compare optimizers: the batch stepper has the keys
        lr = screen.query_one("#lr", Stepper)
        # Tab moves to the lr stepper, "1" opens its entry box: the rest must follow it there.
        kept = BURST[: lr._edit.max_length]
        await burst_arrives(pilot, "\t" + BURST, lambda: lr._edit.value, kept)
        assert lr._edit.value == kept
        await pilot.press("escape")

        await pilot.press("right_square_bracket")  # the Exercise tab: `e` opens the editor, the rest is code
        await burst_arrives(pilot, "e" + BURST, lambda: "\n".join(a.text for a in screen.query(CodeArea)))
        assert screen.query_one("#tabs").active == "exercise" and isinstance(app.focused, CodeArea)
        await pilot.press("escape")

        # `]` opens the Questions tab, whose first answer box takes the keys.
        await burst_arrives(pilot, "]" + BURST, lambda: app.focused.text if isinstance(app.focused, TextArea) else "")
        assert app.focused.text == BURST


@pytest.mark.parametrize(
    "section, tabs, fields",
    [("minibatch", 2, ["#mb-sizes Input", "#mb-lrs Input", "#mb-seed Input"]), ("bonus", 1, ["#hidden", "#seed"])],
    ids=["section 6", "bonus"],
)
async def test_a_burst_lands_whole_in_each_one_line_field(section, tabs, fields):
    app = make_app(section=section)
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start(pilot, tabs)
        for selector in fields:
            box = screen.query_one(selector, Input)
            box.value = ""
            box.focus()
            await pilot.pause()
            kept = BURST[: box.max_length]
            await burst_arrives(pilot, BURST, lambda box=box: box.value, kept)
            assert box.value == kept
            assert f"at most {box.max_length} characters here" in "\n".join(screen_lines(app))  # said where typed
