"""Section 5's screen: the overparameterization demo's controls and runs, and the landscape explorer's keys."""

from __future__ import annotations

import math

import pytest
from textual.widgets import Select, Static

from engine.contracts.base import COURSE_SEED, SettingError
from engine.contracts.nonconvex import DescentJob, LossRows, OverparamJob, OverparamStart
from engine.events import Diverged, Done, Progress
from engine.sections.landscape import minima
from tui.playback import DEFAULT_SPEED
from tui.screens.nonconvex import NonConvexScreen
from tui.widgets.landscape_explorer import LandscapeExplorer
from tui.widgets.text_field import TextField

from .fakes import record_runs, text_of
from .snap import SIZE_IDS, SIZES, make_app, settle


@pytest.fixture(autouse=True)
def small_runs(monkeypatch):
    """The smallest settings the steppers allow (the seed is the course's): real runs stay short and reproducible."""
    monkeypatch.setattr(NonConvexScreen, "DEFAULT_STEPS", 50)
    monkeypatch.setattr(NonConvexScreen, "DEFAULT_INITS", 5)


async def test_first_run_draws_every_copy_and_escape_stops_a_rerun():
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_square_bracket")
        await settle(pilot)
        screen = app.screen
        assert [len(c) for c in screen.curves] == [50] * 5
        assert all(c[-1] < c[0] for c in screen.curves)
        assert "7,960" in text_of(screen, "#op-params")
        assert "final loss" in text_of(screen, "#op-status")
        screen.query_one("#op-hidden", TextField).set_text("100, 100")
        await pilot.press("5", "0", "0", "enter")  # 500 steps of the wide network: long enough to stop midway
        assert screen.busy("overparam")
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.busy() and "stopped" in text_of(screen, "#op-status")


async def test_bad_hidden_text_shows_why_and_does_not_run():
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        calls = record_runs(screen)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert calls == ["overparam"]
        field = screen.query_one("#op-hidden", TextField)
        field.input.focus()
        await pilot.press("backspace", "backspace", "a", "b", "c")
        message = field.query_one(".field--message", Static)
        assert "'abc' is not a whole number" in str(message.render())  # shown while typing
        await pilot.press("enter")
        await pilot.pause()
        assert calls == ["overparam"]
        await pilot.press("backspace", "backspace", "backspace", "4", "0", "enter")
        await pilot.pause()
        assert calls == ["overparam"] * 2 and screen.hidden == [40]
        assert f"{785 * 40 + 41 * 10:,}" in text_of(screen, "#op-params")


async def test_presets_and_steppers_rerun_at_once():
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        jobs: list = []
        calls = record_runs(screen, jobs)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        screen.query_one("#op-preset", Select).value = "20, 20"
        await pilot.pause()
        assert screen.query_one("#op-hidden", TextField).value == "20, 20"
        assert "16,330" in text_of(screen, "#op-params") and screen.hidden == [20, 20]
        screen.query_one("#op-preset", Select).value = "100, 100"
        await pilot.pause()
        assert "89,610" in text_of(screen, "#op-params")
        screen.query_one("#op-inits").focus()
        await pilot.press("right")  # inits 5 -> 6
        screen.query_one("#op-steps").focus()
        await pilot.press("shift+right")  # 50 -> 100 steps
        await pilot.pause()
        assert len(calls) == 5 and len(screen.curves) == 6 and screen.max_steps == 100
        assert jobs[-1] == OverparamJob((100, 100), 100, 0.05, 6, seed=COURSE_SEED)  # what the engine is asked to run


async def test_diverged_copies_are_named_in_the_status():
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.autorun = False
        await pilot.press("right_square_bracket")
        await pilot.pause()
        screen.handle_events(
            "overparam",
            [
                OverparamStart((10,), 7960, 2, 50, 1.0),
                LossRows(0, 0, (2.3, 2.0)),
                LossRows(1, 0, (2.3, math.nan)),
                Diverged(1, "init 2"),
                Done(),
            ],
        )
        assert "init 2 diverged at iteration 1" in text_of(screen, "#op-status")


async def test_yours_is_drawn_over_the_reference_of_the_same_seed_and_the_status_says_which_is_which():
    """Issue 20: with the learner's gradient_update, the reference's training of each copy comes beside it."""
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.autorun = False
        await pilot.press("right_square_bracket")
        await pilot.pause()
        screen._runs = "your gradient_update"  # as run_overparam says it for a learner's job
        start = [OverparamStart((10,), 7960, 2, 3, 0.05)]
        same = [LossRows(i, 0, (2.3, 2.0, 1.8), reference=ref) for i in range(2) for ref in (False, True)]
        screen.handle_events("overparam", [*start, *same, Done()])
        status = text_of(screen, "#op-status")
        assert "your gradient_update · the same curves as the reference" in status
        slip = [LossRows(i, 0, (2.3, 2.6, 2.9)) for i in range(2)]
        slip += [LossRows(i, 0, (2.3, 2.0, 1.8), reference=True) for i in range(2)]
        screen.handle_events("overparam", [*start, *slip, Done()])
        assert screen.ref_curves == [[2.3, 2.0, 1.8]] * 2 and screen.curves == [[2.3, 2.6, 2.9]] * 2
        assert "the reference (dimmed) ends at 1.800 … 1.800" in text_of(screen, "#op-status")


