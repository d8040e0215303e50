"""Section 7's Compare optimizers tab: controls that re-run, toggles, Escape, divergence, and snapshots."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from engine.contracts.adaptive import CompareJob, Losses
from engine.contracts.base import COURSE_SEED, SettingError
from engine.events import Failed, Progress
from tui.playback import DEFAULT_SPEED
from tui.widgets.optimizer_curves import OptimizerCurves
from tui.widgets.stepper import Stepper

from .adaptive_fakes import NAMES, canned_run, open_compare, use_engine
from .snap import SIZE_IDS, SIZES, make_app, settle, wait_for


@pytest.fixture
def runs(monkeypatch):
    """Replace the engine with canned runs; record the job of every run started."""
    started: list[CompareJob] = []

    def fake(job, env):
        started.append(job)
        return canned_run(job)

    use_engine(monkeypatch, fake)
    return started


def settings(job: CompareJob) -> tuple:
    return job.batch_size, job.lr, job.max_steps, job.seed


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_the_tab_starts_a_run_with_the_course_defaults_and_toggles_redraw(runs):
    app = make_app(section="adaptive", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r", "v")  # the demo's keys do nothing on the Lesson tab
        await pilot.pause()
        assert runs == [] and app.screen.check_action("run", ()) is False
        await open_compare(pilot)
        screen = app.screen
        assert [settings(j) for j in runs] == [(135, 0.002, 275, COURSE_SEED)] and runs[0].learner == {}
        assert screen.query_one("#batch", Stepper).has_focus
        curves = screen.query_one(OptimizerCurves)
        assert {n: len(v) for n, v in curves.losses.items()} == dict.fromkeys(NAMES, 275)
        assert text(screen, "#status") == "■ iteration 274 · 100 it/s · the reference · done"
        assert screen.query_one("#progress", ProgressBar).percentage == 1.0
        summary = text(screen, "#summary")
        assert summary.startswith("EMA loss") and "RMSprop 0." in summary
        assert "RMSprop  v ← α·v + (1−α)·g²" in text(screen, "#rule")
        # v: panels <-> overlay; s: smoothing off shows the raw last loss. Neither trains again.
        panels = curves.query_one(Horizontal)
        assert curves.view == "panels" and curves.smoothed
        assert panels.display and not curves.query_one("#overlay").display
        await pilot.press("v")
        await pilot.pause()
        assert curves.view == "overlay" and curves.query_one("#overlay").display and not panels.display
        await pilot.press("s")
        await pilot.pause()
        assert not curves.smoothed and text(screen, "#summary").startswith("loss")
        assert f"SGD {curves.losses['SGD'][-1]:.3f}" in text(screen, "#summary")
        assert len(runs) == 1


async def test_every_control_change_runs_again_and_bad_values_are_refused_where_typed(runs):
    app = make_app(section="adaptive")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        await pilot.press("enter", *"999", "enter")  # batch: out of range
        await pilot.pause()
        batch = screen.query_one("#batch", Stepper)
        assert str(batch.query_one(".stepper--error").render()) == "must be between 25 and 250"
        await pilot.press("escape")  # closes the entry box only
        await pilot.press("right")  # batch 135 -> 140
        await settle(pilot)
        await pilot.press("tab", "right")  # lr 0.002 (off the grid) -> 10**-2.6, the next grid point
        await settle(pilot)
        await pilot.press("tab", "enter", *"2.5", "enter")  # steps: not whole
        await pilot.pause()
        assert "whole number" in str(screen.query_one("#steps", Stepper).query_one(".stepper--error").render())
        await pilot.press("escape", "enter", *"60", "enter")
        await settle(pilot)
        assert [r.batch_size for r in runs] == [135, 140, 140, 140]
        assert runs[2].lr == pytest.approx(10**-2.6)
        assert runs[3].max_steps == 60
        assert len(screen.query_one(OptimizerCurves).losses["SGD"]) == 60
        await pilot.press("r")
        await settle(pilot)
        assert len(runs) == 5 and runs[4] == runs[3]


async def test_the_job_carries_the_learners_functions_and_a_refused_job_is_said_not_raised(runs, tmp_path, monkeypatch):
    app = make_app(section="adaptive")
    asked: list[tuple] = []

    def learner_functions(section, ids):  # as if rmsprop_update passed and "yours" was picked
        asked.append(tuple(ids))
        return {"rmsprop_update": str(tmp_path / "exercises.py")}

    app.course.learner_functions = learner_functions
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        assert asked[-1] == ("momentum_update", "sample_minibatch", "rmsprop_update")  # the course's order
        assert dict(runs[-1].learner) == {"rmsprop_update": str(tmp_path / "exercises.py")}

        def refused(**settings):
            raise SettingError("the seed must be between 0 and 4294967294, got -1")

        monkeypatch.setattr("tui.screens.adaptive.CompareJob", refused)  # a job the contract refuses
        await pilot.press("r")
        await settle(pilot)
        assert len(runs) == 1 and text(screen, "#status").startswith("cannot run: the seed must be between 0 and")
        assert screen.query_one("#status").has_class("-error")


async def test_escape_stops_a_run_and_the_screen_stays(monkeypatch):
    release = threading.Event()

    def endless(job, env):
        for i in range(10**6):
            yield Losses("SGD", i, (2.3,))
            yield Progress(i + 1, job.max_steps, "iterations")
            if release.wait(0.005):
                return

    use_engine(monkeypatch, endless)
    app = make_app(section="adaptive")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_square_bracket")
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.running and screen.query_one(OptimizerCurves).losses["SGD"])
        await pilot.press("escape")
        await pilot.pause()
        release.set()
        await settle(pilot)
        assert app.screen is screen and not screen.running
        assert "· stopped at " in text(screen, "#status") and text(screen, "#status").endswith("r runs again")


async def test_divergence_and_failure_are_shown(monkeypatch):
    use_engine(monkeypatch, lambda job, env: canned_run(job, diverge={"SGD": 12, "Momentum": 130}))
    app = make_app(section="adaptive")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        summary = text(screen, "#summary")
        assert "SGD diverged at 12" in summary and "Momentum diverged at 130" in summary
        assert len(screen.query_one(OptimizerCurves).losses["SGD"]) == 12
        screen.handle_events("compare", [Failed("the GPU ran out of memory; choose smaller settings")])
        await pilot.pause()
        assert text(screen, "#status") == "failed: the GPU ran out of memory; choose smaller settings"


async def test_a_real_seeded_run_on_the_full_set(monkeypatch):
    """The real engine end to end on the 60,000 images, seeded, with the smallest batch and fewest steps."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared CPU: waiting threads stall every op
    try:
        await _real_run(monkeypatch)
    finally:
        torch.set_num_threads(before)


