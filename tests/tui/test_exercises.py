"""The Exercise tab: edit with $EDITOR, check in a separate process, stop a check, reveal the solution,
and the reference/yours switch that demos use once an exercise has passed."""

from __future__ import annotations

import io
import os
import stat
import sys
import textwrap

import pytest
from rich.console import Console

from engine.exercises import catalog, workspace
from tui.app import OptCourseApp
from tui.screens.section import SectionScreen
from tui.widgets.check_result import checks_table
from tui.widgets.exercise_pane import ExercisePane
from tui.widgets.impl_toggle import ImplementationToggle

from .exercise_app import make_app, open_exercise, status
from .snap import SIZE_IDS, SIZES, settle, wait_for

SOLUTION = catalog()["gradient_update"]["solution"]
WRONG_SIGN = SOLUTION.replace("par.data -= lr", "par.data += lr")


def as_text(renderable) -> str:
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


def write_learner_file(body: str) -> None:
    path = workspace.workspace_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workspace.HEADER + "\n\n" + body)


@pytest.fixture
def fake_editor(tmp_path, monkeypatch):
    """$EDITOR = a script that writes the course's solution of gradient_update into the file it is given."""
    script = tmp_path / "fake-editor"
    script.write_text(
        textwrap.dedent(f"""\
        #!{sys.executable}
        import sys
        from engine.exercises import catalog, workspace
        open(sys.argv[1], "w").write(workspace.HEADER + "\\n\\n" + catalog()["gradient_update"]["solution"])
        """)
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.setenv("PYTHONPATH", os.getcwd())
    return script


def test_sections_with_an_exercise_get_the_tab():
    from tui.lessons import exercises

    with_tab = {e["section"]: e["id"] for e in exercises()}
    assert with_tab == {
        "search": "gradient_update",
        "conditioning": "momentum_update",
        "minibatch": "sample_minibatch",
        "adaptive": "rmsprop_update",
    }


async def test_ethics_has_no_exercise_tab():
    app = make_app("ethics")
    async with app.run_test(size=(100, 30)):
        assert not app.screen.query(ExercisePane)


async def test_edit_then_check_cycle(fake_editor):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_exercise(app, pilot)
        assert "created" in status(pane) and workspace.workspace_file().exists()
        await pilot.press("c")  # the untouched stub: known to raise without running it
        await settle(pilot)
        assert pane.report.status == "error" and "still the stub" in status(pane)
        assert not app.course.exercise_passed("gradient_update")
        await pilot.press("e")  # headless: no terminal to suspend, the editor runs on its own
        await settle(pilot)
        assert "Back from the editor" in status(pane)
        await pilot.press("c")  # in a separate process (a warm fork may pass it before the next look: no assert on
        await settle(pilot)  # `checking` here; the Escape test below holds a check running)
        assert pane.report.status == "passed", pane.report.summary
        assert app.course.exercise_passed("gradient_update") and app.course.exercise_ready("gradient_update")
    assert "gradient_update" in OptCourseApp().course.store.passed  # kept for the next start


async def test_a_raising_answer_shows_its_traceback(subset):
    body = SOLUTION.replace("lr * par.grad.data", "lr * par.grad.dat")
    write_learner_file(body)  # so that the traceback can quote the line
    report = _report(subset, body, filename=str(workspace.workspace_file()))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_exercise(app, pilot)
        pane.show_report(report)
        await pilot.pause()
        assert "raised AttributeError" in status(pane)
        error = str(pane.query_one("#cr-error").render())
        assert 'File "exercises.py", line' in error and "par.grad.dat" in error
        assert "not finished" in as_text(checks_table(report))


async def test_escape_stops_a_check_and_the_screen_stays_usable():
    write_learner_file("def gradient_update(loss, params, lr=1e-3):\n    while True:\n        pass\n")
    app = make_app()
    app.check_timeout = 60.0
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_exercise(app, pilot)
        await pilot.press("c")
        assert await wait_for(pilot, lambda: pane.checking)
        await pilot.press("escape")
        await settle(pilot)
        assert not pane.checking and status(pane) == "Check stopped."
        assert isinstance(app.screen, SectionScreen)  # Escape stopped the check, it did not leave
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SectionScreen)


async def test_no_editor_set_edits_in_the_app(no_editor):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_exercise(app, pilot)
        await pilot.press("e")
        assert "No editor is set" in status(pane) and "ctrl+s" in status(pane)
        assert app.focused is pane.query_one("#ed-code")  # the in-app editor (tests/tui/test_code_editor.py)


