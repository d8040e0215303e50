"""Heavy settings typed in Section 5, Section 6 and the Bonus: the estimate shows where they are typed, and a
refused one never starts (issue 11, item 11). Free memory is injected (AppConfig.free_memory), not this machine's."""

from __future__ import annotations

from textual.widgets import Input, Static

from tui.screens.nonconvex import NonConvexScreen
from tui.widgets.text_field import TextField

from .bonus_fakes import FakeSession, bonus_app, fake_engine, open_tab, runs, wait_for
from .fakes import record_runs
from .snap import make_app, settle

__all__ = ["fake_engine", "runs"]  # fixtures, used by name
GIB = 1 << 30


def shown(widget) -> str:
    return str(widget.render()) if widget.display else ""


async def type_hidden(pilot, field: TextField, text: str, *, keys: bool = True) -> None:
    """Typed key by key, or (keys=False, for long text) set at once, which the field sees the same way."""
    field.input.focus()
    field.set_text("" if keys else text)
    if keys:
        await pilot.press(*text)


async def test_section_5_warns_at_4096_4096_and_refuses_8_layers_of_4096():
    """The course's 7 copies and 150 steps (nothing trains here: the runs are recorded)."""
    app = make_app(section="nonconvex", free_memory=4 * GIB)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, NonConvexScreen)
        calls = record_runs(screen)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert calls == ["overparam"]  # the course's default runs at once
        field = screen.query_one("#op-hidden", TextField)
        message = field.query_one(".field--message", Static)
        status = screen.query_one("#op-status", Static)
        await type_hidden(pilot, field, "4096, 4096")
        await pilot.press("enter")
        await pilot.pause()
        text = shown(message)
        assert "needs about 2.4 GB of 4.0 GB free on this computer" in text and "more than half" in text
        assert "Enter or r again runs it anyway" in text and not message.has_class("-error")
        assert calls == ["overparam"] and "not run yet" in shown(status)
        await pilot.press("enter")  # asked again, unchanged: the learner has seen the cost
        await pilot.pause()
        assert calls == ["overparam"] * 2 and "running it as asked" in shown(message)
        await type_hidden(pilot, field, ", ".join(["4096"] * 8), keys=False)
        for _ in range(2):  # refused however often it is asked for
            await pilot.press("enter")
            await pilot.pause()
        text = shown(message)
        assert text.startswith("too large: needs about") and "of 4.0 GB free" in text and "would not fit" in text
        assert "fewer inits" in text and message.has_class("-error") and "too large" in shown(status)
        screen.query_one("#op-steps").focus()
        await pilot.press("r")
        await pilot.pause()
        assert calls == ["overparam"] * 2  # r refuses it too
        await type_hidden(pilot, field, "20, 20", keys=False)
        await pilot.press("enter")
        await pilot.pause()
        assert calls == ["overparam"] * 3 and shown(message) == field.hint  # a light setting runs at once


async def test_section_5_the_engine_refuses_what_the_screen_guessed_would_fit():
    """The screen's guess can be wrong (a GPU's memory is only known to the engine): the engine checks again."""
    app = make_app(section="nonconvex", free_memory=2 * GIB)
    async with app.run_test(size=(100, 30)) as pilot:
        app.runner.estimate = lambda job: None  # the screen believes anything fits
        screen = app.screen
        screen.autorun = False
        await pilot.press("right_square_bracket")
        field = screen.query_one("#op-hidden", TextField)
        await type_hidden(pilot, field, "4096, 4096")
        await pilot.press("enter")
        await settle(pilot)
        status = shown(screen.query_one("#op-status", Static))
        assert status.startswith("failed: This setting needs about 2.4 GB")
        assert "2.0 GB free: it would not fit" in status
        assert all(curve == [] for curve in screen.curves) and not screen.busy()


async def test_section_6_refuses_a_batch_the_memory_cannot_hold():
    app = make_app(section="minibatch", free_memory=256 << 20)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.autorun = False
        jobs: list = []
        record_runs(screen, jobs)
        await screen.show_pane("minibatch")
        await pilot.pause()
        field = screen.query_one("#mb-sizes", TextField)
        await type_hidden(pilot, field, "60000")
        screen.query_one("#mb-lrs", TextField).set_text("0.1")
        field.input.focus()
        await pilot.press("enter")
        await pilot.pause()
        text = shown(field.query_one(".field--message", Static))
        assert "too large: needs about 435.2 MB of 256.0 MB free" in text and "smaller batch sizes" in text
        assert jobs == [] and "too large" in shown(screen.query_one("#mb-status", Static))


async def test_bonus_shows_the_cost_as_it_is_typed_and_refuses_or_asks_twice(fake_engine):
    app = bonus_app(free_memory=3 * GIB)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        cost = screen.query_one("#settings-cost", Static)
        assert shown(cost) == ""  # the course's defaults are light
        hidden = screen.query_one("#hidden", Input)
        hidden.focus()
        await pilot.press("end", "ctrl+u", *"4096, 4096")
        assert "needs about 857.7 MB of 3.0 GB free on this computer; about 14 min: a long run" in shown(cost)
        screen.query_one("#optimizer").focus()
        await pilot.press("s")
        await pilot.pause()
        assert not screen.busy("train") and FakeSession.instances == []  # not started: shown, and s asked again
        assert "s or Start again starts it anyway" in shown(cost)
        assert any("s or Start again" in n.message for n in app._notifications)
        hidden.value = ", ".join(["4096"] * 8)
        await pilot.pause()
        assert shown(cost).startswith("too large: needs about 2.7 GB of 3.0 GB free") and cost.has_class("-refused")
        assert "smaller hidden sizes or a smaller batch size" in shown(cost)
        screen.query_one("#optimizer").focus()
        await pilot.press("s", "s")
        await pilot.pause()
        assert not screen.busy("train") and FakeSession.instances == []  # refused however often it is asked for
        hidden.value = "4096, 4096"
        await pilot.pause()
        FakeSession.evaluation_s = 0.0
        await pilot.press("s", "s")  # warned, then started as asked
        await wait_for(pilot, lambda: FakeSession.instances and screen.live.token is not None)
        assert "a long run" in shown(cost)  # still said beside the settings while it runs
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.busy("train"))