async def _real_run(monkeypatch) -> None:
    from engine.sections.adaptive import compare_job

    smallest = {"batch_size": 25, "max_steps": 50, "seed": 0}
    use_engine(monkeypatch, lambda job, env: compare_job(dataclasses.replace(job, **smallest), env))
    app = make_app(section="adaptive")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        curves = app.screen.query_one(OptimizerCurves)
        assert {n: len(v) for n, v in curves.losses.items()} == dict.fromkeys(NAMES, 50)
        assert all(2.0 < v[0] < 2.6 for v in curves.losses.values())
        assert curves.diverged_at == {} and not app.screen.running


def passed_workspace(slip: str = "") -> None:
    """The learner's file holds the course's solutions (one with a sign slip), each recorded as passed."""
    from engine.exercises import EXERCISE_IDS, catalog, workspace
    from engine.progress import ProgressStore

    path = workspace.workspace_file(None)
    path.parent.mkdir(parents=True, exist_ok=True)
    sources = [catalog()[ex]["solution"] for ex in EXERCISE_IDS]
    if slip:
        sources = [src.replace("par.data -= lr *", "par.data += lr *") if slip in src else src for src in sources]
    path.write_text(workspace.HEADER + "\n\n" + "\n\n".join(sources))
    store = ProgressStore()
    for ex in EXERCISE_IDS:
        store.mark_passed(ex, workspace.digest_of(path, ex))


