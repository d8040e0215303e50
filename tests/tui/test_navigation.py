"""Moving around the course with the keyboard: home screen, sections, help, palette."""

from __future__ import annotations

import pytest

from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.section import SectionScreen
from tui.sections import SECTIONS
from tui.widgets.header import SIDES

from .fakes import IdleExecutor
from .screen_text import screen_lines
from .snap import SIZE_IDS, SIZES, make_app, no_blink, settle, wait_for


def section_key(app) -> str | None:
    return app.screen.section.key if isinstance(app.screen, SectionScreen) else None


async def test_enter_opens_highlighted_section_and_escape_returns_home():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press(*["down"] * 7, "enter")
        await pilot.pause()
        assert section_key(app) == "ethics"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_digits_jump_and_n_p_move_between_sections():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await pilot.pause()
        assert section_key(app) == "ethics"
        await pilot.press("n")
        await pilot.pause()
        assert section_key(app) == "summary"
        await pilot.press("p")
        await pilot.pause()
        assert section_key(app) == "ethics"
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert len(app.screen_stack) == 2


async def test_home_n_p_move_the_highlight():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "n", "p")
        toc = app.screen.query_one("#toc")
        assert toc.highlighted == 2


async def test_section_flag_opens_that_section_over_home():
    app = make_app(section="ethics")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert section_key(app) == "ethics"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_help_lists_the_keys_of_the_current_screen():
    app = make_app(section="ethics")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert keys.get("n") == "next section" and keys.get("q") == "quit"
        await pilot.press("escape")
        await pilot.pause()
        assert section_key(app) == "ethics"


async def test_questions_reveal_explanation_once_answered():
    app = make_app(section="intro")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.screen.show_pane("questions")
        await pilot.pause()
        card = app.screen.query_one("QuestionCard")
        card.focus()
        await pilot.press("x")  # nothing written yet: a hint, not the explanation
        assert not card.revealed
        assert "write your answer first" in str(card.query_one(".q-hint").render())
        card.query_one("TextArea").focus()
        await pilot.press(*"money", "x")  # in the text, x is a letter
        await pilot.press("ctrl+r")
        assert card.revealed and card.answer() == "moneyx"


