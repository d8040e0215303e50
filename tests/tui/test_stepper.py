"""Pilot tests for the Stepper: grid stepping on linear and log scales, typed entry, and Escape routing."""

from __future__ import annotations

import math

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Footer, Input

from tui.widgets.stepper import Stepper


class StepperApp(App):
    """One or more steppers; records Changed messages and app-level Escape presses."""

    BINDINGS = [("escape", "app_escape", "stop")]

    def __init__(self, *steppers: Stepper) -> None:
        super().__init__()
        self.steppers = steppers
        self.changes: list[tuple[str | None, float]] = []
        self.escapes = 0

    def compose(self) -> ComposeResult:
        yield from self.steppers
        yield Footer()

    def on_stepper_changed(self, event: Stepper.Changed) -> None:
        self.changes.append((event.stepper.id, event.value))

    def action_app_escape(self) -> None:
        self.escapes += 1


def lr_stepper(value: float = 0.1) -> Stepper:
    return Stepper("lr", value, 1e-3, 10**0.7, 0.1, scale="log", id="lr")


def mom_stepper(value: float = 0.9) -> Stepper:
    return Stepper("momentum", value, 0.0, 0.99, 0.01, id="mom")


async def test_linear_steps_snap_to_grid_and_clamp():
    app = StepperApp(mom_stepper(0.9))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        assert s.has_focus
        await pilot.press("right")
        assert s.value == 0.91
        await pilot.press("left", "left")
        assert s.value == 0.89
        await pilot.press("shift+right")
        assert s.value == 0.99  # 0.99 is the top: clamped, no wrap
        await pilot.press("right")
        assert s.value == 0.99
        await pilot.press("home")
        assert s.value == 0.0
        await pilot.press("left")
        assert s.value == 0.0
        await pilot.press("shift+right", "end")
        assert s.value == 0.99
        await pilot.pause()
        assert app.changes == [("mom", v) for v in (0.91, 0.9, 0.89, 0.99, 0.0, 0.1, 0.99)]


async def test_log_steps_move_in_decades():
    app = StepperApp(lr_stepper(0.1))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("right")
        assert s.value == pytest.approx(10**-0.9, rel=1e-12)
        await pilot.press("left", "shift+right")
        assert s.value == 1.0
        await pilot.press("end")
        assert s.value == 10**0.7
        await pilot.press("right")
        assert s.value == 10**0.7
        await pilot.press("left")
        assert s.value == pytest.approx(10**0.6)
        await pilot.press("home", "left")
        assert s.value == 1e-3
        await pilot.press("shift+right")
        assert s.value == pytest.approx(1e-2)
        assert s.format_value(s.value) == "0.01"


async def test_off_grid_value_steps_to_the_next_grid_point():
    app = StepperApp(lr_stepper(0.15))  # between 10**-0.9 (0.126) and 10**-0.8 (0.158)
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("right")
        assert s.value == pytest.approx(10**-0.8)
        s.set_value(0.15)
        await pilot.press("left")
        assert s.value == pytest.approx(10**-0.9)


async def test_integer_stepper_gives_ints():
    app = StepperApp(Stepper("epochs", 3, 1, 20, 1, integer=True, big_step=5))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("right", "shift+right")
        assert s.value == 9 and isinstance(s.value, int)
        s.set_value(7.6)
        assert s.value == 8


async def test_set_value_clamps_and_posts_only_when_asked():
    app = StepperApp(mom_stepper(0.5))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        s.set_value(5.0)
        assert s.value == 0.99
        s.set_value(-1.0, post=True)
        await pilot.pause()
        assert s.value == 0.0
        assert app.changes == [("mom", 0.0)]


async def test_on_change_hears_the_learners_changes_at_once_and_before_changed():
    """A screen's on_change runs inside the key's handling (before any frame), ahead of the Changed message."""
    heard: list[tuple[float, int]] = []
    app = StepperApp()
    s = Stepper("momentum", 0.5, 0.0, 0.99, 0.01, id="mom", on_change=lambda v: heard.append((v, len(app.changes))))
    app.steppers = (s,)
    async with app.run_test(size=(60, 10)) as pilot:
        s.set_value(0.7)  # not the learner's: nothing heard
        s.action_step(1)
        assert heard == [(0.71, 0)]  # at once, no message handled yet
        await pilot.press("enter", *"0.2", "enter")
        await pilot.pause()
        assert heard == [(0.71, 0), (0.2, 1)] and app.changes == [("mom", 0.71), ("mom", 0.2)]


