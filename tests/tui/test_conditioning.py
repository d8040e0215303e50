"""Section 4's demo: keyboard controls re-run GD and momentum at once; Escape, resizing, divergence, snapshots."""

from __future__ import annotations

import threading

import pytest

from engine.sections import conditioning as C
from tui.playback import DEFAULT_SPEED
from tui.screens.conditioning.screen import ConditioningScreen

from .conditioning_app import LEARNER_FILE, open_demo, status
from .fakes import held
from .snap import SIZE_IDS, SIZES, make_app, settle, wait_for


def use_sign_slip(app, tmp_path) -> None:
    """As if the learner's momentum_update had the classic slip (par -= vel) and "yours" was picked."""
    learner = tmp_path / "exercises.py"
    learner.write_text(LEARNER_FILE)
    app.course.learner_functions = lambda section, ids: {"momentum_update": str(learner)}


async def test_every_control_reruns_at_once_with_its_new_value(tmp_path):
    app = make_app(section="conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_demo(pilot)  # the first show runs the course's defaults
        assert screen.query_one("#tabs").active == "demo"
        assert screen.shown == (300, pytest.approx(0.1), pytest.approx(0.9))
        assert [len(t.points) for t in screen.trajs.values()] == [300, 300]
        assert "GD: not within 1e-6 after 300 steps" in status(screen)
        assert "Momentum: not within 1e-6 after 300 steps" in status(screen)
        surface = screen.surface

        async def press(*keys):
            await pilot.press(*keys)
            await settle(pilot)
            return screen.shown

        screen.query_one("#steps").focus()
        assert (await press("right"))[0] == 305
        assert (await press("shift+left"))[0] == 255  # ten steps of 5
        assert (await press("1", "2", "0", "enter"))[0] == 120  # typed
        screen.query_one("#lr").focus()
        assert (await press("right"))[1] == pytest.approx(10**-0.9)  # a tenth of a decade
        assert (await press("left"))[1] == pytest.approx(0.1)
        assert (await press("shift+right"))[1] == pytest.approx(1.0)
        screen.query_one("#beta").focus()
        assert (await press("left"))[2] == pytest.approx(0.89)
        assert (await press("shift+left"))[2] == pytest.approx(0.79)
        assert screen.surface is surface  # computed once per screen
        # The course's target, reached with typed values: lr 10^0.7 (the slider's end), beta 0.48.
        screen.query_one("#lr").focus()
        await press("shift+right")
        screen.query_one("#beta").focus()
        assert await press("0", ".", "4", "8", "enter") == (120, pytest.approx(10**0.7), pytest.approx(0.48))
        assert "✔ target met: Momentum within 100 iterations" in status(screen)
        assert screen.trajs["Momentum"].converged_at <= 100 and len(screen.trajs["GD"].points) == 120
        # A value out of range is refused where it is typed, and nothing runs.
        screen.query_one("#steps").focus()
        await press("9", "0", "0", "enter")
        assert "must be between 50 and 500" in str(screen.query_one("#steps .stepper--error").render())
        assert screen.shown[0] == 120 and not screen.running
        # A learner's momentum with a sign slip runs through the plug-in path and diverges.
        use_sign_slip(app, tmp_path)
        await press("escape")  # leave the entry box
        assert (await press("5", "0", "0", "enter"))[0] == 500
        assert "Momentum diverged at iteration" in status(screen)
        assert len(screen.trajs["Momentum"].points) == screen.trajs["Momentum"].diverged_at  # finite part drawn


async def test_escape_cancels_a_run(monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(C, "momentum_demo", held(C.momentum_demo, gate))
    app = make_app(section="conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_square_bracket")
        screen = app.screen
        try:
            assert await wait_for(pilot, lambda: screen.running)
            await pilot.press("escape")
        finally:
            gate.set()  # what the run computes after the Escape is dropped
        await settle(pilot)
        assert not screen.running and screen.shown is None
        assert "stopped (Escape)" in status(screen)
        assert isinstance(app.screen, ConditioningScreen)  # Escape stopped the run, it did not leave


async def test_resizing_during_a_run_keeps_the_screen_working(monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(C, "momentum_demo", held(C.momentum_demo, gate))
    app = make_app(section="conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_square_bracket")
        try:
            assert await wait_for(pilot, lambda: app.screen.running)
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            await pilot.resize_terminal(120, 40)
            await pilot.pause()
            assert app.screen.running  # both resizes came during the run
        finally:
            gate.set()
        await settle(pilot)
        screen = app.screen
        assert screen.shown is not None and not screen.running
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert screen.query_one("#surface").size.width > 20
        assert "Momentum" in status(screen)


async def open_at_end(pilot) -> None:
    await open_demo(pilot)
    await pilot.press("end")  # the final picture, as before the player
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_demo_snapshot(snap_compare, size):
    """After the first run at the course's defaults (300 steps, lr 0.1, β 0.9), End pressed: controls,
    each method's outcome with its distances and loss at iteration 299, the player paused there, the
    target line, the four log-distance curves with the 1e-6 / iteration-100 guides, and the loss
    surface with GD (white) and momentum (red) paths, the optimum ★ and the loss colour bar."""
    assert snap_compare(
        make_app(section="conditioning", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=open_at_end
    )


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_diverged_snapshot(snap_compare, size, tmp_path):
    """A learner's momentum with the sign slip (par -= vel): "Momentum diverged at iteration 93",
    its finite part drawn in both charts, GD unaffected."""

    async def run_before(pilot):
        screen = await open_demo(pilot)
        use_sign_slip(pilot.app, tmp_path)
        screen.rerun()
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)

    assert snap_compare(
        make_app(section="conditioning", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=run_before
    )


async def test_at_80x24_no_status_line_is_cut_even_with_the_learners_code(tmp_path):
    """Issue 10: "…by iteration 100" was cut at 80 columns when the learner's code ran."""
    app = make_app(section="conditioning")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        learner = tmp_path / "exercises.py"
        learner.write_text(LEARNER_FILE)
        app.course.learner_functions = lambda section, ids: {name: str(learner) for name in ids}  # both of them
        screen.rerun()
        await settle(pilot)
        await pilot.press("end")
        lines = status(screen).split("\n")
        width = screen.query_one("#status").content_size.width
        assert len(lines) == 4 and all(len(line) <= width for line in lines), (width, [len(x) for x in lines])
        assert "…" not in status(screen), status(screen)
        assert lines[-1].endswith("by iteration 100") and lines[-1].startswith("yours ≠ reference ·")  # a sign slip
        assert "Momentum diverged at iteration" in lines[1]
        # the bias axis' labels have a column of their own beside the chart's frame
        chart, axis = screen.query_one("#distance"), screen.query_one("AxisColumn")
        assert axis.region.x > chart.region.right


def test_yours_is_said_to_be_the_reference_only_when_every_point_agrees():
    """Issue 20: with the learner's functions the reference's paths come beside them (drawn dimmed)."""
    from engine.contracts.conditioning import Trajectory
    from tui.screens.conditioning.view import against_reference

    def paths(shift: float = 0.0, n: int = 3) -> dict:
        points = tuple((0.1 * k + shift, -0.1 * k, 2.0 - k) for k in range(n))
        return {label: Trajectory(label, points, 3, (1.0, -1.0), None, None) for label in ("GD", "Momentum")}

    assert against_reference(paths(), {}) is None  # the reference ran alone: nothing to compare
    assert against_reference(paths(5e-6), paths()) is True
    assert against_reference(paths(1e-3), paths()) is False
    assert against_reference(paths(n=2), paths()) is False  # yours stopped early (diverged)


async def test_a_quick_run_shows_its_results_without_a_running_state_and_a_slow_one_says_it_runs(monkeypatch):
    """A key's run that answers within QUIET_S goes from the old results to the new in one frame (issue 23): no
    "running" status, no "esc stop" in the key bar; a run that takes longer says it runs and that Esc stops it."""
    from tui.screens import section
    from tui.screens.conditioning import screen as module
    from tui.widgets.key_bar import KeyBar

    monkeypatch.setattr(module, "QUIET_S", 60.0)  # every run here answers sooner
    monkeypatch.setattr(section, "QUIET_S", 60.0)
    app = make_app(section="conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_demo(pilot)
        bar = screen.query_one(KeyBar)
        shown: list[str] = []
        show = screen.query_one("#status").show
        monkeypatch.setattr(screen.query_one("#status"), "show", lambda text: (shown.append(str(text)), show(text)))
        screen.query_one("#lr").focus()  # the bar shows the lr stepper's keys
        await settle(pilot)
        repaints = []
        refresh = bar.refresh
        monkeypatch.setattr(bar, "refresh", lambda *a, **k: (repaints.append(1), refresh(*a, **k))[1])
        await pilot.press("right")
        await settle(pilot)
        assert screen.shown[1] == pytest.approx(10**-0.9) and shown
        assert not any("running" in text for text in shown) and not repaints
        monkeypatch.setattr(module, "QUIET_S", 0.01)
        monkeypatch.setattr(section, "QUIET_S", 0.01)
        gate = threading.Event()
        monkeypatch.setattr(C, "momentum_demo", held(C.momentum_demo, gate))
        await pilot.press("left")
        try:
            assert await wait_for(pilot, lambda: "running 300 steps at lr 0.1" in status(screen))
            assert await wait_for(pilot, lambda: "esc stop" in bar.shown_text())
        finally:
            gate.set()
        await settle(pilot)
        assert screen.shown[1] == pytest.approx(0.1) and "esc home" in bar.shown_text()


async def test_a_keys_slider_and_its_result_show_in_one_frame_and_a_stopped_run_lets_the_screen_draw(monkeypatch):
    """A key's frame waits for its run's result (issue 23: drawn alone, the slider's frame delayed the result's by
    a tick or two of Textual's screen timer); Escape, which ends the run without a result, lets the screen draw."""
    from textual.screen import Screen

    from tui.screens.conditioning import screen as module

    monkeypatch.setattr(module, "HOLD_S", 60.0)  # only the run's end may let the screen draw
    frames: list[float] = []
    refresh = Screen._compositor_refresh
    monkeypatch.setattr(Screen, "_compositor_refresh", lambda self: (frames.append(1), refresh(self))[1])
    app = make_app(section="conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_demo(pilot)
        screen.query_one("#lr").focus()
        await settle(pilot)
        gate = threading.Event()
        monkeypatch.setattr(C, "momentum_demo", held(C.momentum_demo, gate))
        frames.clear()
        await pilot.press("right")
        try:
            assert await wait_for(pilot, lambda: screen.running)
            await pilot.pause(0.05)
            assert not frames  # the slider waits for the result
        finally:
            gate.set()
        assert await wait_for(pilot, lambda: screen.shown == screen.started and frames)
        assert "0.126" in str(screen.query_one("#lr").query_one("StepperTrack").render())
        gate = threading.Event()
        monkeypatch.setattr(C, "momentum_demo", held(C.momentum_demo, gate))
        await pilot.press("right")
        try:
            assert await wait_for(pilot, lambda: screen.running)
            frames.clear()
            await pilot.press("escape")
            assert await wait_for(pilot, lambda: frames and "stopped (Escape)" in status(screen))
        finally:
            gate.set()
        await settle(pilot)
        assert screen._held is None  # nothing holds the screen's frames any more
