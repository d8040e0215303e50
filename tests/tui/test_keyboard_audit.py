"""The keyboard audit: every tab of every section, at 80x24 and 120x40, with the keys alone.

For each section one app walks its tabs with `]` at 80x24 and, on each tab, checks the focus
model of tui.screens.section.SectionScreen: (1) the keys are where the tab says (its control,
the Lesson's text, the first open answer box, the Exercise pane) and the tab hook ran once;
(2) a sentence typed into a text box stays text: no section, tab or dialog changes; (3) `]`,
`[`, Esc and `?` (F1 from a multi-line box) still act; (4) nothing on screen is cut with "…"
(key hints, status lines, tables), except what ALLOWED_CUTS lists with its reason. Then the
terminal grows to 120x40 and a second lap checks (1) and (4): one app per section, so the
audit stays cheap.
Engine runs are left in flight and say nothing (IdleExecutor), so the audit is the same on
every machine; what runs draw is checked by each section's own tests.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.screen import ModalScreen
from textual.widgets import Input, TabbedContent, TabPane, Tabs, TextArea

from tui.playback import DEFAULT_SPEED, PlayerKeys
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.section import SectionScreen
from tui.sections import SECTIONS
from tui.widgets.code_area import CodeArea
from tui.widgets.exercise_pane import ExercisePane
from tui.widgets.field_input import FieldInput
from tui.widgets.key_bar import KeyBar

from .fakes import IdleExecutor
from .focus_rules import rules_reaching_inside
from .screen_text import cuts, screen_lines
from .snap import make_app, no_blink, settle

SMALL, LARGE = (80, 24), (120, 40)
# Printable keys that are bindings somewhere (n p h q o s w, digits, space); short, because
# each key press is a render of the whole screen.
SENTENCE = "show nqp 5"
BRACKETS = "[]?"  # a multi-line box takes these as text too
# The exercise editor takes every printable key (the space last: a leading one is indentation).
PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
ALLOWED_CUTS: dict[str, str] = {}  # phrase on the cut line -> why that cut is intended


def _key_name(key: str) -> str:
    """The key's name as bindings spell it ("question_mark" for "?")."""
    return _character_to_key(key) if len(key) == 1 and not key.isalnum() else key


# Where the keys go when each tab is shown (the focus model of tui.screens.section.SectionScreen, written out
# here rather than computed as the screen computes it): a selector within the pane, per section and tab. Lesson:
# its text, to scroll; a demo: its first control; Exercise: the pane (e opens the editor); Questions: the first
# open answer box, or the text where the section asks nothing to type. A pair: (first lap, second lap): the first
# lap typed an answer into the first box, so the second lap's keys go to the next open one.
LESSON, EXERCISE, NO_ANSWER = "LessonView", "ExercisePane", "QuestionsView"
EXPECTED_FOCUS: dict[str, dict[str, str | tuple[str, str]]] = {
    "intro": {"lesson": LESSON, "questions": "TextArea#answer-discuss-1"},
    "casestudy": {
        "lesson": LESSON,
        "data": "Stepper#example",
        "model": "FieldInput#hidden",
        "filters": "Stepper#seed",
        "questions": NO_ANSWER,
    },
    "search": {"lesson": LESSON, "compare": "Stepper#noise", "exercise": EXERCISE, "questions": "#answer-think-3"},
    "conditioning": {
        "lesson": LESSON,
        "demo": "Stepper#lr",
        "theory-tab": "#theory",
        "kappa-tab": "Stepper#kappa",
        "exercise": EXERCISE,
        "questions": ("#answer-think-4a", "#answer-think-4b"),
    },
    "nonconvex": {
        "lesson": LESSON,
        "overparam": "Stepper#op-steps",
        "landscape": "#ls-map",
        "real": "#real-landscape",
        "questions": "#answer-think-5-1",
    },
    "minibatch": {
        "lesson": LESSON,
        "cost": "Select#cost-hidden",
        "minibatch": "#mb-sizes FieldInput",
        "exercise": EXERCISE,
        "questions": NO_ANSWER,
    },
    "adaptive": {
        "lesson": LESSON,
        "compare": "Stepper#batch",
        "exercise": EXERCISE,
        "questions": ("#answer-think-7-1", "#answer-think-7-2"),
    },
    "ethics": {"lesson": LESSON, "questions": NO_ANSWER},
    "summary": {"lesson": LESSON, "questions": NO_ANSWER},
    "bonus": {
        "lesson": LESSON,
        "train": "Cycler#optimizer",
        "sweep": "Cycler#sweep-first",
        "runs": "DataTable#runs-table",
        "questions": "#answer-think-bonus",
    },
}