async def test_arrows_move_the_start_and_the_path_lands_in_a_minimum():
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("landscape")
        await settle(pilot)
        ex = app.screen.query_one(LandscapeExplorer)
        assert app.screen.focused.id == "ls-map"
        assert ex.path is not None and ex.path.reached == 2  # from (3, 3): the shallow well C
        assert ex.surface is not None and ex.surface.minima == minima()  # sent once, with the first descent
        jobs: list = []
        real_start = app.screen.start_run
        app.screen.start_run = lambda job, group="demo": jobs.append(job) or real_start(job, group)
        await pilot.press("left", "shift+down")
        await settle(pilot)
        assert ex.start == pytest.approx((2.9, 2.5))
        assert jobs[-1] == DescentJob(2.9, 2.5, 0.3, 0.0) and not jobs[-1].with_surface
        await pilot.press("shift+right", "shift+right", "shift+right")
        await settle(pilot)
        assert ex.start == pytest.approx((4.0, 2.5))  # clamped to the map
        assert ex.path.reached is not None
        assert f"reached {'ABCD'[ex.path.reached]}" in text_of(ex, "#ls-result")
        m = minima()[ex.path.reached]
        assert (ex.path.xs[-1], ex.path.ys[-1]) == pytest.approx((m.x, m.y), abs=1e-3)


async def test_huge_learning_rate_shows_divergence():
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("landscape")
        await settle(pilot)
        ex = app.screen.query_one(LandscapeExplorer)
        app.screen.query_one("#ls-lr").focus()
        await pilot.press("3", "0", "enter")  # lr 30: the bowl alone now doubles the distance at every step
        await settle(pilot)
        await pilot.press("end")  # the verdict, at the end of the path
        assert "diverged at iteration" in text_of(ex, "#ls-result")


def canned_overparam(screen) -> None:
    """Seven deterministic curves, one of them diverging, as the engine would send them."""
    events = [OverparamStart((10,), 7960, 7, 150, 0.05)]
    for i in range(7):
        losses = tuple(2.4 * math.exp(-k / (30 + 12 * i)) + 0.2 + 0.1 * i for k in range(150 if i != 5 else 40))
        events.append(LossRows(i, 0, losses))
    events += [Diverged(40, "init 6"), Progress(150, 150, "steps"), Done()]
    screen.handle_events("overparam", events)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_overparam_snapshot(snap_compare, size, monkeypatch):
    """Controls at the course's defaults (150 steps, lr 0.05, 7 inits, hidden 10), 'Number of parameters in
    model:  7,960', seven coloured loss curves on a 0-3 axis, the status naming init 6 as diverged, and
    the player paused at the last iteration (End) with the copies' loss range there."""
    monkeypatch.setattr(NonConvexScreen, "DEFAULT_STEPS", 150)
    monkeypatch.setattr(NonConvexScreen, "DEFAULT_INITS", 7)
    monkeypatch.setattr(NonConvexScreen, "autorun", False)

    async def run_before(pilot):
        await pilot.press("right_square_bracket")
        await pilot.pause()
        canned_overparam(pilot.app.screen)
        await pilot.press("end")  # the final picture
        await settle(pilot)

    assert snap_compare(
        make_app(section="nonconvex", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=run_before
    )


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_landscape_snapshot(snap_compare, size):
    """The toy surface with minima A-D marked, the start moved one step left, its whole descent path into C
    (End), the player paused at its last iteration, and the text 'reached C' with the minima listed deepest
    first; the map has focus."""

    async def run_before(pilot):
        await pilot.app.screen.show_pane("landscape")
        await settle(pilot)
        await pilot.press("left")
        await settle(pilot)
        await pilot.press("end")  # the whole path
        await settle(pilot)

    assert snap_compare(
        make_app(section="nonconvex", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=run_before
    )


async def test_a_job_the_contract_refuses_is_said_in_the_status_not_raised(monkeypatch):
    def refused(*settings, **options):
        raise SettingError("the seed must be a whole number from 0 to 4294967295, got -1")

    monkeypatch.setattr("tui.screens.nonconvex.OverparamJob", refused)  # a job the contract refuses
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        calls = record_runs(screen)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert calls == [] and "cannot run: the seed" in text_of(screen, "#op-status")


async def test_each_tab_gives_the_keys_to_its_control_every_time_it_is_shown(monkeypatch):
    monkeypatch.setattr(NonConvexScreen, "autorun", False)
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        record_runs(screen)
        for key, want in [("]", "op-steps"), ("]", "ls-map"), ("[", "op-steps"), ("]", "ls-map")]:
            await pilot.press("right_square_bracket" if key == "]" else "left_square_bracket")
            await settle(pilot)
            assert screen.focused.id == want  # on the map, the arrows move the start, not the lr stepper