async def test_yours_runs_beside_the_reference_of_the_same_seed_and_says_so(monkeypatch):
    """Issue 20: which rules ran was only a colour, and a learner's curves could not be compared with the
    reference's (another model, other minibatches each run). With a sign slip in rmsprop_update, the
    reference's curve of the same seed is drawn beside, and the summary gives its value."""
    import torch

    from engine.contracts.adaptive import CompareConfig
    from engine.data import course_subset
    from engine.exercises.learner import load_learner_functions
    from engine.sections.adaptive import compare_optimizers

    passed_workspace(slip="def rmsprop_update")

    def small(job, env):  # the job's seed and learner, on the course's subset with a small network
        x, y = course_subset(env.context.mnist)
        cfg = CompareConfig(batch_size=25, lr=0.01, max_steps=30, hidden=(20,), seed=job.seed)
        fns = load_learner_functions(dict(job.learner))
        return compare_optimizers(x, y, cfg, **fns, beside_reference=bool(fns))

    use_engine(monkeypatch, small)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    app = make_app(section="adaptive")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await open_compare(pilot)
            screen = app.screen
            toggle_line = str(screen.query_one("ImplementationToggle").render())
            assert "update rules: the reference · i: your momentum_update" in toggle_line
            assert "· the reference · done" in text(screen, "#status")
            screen.query_one("ImplementationToggle").focus()  # where the key bar has room for i
            await pilot.press("i")
            await settle(pilot)
            assert "your momentum_update, sample_minibatch, rmsprop_update · done" in text(screen, "#status")
            assert "runs yours" in screen.query_one("KeyBar").shown_text()
            curves = screen.query_one(OptimizerCurves)
            assert curves.reference.keys() == set(NAMES)
            assert curves.losses["SGD"] == curves.reference["SGD"]  # the course's rules give the reference's
            assert curves.losses["Momentum"] == curves.reference["Momentum"]
            assert "RMSprop" in curves.diverged_at or max(curves.losses["RMSprop"]) > 10
            summary = text(screen, "#summary")
            assert (
                "RMSprop " in summary and "(ref 0." in summary and summary.count("(ref") == 1
            )  # only where it differs
            seed = screen.query_one("#seed", Stepper)
            assert seed.value == COURSE_SEED
            await pilot.press("d")  # another seed: another model, the reference beside it again
            await settle(pilot)
            assert seed.value != COURSE_SEED and screen.job.seed == seed.value
            assert curves.losses["SGD"] == curves.reference["SGD"]
    finally:
        torch.set_num_threads(before)


def test_lesson_and_questions_carry_the_course_text():
    """The texts themselves; that the Questions tab shows a section's questions as cards is
    tests/tui/test_navigation.py's (test_questions_tab_snapshot, test_questions_reveal_explanation_once_answered)."""
    from tui.lessons import lesson_text, questions

    lesson = lesson_text("adaptive")
    for needle in (
        "## Locality of gradients",
        "v_t     = α v_{t−1} + (1 − α) (∇J(w_t))²",
        "w_{t+1} = w_t − η ∇J(w_t) / sqrt(v_t + ε)",
        "## Exercise 7: RMSprop",
    ):
        assert needle in lesson
    asked = questions("adaptive")
    assert [q.title for q in asked] == ["Think 7.1: Compare optimizers", "Think! 7.2: Loss function and optimization"]
    assert "RMSprop" in asked[0].explanation and "Hessian" in asked[1].explanation


# -- snapshots ------------------------------------------------------------------------------------
def patched(monkeypatch, **kwargs) -> None:
    use_engine(monkeypatch, lambda job, env: canned_run(job, **kwargs))


async def compare_panels(pilot) -> None:
    await open_compare(pilot)


async def compare_overlay(pilot) -> None:
    await open_compare(pilot)
    await pilot.press("v")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_panels_snapshot(snap_compare, monkeypatch, size):
    """Three panels (SGD, Momentum, RMSprop), loss 0-2.5 over 275 iterations, raw curves faint under
    the smoothed ones; the controls at the course defaults, the RMSprop rule, the playback keys' hint,
    after End the status '■ iteration 274 · 100 it/s · the reference · done' with a full
    progress bar, and the smoothed final losses in the optimizers' colours."""
    patched(monkeypatch)
    assert snap_compare(
        make_app(section="adaptive", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=compare_panels
    )


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_overlay_snapshot(snap_compare, monkeypatch, size):
    """One chart with the three smoothed curves overlaid in their colours (cyan, red, magenta)."""
    patched(monkeypatch)
    assert snap_compare(
        make_app(section="adaptive", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=compare_overlay
    )


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_diverged_snapshot(snap_compare, size, monkeypatch):
    """SGD's panel ends at iteration 12 and is titled diverged; the summary says where it diverged."""
    patched(monkeypatch, diverge={"SGD": 12})
    assert snap_compare(
        make_app(section="adaptive", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=compare_panels
    )