async def test_a_file_without_the_stub_is_reported_not_rewritten():
    write_learner_file("def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):\n    pass\n")
    before = workspace.workspace_file().read_text()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_exercise(app, pilot)
        assert "has no function gradient_update" in status(pane)
        assert pane.query_one("#ex-stub").display
        await pilot.press("c")
        await settle(pilot)
        assert pane.report.status == "missing"
    assert workspace.workspace_file().read_text() == before


async def test_the_solution_needs_two_asks():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_exercise(app, pilot)
        await pilot.press("s")
        assert "press s again" in status(pane) and not pane.has_class("-solution")
        await pilot.press("s")
        assert pane.has_class("-solution")
        assert pane.query_one("#ex-solution").display


async def test_the_switch_waits_for_a_pass_then_chooses_yours_in_its_own_section_only():
    write_learner_file(SOLUTION)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        toggle = ImplementationToggle(["gradient_update"], app.course, "search")
        await app.screen.query_one("#lesson").mount(toggle)
        await pilot.pause()
        await pilot.press("i")  # not passed yet: nothing changes
        assert app.screen.changes == [] and "pass Exercise 3 first" in str(toggle.render())
        assert "update rules: the reference" in str(toggle.render())
        assert app.course.learner_functions("search", ["gradient_update"]) == {}
        app.course.record_pass("gradient_update", workspace.digest_of(workspace.workspace_file(), "gradient_update"))
        await pilot.pause()
        assert "i: your gradient_update" in str(toggle.render()) and "first" not in str(toggle.render())
        assert toggle.key_label() == "runs the reference"
        await pilot.press("i")
        assert [c.use_mine for c in app.screen.changes] == [True]
        assert "update rules: your gradient_update · i: the reference" in str(toggle.render())
        assert toggle.key_label() == "runs your gradient_update"
        paths = app.course.learner_functions("search", ["gradient_update", "momentum_update"])
        assert paths == {"gradient_update": str(workspace.workspace_file())}
        # Issue 20: i in Section 3 made Sections 4 and 5 run "yours" too. Each section keeps its own choice.
        assert app.course.learner_functions("conditioning", ["gradient_update", "momentum_update"]) == {}
        assert app.course.learner_functions("nonconvex", ["gradient_update"]) == {}
        from engine.exercises.learner import load_learner_functions

        assert callable(load_learner_functions(paths)["gradient_update"])
        write_learner_file(WRONG_SIGN)  # changed since it passed: the reference again, with a hint
        assert app.course.learner_functions("search", ["gradient_update"]) == {}
        toggle.refresh()
        assert "check Exercise 3 again" in str(toggle.render())
        await pilot.press("i")
        assert len(app.screen.changes) == 1


async def test_a_choice_stored_for_every_section_holds_where_the_exercise_is_taught():
    """Before choices were per section, one "use mine" per exercise was stored: it now means its own section."""
    app = make_app()
    async with app.run_test(size=(80, 24)):
        course = app.course
        course.store.set_use_mine("gradient_update", True)
        assert course.uses_yours("search", "gradient_update")  # Exercise 3 is Section 3's
        assert not course.uses_yours("conditioning", "gradient_update")
        course.choose_yours("conditioning", ["gradient_update"], True)
        assert course.uses_yours("conditioning", "gradient_update") and not course.uses_yours(
            "nonconvex", "gradient_update"
        )
        course.choose_yours("search", ["gradient_update"], False)
        assert not course.uses_yours("search", "gradient_update") and course.uses_yours(
            "conditioning", "gradient_update"
        )


# -- snapshots ----------------------------------------------------------------------------------------
def _report(subset, source: str, name: str = "gradient_update", filename: str = "exercises.py"):
    """The report of a real check of `source`, run in this process (quicker than the checker's process)."""
    import torch

    from engine.exercises.cases import check_function

    namespace: dict = {}
    exec(compile(workspace.HEADER + "\n\n" + source, filename, "exec"), namespace)  # as write_learner_file
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return check_function(name, namespace[name], subset, filename=filename)
    finally:
        torch.set_num_threads(threads)


def _show(report):
    async def run_before(pilot) -> None:
        pane = await open_exercise(pilot.app, pilot)
        pane.show_report(report)  # the report of a real check, computed in this process
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_failing_check_snapshot(snap_compare, size, subset):
    """A gradient step with the wrong sign: red summary, ✘ on the course's test, 'moves downhill' and
    'matches the rule' with what is wrong in words, then the course's values marked ✘ beside the expected."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_show(_report(subset, WRONG_SIGN)))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_passing_check_snapshot(snap_compare, size, subset):
    """The course's solution: green summary, every check ✔, and the course's numbers marked ✔."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_show(_report(subset, SOLUTION)))