async def test_typed_value_is_applied_as_typed():
    app = StepperApp(lr_stepper(0.1))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("enter")
        assert s.editing and app.query_one(Input).has_focus
        await pilot.press(*"3e-3", "enter")
        await pilot.pause()
        assert s.value == 0.003 and not s.editing and s.has_focus
        assert app.changes == [("lr", 0.003)]
        # A digit starts the edit with that digit already typed.
        await pilot.press("2", ".", "5", "enter")
        assert s.value == 2.5


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "'abc' is not a number: type one such as 0.1"),
        ("99", "must be between 0.001 and 5.01"),
        ("", "type a number such as 0.1"),
        ("nan", "'nan' is not a finite number: type one such as 0.1"),
        ("1_0", "no underscores in a number: type 10 instead"),
    ],
)
async def test_bad_typed_values_are_refused_with_a_message(typed, message):
    app = StepperApp(lr_stepper(0.1))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("enter", *typed, "enter")
        error = s.query_one(".stepper--error")
        assert error.display and str(error.render()) == message
        assert s.editing and s.value == 0.1 and app.changes == []
        assert s.size.height == 2
        # Typing again clears the stale message.
        await pilot.press("1")
        assert not error.display


async def test_integer_stepper_refuses_fractions():
    app = StepperApp(Stepper("epochs", 3, 1, 20, 1, integer=True))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("enter", "2", ".", "5", "enter")
        assert str(s.query_one(".stepper--error").render()) == "2.5 is not a whole number: type one such as 3"
        await pilot.press("backspace", "backspace", "enter")
        assert s.value == 2 and isinstance(s.value, int)


async def test_escape_cancels_edit_without_reaching_the_app():
    app = StepperApp(lr_stepper(0.1))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("5", "escape")
        assert not s.editing and s.has_focus and s.value == 0.1
        assert app.escapes == 0
        await pilot.press("escape")  # not editing: Escape is the app's
        assert app.escapes == 1


async def test_tab_away_drops_the_edit():
    app = StepperApp(lr_stepper(0.1), mom_stepper(0.9))
    async with app.run_test(size=(60, 10)) as pilot:
        lr, mom = app.query(Stepper)
        await pilot.press("enter", "1", "tab")
        await pilot.pause()
        assert mom.has_focus and not lr.editing and lr.value == 0.1


def test_formats():
    assert Stepper("a", 0.9, 0, 1, 0.01).format_value(0.9) == "0.90"
    assert Stepper("a", 300, 0, 1000, 5).format_value(300.0) == "300"
    assert Stepper("a", 0.123, 0, 1, 0.01).format_value(0.123) == "0.123"  # typed finer than the step
    log = lr_stepper()
    assert [log.format_value(v) for v in (0.1, 0.002, 1e-5, 10**0.7)] == ["0.1", "0.002", "1e-05", "5.01"]
    assert Stepper("a", 0.5, 0, 1, 0.1, fmt=".2f").format_value(0.5) == "0.50"
    kappa = Stepper("κ", 100, 1, 1000, 0.1, scale="log")  # three digits, not 1e+03, at and above 1000
    assert [kappa.format_value(v) for v in (1, 3.88, 125.89, 1000, 12345.6)] == ["1", "3.88", "126", "1000", "12346"]
    assert math.isclose(lr_stepper().position, 2 / 3.7)


def _no_blink(pilot) -> None:
    for field in pilot.app.query(Input):
        field.cursor_blink = False


def test_snapshot(snap_compare):
    app = StepperApp(
        lr_stepper(0.1),
        mom_stepper(0.9),
        Stepper("epochs", 5, 1, 20, 1, integer=True, id="epochs"),
        Stepper("batch", 64, 8, 512, 8, integer=True, id="batch"),
    )

    async def run_before(pilot) -> None:
        _no_blink(pilot)
        await pilot.press("right", "tab", "tab", "tab", "enter", "9", "9", "9", "enter")

    assert snap_compare(app, terminal_size=(60, 12), run_before=run_before)