def expected_selector(screen: SectionScreen, pane: TabPane, lap: int) -> str | None:
    named = EXPECTED_FOCUS.get(screen.section.key, {}).get(pane.id or "")
    return named[lap] if isinstance(named, tuple) else named


def expected_focus(screen: SectionScreen, pane: TabPane, lap: int):
    """The widget EXPECTED_FOCUS names for `pane` on lap 0 or 1; None where it names none (a new tab: add it)."""
    selector = expected_selector(screen, pane, lap)
    found = pane.query(selector) if selector else ()
    return found.first() if found else None


def where(app) -> str:
    focused = app.focused
    return type(focused).__name__ + (f"#{focused.id}" if focused is not None and focused.id else "")


class Audit:
    """The problems found on one app, by tab; `check` records instead of stopping at the first."""

    def __init__(self, app, pilot) -> None:
        self.app, self.pilot = app, pilot
        self.problems: list[str] = []
        self.tab = "lesson"

    def check(self, ok: bool, what: str) -> bool:
        if not ok:
            self.problems.append(f"[{self.size} {self.tab}] {what}")
        return ok

    @property
    def size(self) -> str:
        return "{}x{}".format(*self.app.size)

    async def lap(self, full: bool, hook_calls: list[str]) -> None:
        """Round the tabs with `]` and back to the Lesson, checking each (see tab_keys)."""
        tabs = self.screen.query_one("#tabs", TabbedContent)
        panes = list(tabs.query(TabPane))
        self.tab = panes[0].id or ""
        await self.tab_keys(panes[0], full)
        for pane in panes[1:] + panes[:1]:
            multi_line = isinstance(self.app.focused, TextArea)
            hook_calls.clear()
            await self.press("ctrl+pagedown" if multi_line else "right_square_bracket")
            self.tab = pane.id or ""
            if not self.check(tabs.active == pane.id, f"] did not open this tab (still on {tabs.active})"):
                return
            self.check(hook_calls == [pane.id], f"the tab hook ran for {hook_calls}, not once for this tab")
            if pane is not panes[0]:
                await self.tab_keys(pane, full)

    @property
    def screen(self):
        return self.app.screen

    def active(self) -> str:
        return self.screen.query_one("#tabs", TabbedContent).active

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        no_blink(self.app)

    async def burst(self, *keys: str) -> None:
        """Keys as a fast typist sends them: all queued at once, then handled (one press each costs a frame)."""
        for key in keys:
            event = events.Key(_key_name(key), key if len(key) == 1 else None)
            event.set_sender(self.app)
            self.app._driver.send_message(event)
        await self.pilot.pause()
        no_blink(self.app)

    def unchanged(self, screen, tab: str, what: str) -> bool:
        return self.check(
            self.app.screen is screen and not isinstance(self.app.screen, ModalScreen) and self.active() == tab,
            f"{what}: the screen, section, tab or dialogs changed (now {type(self.app.screen).__name__}"
            f" on {self.active() if self.app.screen is screen else '?'})",
        )

    async def tab_keys(self, pane: TabPane, full: bool) -> None:
        """(1) and (4) on the tab just opened; with `full`, (2) and (3) too."""
        screen, tab = self.screen, pane.id or ""
        want = expected_focus(screen, pane, 0 if full else 1)
        named = expected_selector(screen, pane, 0 if full else 1)
        self.check(want is not None, f"EXPECTED_FOCUS names no widget of this tab ({named!r})")
        self.check(self.app.focused is want, f"focus on {where(self.app)}, expected {named}")
        self.scan()
        if not full:
            return
        focused = self.app.focused
        if isinstance(focused, FieldInput):
            await self.one_line_box(screen, tab, focused)
        elif isinstance(focused, TextArea):
            await self.answer_box(screen, tab, focused)
            return
        elif isinstance(focused, ExercisePane):
            await self.editor(screen, tab, focused)
            return
        elif tab != "lesson":
            return  # a plain control: the walk's next ] is pressed from it; ? and [ were tried on the Lesson
        else:
            await self.help_opens(screen, tab, "question_mark")
        await self.press("left_square_bracket")
        self.check(self.active() != tab, f"[ from {where(self.app)} did not go to the previous tab")
        # Back with ] unless [ opened a tab whose keys go to a multi-line box: there ] is text.
        await self.press("ctrl+pagedown" if isinstance(self.app.focused, TextArea) else "right_square_bracket")
        self.check(self.active() == tab, "] did not come back")

    async def one_line_box(self, screen, tab: str, box: FieldInput) -> None:
        """Typed text stays in the box; ? opens the help from it; Esc puts the text back and leaves the box."""
        before = box.value
        await self.press(*SENTENCE)
        self.unchanged(screen, tab, "typing in a one-line box")
        self.check(SENTENCE in box.value, f"the sentence was not typed into the box: {box.value!r}")
        self.scan()
        await self.help_opens(screen, tab, "question_mark")
        await self.press("escape")
        self.unchanged(screen, tab, "Esc in a one-line box")
        self.check(box.value == before, f"Esc did not cancel the edit: {box.value!r}")
        self.check(not isinstance(self.app.focused, Input), f"Esc left the focus in a text box ({where(self.app)})")
        box.focus()  # so that [ below, and the walk's next ], are pressed in the box
        await self.pilot.pause()

    async def answer_box(self, screen, tab: str, box: TextArea) -> None:
        """Every printable key is text; F1 opens the help; Esc leaves the box, and ? then opens the help."""
        await self.press(*SENTENCE, *BRACKETS)
        self.unchanged(screen, tab, "typing in an answer box")
        self.check((SENTENCE + BRACKETS) in box.text, f"the sentence was not typed into the box: {box.text!r}")
        await self.help_opens(screen, tab, "f1")
        await self.press("escape")
        self.unchanged(screen, tab, "Esc in an answer box")
        self.check(self.app.focused is not box and self.app.focused is not None, "Esc did not leave the answer box")
        self.check(SENTENCE in box.text, "Esc dropped the answer")

    async def editor(self, screen, tab: str, pane: ExercisePane) -> None:
        """e opens the editor; every printable key, Tab, Shift+Tab and Enter are text; the key bar says how to
        leave; F1 opens the help; Esc leaves for the pane."""
        await self.press("e")
        area = self.app.focused
        if not self.check(isinstance(area, CodeArea), f"e did not open the editor (focus on {where(self.app)})"):
            return
        shown = self.screen.query_one(KeyBar).shown_text()
        self.check("esc" in shown and "leave editor" in shown, f"the key bar does not say Esc leaves: {shown!r}")
        row, column = area.cursor_location
        line = area.document[row]
        # A key no binding of the focus chain names cannot fire one: those go as a fast typist sends them. The
        # others, with Tab, Shift+Tab and Enter, one at a time, as a slow typist does: a key that moved the focus
        # would send the next ones elsewhere (in a burst they are already queued for the editor).
        bound = {key for node in area.ancestors_with_self for key in node._bindings.key_to_bindings}
        free = "".join(c for c in PRINTABLE if _key_name(c) not in bound)
        taken = "".join(c for c in PRINTABLE if _key_name(c) in bound).replace(" ", "") + " "
        await self.burst(*free.strip(" "))
        await self.press(*taken, "tab", "shift+tab", "enter")
        self.unchanged(screen, tab, "typing in the editor")
        self.check(self.app.focused is area, f"a key moved the focus out of the editor to {where(self.app)}")
        typed = [area.document[row].strip(" "), area.document[row + 1].strip(" ")]  # Shift+Tab dedented them
        want = [line[:column].strip(" ") + free.strip(" ") + taken.rstrip(" "), line[column:].strip(" ")]
        self.check(typed == want, f"not every key arrived as text: {typed!r}, not {want!r}")
        await self.help_opens(screen, tab, "f1")
        await self.press("escape")
        self.unchanged(screen, tab, "Esc in the editor")
        self.check(self.app.focused is pane, f"Esc did not leave the editor (focus on {where(self.app)})")

    async def help_opens(self, screen, tab: str, key: str) -> None:
        focused = self.app.focused
        await self.press(key)
        if not self.check(isinstance(self.app.screen, HelpScreen), f"{key} did not open the help"):
            return
        help_screen = self.app.screen
        keys = [k for k, _ in help_screen.keys if k]
        self.check(len(keys) == len(set(keys)), f"the help lists a key twice: {sorted(keys)}")
        text = "\n".join(screen_lines(self.app))
        for internal in ("Scroll", "Copy", "^q", "ctrl+q", "Select all", "Page Left"):
            self.check(internal not in text, f"the help lists Textual's own key {internal!r}")
        self.scan()
        await self.press("escape")
        self.check(self.app.screen is screen and self.active() == tab, "Esc did not close the help")
        self.check(self.app.focused is focused, f"closing the help moved the focus to {where(self.app)}")

    def scan(self) -> None:
        for cut in cuts(self.app, ALLOWED_CUTS):
            self.check(False, f"cut with …: {cut}")
        bar = self.app.screen.query(KeyBar)
        if bar and not isinstance(self.app.screen, ModalScreen):
            shown = bar.first().shown_text()
            for must in ("tab", "help"):
                self.check(must in shown, f"the key bar does not show how to {must}: {shown.strip()!r}")


