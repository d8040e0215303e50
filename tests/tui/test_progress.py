"""Progress across restarts: answers typed, sections visited, where the app reopens, the home marks, reset."""

from __future__ import annotations

import io

import pytest

from engine.exercises import recovery, workspace
from engine.progress import DB_FILE, ProgressStore
from tui.args import parse_args
from tui.cli import reset_progress
from tui.screens.home import HomeScreen
from tui.screens.section import SectionScreen
from tui.widgets.lesson import QuestionCard

from .snap import SIZE_IDS, SIZES, make_app, settle


async def test_an_answer_is_saved_as_typed_and_back_after_a_restart(fresh_home):
    app = make_app(section="intro")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("questions")
        await pilot.pause()
        card = app.screen.query_one(QuestionCard)
        card.query_one("TextArea").focus()
        await pilot.press(*"proxy goals")
        await pilot.pause(QuestionCard.SAVE_DELAY + 0.3)  # the debounce has passed: on disk already
        assert ProgressStore(fresh_home).answers == {card.question.id: "proxy goals"}
    again = make_app(section="intro")
    async with again.run_test(size=(100, 30)) as pilot:
        await again.screen.show_pane("questions")
        await pilot.pause()
        card = again.screen.query_one(QuestionCard)
        assert card.query_one("TextArea").text == "proxy goals"
        card.focus()
        await pilot.press("x")  # answered before: the explanation may be shown at once
        assert card.revealed


async def test_an_answer_typed_just_before_leaving_is_not_lost(fresh_home):
    app = make_app(section="intro")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("questions")
        await pilot.pause()
        app.screen.query_one("TextArea").focus()
        await pilot.press(*"quick", "escape")  # leaves within the debounce delay
        await pilot.pause()
    assert "quick" in ProgressStore(fresh_home).answers.values()


async def test_an_answer_written_in_another_window_appears_when_the_question_is_shown_again(fresh_home):
    app = make_app(section="intro")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("questions")
        await pilot.pause()
        card = app.screen.query_one(QuestionCard)
        card.query_one("TextArea").focus()
        await pilot.press(*"mine")
        await pilot.pause(QuestionCard.SAVE_DELAY + 0.3)
        other = ProgressStore(fresh_home)  # another window on the same data folder
        other.set_answer(card.question.id, "mine, and more from the other window")
        other.set_answer("think-3", "only there")
        await app.screen.show_pane("lesson")
        await pilot.pause()
        await app.screen.show_pane("questions")
        await pilot.pause()
        assert card.query_one("TextArea").text == "mine, and more from the other window"
        assert app.course.answer_for("think-3") == "only there"
        await pilot.press("escape", "escape")  # home: its marks count the other window's answers too
        await pilot.pause()
        assert "answered 2/" in str(app.screen.query_one("#progress").render())


async def test_visits_are_marked_and_the_app_reopens_where_the_learner_left():
    app = make_app(section="intro")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_section("ethics")
        await pilot.pause()
    again = make_app()  # no --section: back at the last section opened
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, SectionScreen) and again.screen.section.key == "ethics"
        assert again.course.section_marks("intro") == "[$success]●[/]"
        assert again.course.section_marks("search") == ""
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(again.screen, HomeScreen)
        assert "visited 2/10 sections" in str(again.screen.query_one("#progress").render())
    flagged = make_app(section="intro")  # --section wins over the remembered one
    async with flagged.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert flagged.screen.section.key == "intro"


async def test_a_corrupt_progress_file_is_set_aside_with_a_notice(fresh_home):
    fresh_home.mkdir(parents=True, exist_ok=True)
    (fresh_home / DB_FILE).write_text("{not a database")
    app = make_app()
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert any("set aside" in n for n in notes)
    assert any(p.name.startswith(f"{DB_FILE}.corrupt-") for p in fresh_home.iterdir())


# -- --reset-progress ---------------------------------------------------------------------------------
def _seed_progress(home):
    home.mkdir(parents=True, exist_ok=True)
    p = ProgressStore(home)
    p.visit("intro")
    p.set_answer("think-3", "a")
    p.close()
    path = workspace.ensure().path
    path.write_text("# my work\n")
    return path


def test_reset_refuses_without_a_terminal(fresh_home, capsys):
    exercise_file = _seed_progress(fresh_home)
    assert not reset_progress(None, ask=lambda q: "y", interactive=False)
    assert "no terminal" in capsys.readouterr().err
    assert ProgressStore(fresh_home).visited == ["intro"] and exercise_file.read_text() == "# my work\n"


def test_reset_clears_progress_but_keeps_the_exercise_file_unless_confirmed(fresh_home):
    exercise_file = _seed_progress(fresh_home)
    questions: list[str] = []
    answers = iter(["y", "n"])
    out = io.StringIO()
    assert reset_progress(None, ask=lambda q: questions.append(q) or next(answers), interactive=True, out=out)
    assert questions[0].startswith("Clear your progress, answers") and questions[0].endswith("[y/N] ")
    assert ProgressStore(fresh_home).all_items() == {} and "Cleared 3 item(s)" in out.getvalue()
    assert exercise_file.read_text() == "# my work\n" and "was kept" in out.getvalue()


def test_reset_of_the_exercise_file_keeps_a_backup(fresh_home):
    exercise_file = _seed_progress(fresh_home)
    recovery.write(exercise_file, "gradient_update", "# unsaved\n", None, (0, 0))
    answers = iter(["n", "yes"])
    assert reset_progress(None, ask=lambda q: next(answers), interactive=True, out=io.StringIO())
    assert ProgressStore(fresh_home).visited == ["intro"]  # the first question was declined
    assert not exercise_file.exists()
    assert exercise_file.with_name("exercises.py.bak").read_text() == "# my work\n"
    assert recovery.read(exercise_file, "gradient_update") is None  # its unsaved edits are not offered anew


def test_the_flag_is_parsed():
    assert parse_args(["--reset-progress"]).reset_progress
    assert not parse_args([]).reset_progress


# -- the home screen with progress --------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_home_with_progress_snapshot(snap_compare, size, fresh_home):
    """Marks after the sections: ● visited (1-4), ✔ exercise passed (3), ✎ answered n/m (1, 3, 4); the
    line under the list counts 4/10 sections, 1/4 exercises, 3/8 questions."""
    fresh_home.mkdir(parents=True, exist_ok=True)
    p = ProgressStore(fresh_home)
    for key in ("intro", "casestudy", "search", "conditioning"):
        p.put("visited", key, "")  # visited, but none opened last: the app starts at home
    p.mark_passed("gradient_update", "0")
    for question, answer in {"discuss-1": "a", "think-3": "b", "think-4a": "c"}.items():
        p.set_answer(question, answer)
    p.close()
    assert snap_compare(make_app(), terminal_size=size, run_before=settle)