@pytest.mark.parametrize("typed", ["٣", "１０", "²", "1_0", "−3"])
async def test_digits_python_would_read_are_refused_in_the_learners_terms(typed):
    """int("٣") is 3 and int("１０") is 10 for Python; int("²") fails with "invalid literal for int()"."""
    app = StepperApp(Stepper("epochs", 3, 1, 20, 1, integer=True))
    async with app.run_test(size=(80, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("enter")
        s.query_one(Input).insert_text_at_cursor(typed)
        await pilot.press("enter")
        message = str(s.query_one(".stepper--error").render())
        assert s.editing and s.value == 3 and app.changes == []
        assert "instead" in message or "minus sign" in message
        assert "invalid literal" not in message


def wide_lr_stepper(value: float = 0.1) -> Stepper:
    """The Section 4 lr: a log slider 1e-3 .. 10^0.7, typed values up to 100."""
    return Stepper("lr", value, 1e-3, 10**0.7, 0.1, scale="log", typed_max=100.0, id="lr")


async def test_typed_values_may_go_beyond_the_slider_and_the_arrows_bring_them_back():
    app = StepperApp(wide_lr_stepper(0.1))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("1", "8", ".", "8", "enter")
        assert s.value == 18.8 and s.position == 1.0
        assert "»" in str(s.query_one("StepperTrack").render()) and "18.8" in str(s.query_one("StepperTrack").render())
        await pilot.press("right")  # the arrows stay on the slider: no step further out
        assert s.value == 18.8
        await pilot.press("left")  # back onto the slider's end
        assert s.value == 10**0.7 and "●" in str(s.query_one("StepperTrack").render())
        await pilot.press("right")
        assert s.value == 10**0.7
        s.set_value(500.0)
        assert s.value == 100.0  # set_value clamps to the typed range
        await pilot.pause()
        assert app.changes == [("lr", 18.8), ("lr", 10**0.7)]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("101", "must be between 0.001 and 100"),
        ("-1", "must be between 0.001 and 100"),
        ("0", "must be between 0.001 and 100"),
        ("inf", "'inf' is not a finite number: type one such as 0.1"),
        ("fast", "'fast' is not a number: type one such as 0.1"),
    ],
)
async def test_beyond_the_typed_range_or_not_a_positive_number_is_refused(typed, message):
    app = StepperApp(wide_lr_stepper(0.1))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("enter", *typed, "enter")
        assert str(s.query_one(".stepper--error").render()) == message
        assert s.editing and s.value == 0.1 and app.changes == []


def test_the_typed_range_must_contain_the_slider():
    with pytest.raises(ValueError, match="typed range"):
        Stepper("lr", 0.1, 1e-3, 5.0, 0.1, scale="log", typed_max=1.0)
    with pytest.raises(ValueError, match="minimum > 0"):
        Stepper("lr", 0.1, 1e-3, 5.0, 0.1, scale="log", typed_min=0.0)


class PlayerKeysApp(StepperApp):
    """A stepper that leaves Home, End, '.' and '-' to the app, as a screen with a player wants."""

    BINDINGS = [("home", "key('home')"), ("end", "key('end')"), ("full_stop", "key('.')"), ("minus", "key('-')")]

    def __init__(self, *steppers: Stepper) -> None:
        super().__init__(*steppers)
        self.keys: list[str] = []

    def action_key(self, name: str) -> None:
        self.keys.append(name)


async def test_a_stepper_can_leave_home_end_and_punctuation_to_the_screen():
    stepper = Stepper("β", 0.5, 0.0, 1.0, 0.01, edit_chars="0123456789", jump_keys=False, id="beta")
    app = PlayerKeysApp(stepper)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.press("home", "end", "full_stop", "minus")
        assert app.keys == ["home", "end", ".", "-"]
        assert stepper.value == 0.5 and not stepper.editing
        await pilot.press("right")  # the arrows are still the stepper's
        assert stepper.value == 0.51
        await pilot.press("0", ".", "4", "8", "enter")  # a digit opens the box; '.' is then typed into it
        assert stepper.value == 0.48 and app.keys == ["home", "end", ".", "-"]


async def test_by_default_home_end_and_punctuation_are_the_steppers():
    app = PlayerKeysApp(mom_stepper(0.5))
    async with app.run_test(size=(60, 10)) as pilot:
        s = app.query_one(Stepper)
        await pilot.press("end")
        assert s.value == 0.99 and app.keys == []
        await pilot.press("full_stop")
        assert s.editing and app.keys == []