@pytest.mark.parametrize("key", [s.key for s in SECTIONS])
async def test_every_tab_by_keyboard(key, monkeypatch):
    for name in ("VISUAL", "EDITOR"):  # e opens the app's own editor, whatever this machine has set
        monkeypatch.delenv(name, raising=False)
    app = make_app(section=key, player_speed=DEFAULT_SPEED)  # the keys act while a run plays, as a learner sees it
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        audit = Audit(app, pilot)
        screen = app.screen
        assert isinstance(screen, SectionScreen) and screen.section.key == key
        shown: list[str] = []  # the panes the tab hook was told of, since the last tab key
        hook = screen.on_tab_shown
        screen.on_tab_shown = lambda pane_id: (shown.append(pane_id), hook(pane_id))  # type: ignore[method-assign]
        for rule in rules_reaching_inside(screen):
            audit.check(False, f"a rule styles inside a widget that restyles only itself on focus: {rule}")
        await audit.lap(full=True, hook_calls=shown)  # the keys act the same at any size: 80x24 is where text is cut
        await pilot.resize_terminal(*LARGE)
        await settle(pilot, rounds=1)  # a chart redraws for its new size a moment later
        await audit.lap(full=False, hook_calls=shown)
        tabs = screen.query_one("#tabs", TabbedContent)
        audit.tab = "leaving"
        await audit.help_opens(screen, tabs.active, "question_mark")
        if isinstance(app.focused, (Input, TextArea)) or app.focused is None:
            app.screen.query_one(Tabs).focus()
        player = screen.player() if isinstance(screen, PlayerKeys) else None
        if screen.running or (player is not None and player.playing):
            await audit.press("escape")
            audit.check(app.screen is screen and not screen.running, "Esc did not stop the runs")
            audit.check(player is None or not player.playing, "Esc did not pause the play")
        await audit.press("escape")
        audit.check(isinstance(app.screen, HomeScreen), f"Esc did not go home ({type(app.screen).__name__})")
    assert not audit.problems, "\n".join(audit.problems)