async def test_palette_commands_reach_every_section():
    """Ctrl+P opens the palette; typing a section's name and Enter goes there (the palette is opened, not listed)."""
    from textual.command import CommandList, CommandPalette

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        for typed, key in (("poor cond", "conditioning"), ("bonus", "bonus"), ("summary", "summary")):
            await pilot.press("ctrl+p")
            assert await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*typed)
            # The search runs in a worker: wait for its matches (a fixed 0.3 s can pass with none on a loaded machine).
            commands = app.screen.query_one(CommandList)
            assert await wait_for(pilot, lambda commands=commands: commands.option_count > 0)
            await settle(pilot, rounds=1)  # the search has listed every match (its worker is done)
            await pilot.press("down", "enter")
            shown = lambda key=key: getattr(getattr(app.screen, "section", None), "key", None) == key
            assert await wait_for(pilot, shown)
            await pilot.press("h")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_home_snapshot(snap_compare, size):
    """The table of contents with time estimates and purposes; the first entry highlighted."""
    assert snap_compare(make_app(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_lesson_only_section_snapshot(snap_compare, size):
    """Section 8 has no demo: its lesson text under the Lesson tab."""
    assert snap_compare(make_app(section="ethics"), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_demo_section_lesson_snapshot(snap_compare, size):
    """Section 7 opens on its Lesson tab: the links line, the lesson, its demo and exercise tabs beside."""
    assert snap_compare(make_app(section="adaptive"), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_questions_tab_snapshot(snap_compare, size):
    """Section 7's Questions tab: each Think! question with its answer box, nothing answered yet."""

    async def open_questions(pilot) -> None:
        await settle(pilot)
        await pilot.app.screen.show_pane("questions")
        await settle(pilot)
        no_blink(pilot.app)

    assert snap_compare(make_app(section="adaptive"), terminal_size=size, run_before=open_questions)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_help_snapshot(snap_compare, size):
    """? on Section 3's Lesson: this app's keys only, in groups (section, settings, typing, exercise,
    everywhere), each key once; no Textual internals (no "Scroll Left", "Copy selected text", "^q Quit")."""

    async def open_help(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(section="search"), terminal_size=size, run_before=open_help)


async def test_help_lists_only_the_apps_own_keys_each_once():
    app = make_app(section="search")
    app.runner.executor = IdleExecutor()  # the help's keys need no run (the demo's would train a model first)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("compare")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = app.screen.keys
        keys = [k for k, _ in rows if k]
        assert len(keys) == len(set(keys)), keys
        described = " ".join(d for _, d in rows).lower()
        for internal in ("scroll", "copy", "select all", "page left", "quit the app"):
            assert internal not in described
        assert ("q", "quit") in rows and ("u", "videos & links (QR codes)") in rows
        assert any(k == "e" for k in keys) and any("ctrl+s" in d for _, d in rows)  # the exercise editor's keys
        assert any(k == "r" and d == "new random draws" for k, d in rows)  # the demo's own key


async def test_help_shows_bracket_keys_literally():
    """Keys like [ and ] must not be read as markup in the help table."""
    app = make_app(section="ethics")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "[/b]" not in text
        assert "] / [  next / previous tab" in text


async def test_controls_on_a_hidden_tab_do_not_keep_the_keys():
    """After switching tabs, arrows must not change a setting the learner can no longer see."""
    app = make_app(section="conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("demo")
        await settle(pilot)
        lr = app.screen.query_one("#lr")
        assert app.focused is lr
        before = lr.value
        await pilot.press("left_square_bracket")  # back to the Lesson tab
        await pilot.pause()
        await pilot.press("right")
        await settle(pilot)
        assert lr.value == before
        assert app.focused is None or "lesson" in [node.id for node in app.focused.ancestors]


LONG_DEVICE = "cpu: AMD EPYC 7763 64-Core Processor (2 threads)"


async def test_the_header_never_cuts_the_title_or_the_device_line():
    """At 80x24 the header read "… (2 thr…": the device line now shortens whole (or goes) beside the title."""

    longest = max(SECTIONS, key=lambda s: len(s.label))
    assert all(len(s.label) <= 80 - SIDES for s in SECTIONS)  # every title has room of its own at 80 columns
    app = make_app(device_label=LONG_DEVICE)
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key in (None, longest.key):
            if key is not None:
                app.open_section(key)
                await pilot.pause()
            header = screen_lines(app)[0]
            assert "…" not in header, header
            assert (app.screen.title or app.title) in header, header
            shown = header.split(" — ", 1)[1].strip() if " — " in header else ""
            assert shown in ("", "cpu", LONG_DEVICE, f"device {LONG_DEVICE}"), header
        await pilot.resize_terminal(120, 40)  # the header is redrawn when the app next idles: wait for it
        assert await wait_for(pilot, lambda: f"device {LONG_DEVICE}" in screen_lines(app)[0]), screen_lines(app)[0]


async def test_a_section_builds_only_the_tabs_the_learner_shows():
    """Issue 23: opening a section mounted every tab (110-170 widgets) before its first frame; now the
    Lesson alone, and each tab when first shown (Section 4's Theory with its Demo, whose settings it uses)."""
    app = make_app(section="conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.built("lesson") and screen.query("LessonView Markdown"))
        assert not any(screen.built(p) for p in ("demo", "theory-tab", "exercise", "questions"))
        assert not screen.query("Stepper") and not screen.query("QuestionCard") and not screen.query("ExercisePane")
        await pilot.press("left_square_bracket")  # wraps to Questions
        await settle(pilot)
        assert screen.built("questions") and screen.query("QuestionCard")
        assert app.focused is not None and "questions" in [n.id for n in app.focused.ancestors]
        assert not screen.built("demo") and not screen.built("exercise")
        await pilot.press("ctrl+pageup", "ctrl+pageup", "ctrl+pageup")  # Exercise, κ explorer, then Theory
        await settle(pilot)
        assert screen.query_one("#tabs").active == "theory-tab"
        assert screen.built("demo") and screen.shown is not None  # the Theory runs at the Demo's settings


async def test_a_run_starting_or_ending_does_not_repaint_the_whole_screen():
    """`running` was a reactive: each change repainted every cell of the section screen (twice per key)."""
    app = make_app(section="intro")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen._repaint_required = False  # Textual's flag for a full-screen render at the next frame
        screen.running = True
        screen.running = False
        assert not screen._repaint_required
