"""The base of every section screen: lesson, demo tabs, questions, and engine runs with cancel."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from textual import getters
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, TabbedContent, TabPane, Tabs, TextArea

from engine.contracts.base import Job, Range

from ..course_app import CourseApp
from ..lessons import exercises, questions
from ..progress import CourseProgress
from ..runner import EngineEvents
from ..sections import Section
from ..widgets.code_area import CodeArea
from ..widgets.exercise_pane import ExercisePane
from ..widgets.field_input import FieldInput
from ..widgets.header import CourseHeader
from ..widgets.impl_toggle import ImplementationToggle
from ..widgets.key_bar import HELP_HINT, KeyBar, KeyHint
from ..widgets.lesson import LessonView, QuestionCard, QuestionsView
from ..widgets.section_tabs import SectionTabs
from .passes import NoFirstRestyle, NoRelayoutAtSameSize

F1_HINT = KeyHint("F1", "help", "f1")  # help from a multi-line box, where ? is text
# A run that answers within this many seconds goes from the old picture to the new one in one frame: what
# says it is running (the key bar's "esc stop", a screen's status) waits that long (issue 23).
QUIET_S = 0.1


class SectionScreen(NoFirstRestyle, NoRelayoutAtSameSize, Screen):
    """Tabs: Lesson, then the section's demos (subclasses), its coding exercise if any, then Questions.

    Subclasses add demo panes in `compose_demos`, start engine work with `start_run(job, group)`
    and draw it in `handle_events(group, events)`; Escape stops every run of the screen
    (and a running exercise check). `i` flips the ImplementationToggle of the shown pane.
    This class owns the tab switch: subclasses implement `on_tab_shown` (every time a pane is
    shown) and `on_pane_first_shown` (the first time), never the Textual handler itself.

    A pane's widgets are mounted when it is first shown (tui.widgets.section_tabs.SectionTabs):
    opening a section mounts only its Lesson. Code that can run before a pane was shown (a resize,
    a key of another tab, a run's events) asks `built(pane_id)` first; a pane that cannot work
    without another's controls names it in BUILT_WITH.

    The focus model (the one place it is decided; tests/tui/test_keyboard_audit.py checks every tab):
    - Showing a tab puts the keys where the learner uses them first (`focus_target`): the control
      that FOCUS names for the pane, else the Lesson's scrollable text (PageDown and the arrows
      scroll at once), the first unanswered question's answer box, the Exercise pane (e, c, s),
      or the pane's first control.
    - `]`, `[`, `?` and Esc act from every widget, the one-line text boxes (FieldInput) included:
      what those boxes hold (sizes, lists of numbers, seeds) never needs brackets or `?`.
    - In a multi-line box (an answer, the exercise editor) every printable key is text; there
      ctrl+PageDown / ctrl+PageUp change tab, F1 opens the help, and Esc leaves the box.
    - Esc in a text box first cancels the edit and leaves the box (a one-line box gets back the
      text it had when the learner entered it or last pressed Enter; an answer is kept, it is
      saved as typed); the next Esc stops the runs, or goes home when nothing runs.
    """

    if TYPE_CHECKING:  # self.app is the course's app (its contract: tui.course_app)
        app = getters.app(CourseApp)

    BINDINGS = [
        Binding("escape", "escape", "stop/back"),
        Binding("n", "neighbour(1)", "next section"),
        Binding("p", "neighbour(-1)", "prev section"),
        Binding("h", "app.go_home", "home"),
        Binding("left_square_bracket", "tab(-1)", "prev tab", key_display="["),
        Binding("right_square_bracket", "tab(1)", "next tab", key_display="]"),
        # Priority: a scroll container around an answer box binds these to sideways paging.
        Binding("ctrl+pageup", "tab(-1)", "prev tab", key_display="ctrl+pgup", show=False, priority=True),
        Binding("ctrl+pagedown", "tab(1)", "next tab", key_display="ctrl+pgdn", show=False, priority=True),
        Binding("f1", "app.help", "help", key_display="F1", show=False, priority=True),
        Binding("i", "toggle_implementation", "the reference or yours"),
        Binding("u", "links", "videos & links (QR codes)", show=False),  # on the Lesson tab's first line
    ]
    # DEFAULT_CSS, not a CSS_PATH file: Textual merges DEFAULT_CSS along the class hierarchy, so every
    # section screen gets this, while a subclass's own CSS_PATH would replace a base's.
    DEFAULT_CSS = """
    SectionScreen {
        TabbedContent { height: 1fr; }
        TabPane { padding: 0; height: 1fr; }
    }
    """
    AUTO_FOCUS = ""  # the focus model below decides (Textual's default would pick the tab bar)
    question_card = QuestionCard
    FOCUS: dict[str, str] = {}  # pane id -> selector of the control that takes the keys when it is shown
    BUILT_WITH: dict[str, tuple[str, ...]] = {}  # pane id -> panes whose widgets it reads or draws into

    # Whether any run of this screen is in flight (the key bar says whether Esc stops or goes back).
    # A var, not a reactive: a reactive repaints its owner, and for a screen that is every cell of it
    # (a full-screen render twice per Section 4 key, as each run starts and ends).
    running: var[bool] = var(False)
    _running_timer: Timer | None = None  # shows that a run is in flight, once it has run QUIET_S
    _running_said = False  # whether the key bar says so (Esc stops a run before it does, too)

    def watch_running(self, running: bool) -> None:
        # A run that ends within QUIET_S (a Section 4 key's) never shows "esc stop": no frame is spent on
        # it; the key bar repaints only when its hints change.
        if self._running_timer is not None:
            self._running_timer.stop()
            self._running_timer = None
        self._running_said = False
        if running:
            self._running_timer = self.set_timer(QUIET_S, self._running_for_a_while)
        else:
            self.refresh_bindings()

    def _running_for_a_while(self) -> None:
        self._running_timer = None
        self._running_said = self.running  # (a timer stopped as it fired still calls back)
        self.refresh_bindings()

    def __init__(self, section: Section, course: CourseProgress):
        super().__init__(name=section.key)
        self.section = section
        self.course = course
        course.refresh()  # what other windows wrote since: the answers and choices composed below show it
        self._panes_shown: set[str] = set()
        self._showing = ""  # the pane whose showing was handled last (see _shown)
        self._toggles: dict[str, ImplementationToggle] = {}  # a mounted pane -> its toggle (_shown_toggle)

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield CourseHeader()
        with SectionTabs(id="tabs"):
            with TabPane("Lesson", id="lesson"):
                yield LessonView(self.section.key)
            yield from self.compose_demos()
            for ex in exercises(self.section.key):
                with TabPane("Exercise", id="exercise"):
                    yield ExercisePane(ex["id"], self.course)
            with TabPane("Questions", id="questions"):
                yield QuestionsView(questions(self.section.key), self.course, card=self.question_card)
        yield KeyBar(self.essential_keys)

    def compose_demos(self) -> ComposeResult:
        """Yield TabPane(s) holding the section's live demos (none by default)."""
        return
        yield

    def on_mount(self) -> None:
        self.title = self.section.label
        self.course.section_opened(self.section.key)

    def on_unmount(self) -> None:
        self.app.runner.cancel(self)  # leaving the screen: nothing of it keeps computing

    # -- tabs and focus -----------------------------------------------------------------
    def built(self, pane_id: str) -> bool:
        """Whether the pane's widgets are mounted (it was shown, or built with one that was)."""
        try:
            return self.query_one("#tabs", SectionTabs).is_built(pane_id)
        except NoMatches:  # not composed yet
            return False

    def has(self, *kinds: type) -> bool:
        """Whether any tab of the screen has a widget of one of these types, built yet or not (the help lists
        the keys of the whole section, whichever tabs were shown)."""
        if any(self.query(kind) for kind in kinds):
            return True
        try:
            return self.query_one("#tabs", SectionTabs).holds(kinds)
        except NoMatches:  # not composed yet
            return False

    def _with_needs(self, pane_id: str) -> tuple[str, ...]:
        return (*self.BUILT_WITH.get(pane_id, ()), pane_id)

    async def build_pane(self, pane_id: str) -> None:
        """Mount the pane's widgets (and those of the panes it is built with) if not yet; returns once mounted."""
        tabs = self.query_one("#tabs", SectionTabs)
        for pid in self._with_needs(pane_id):
            if not tabs.is_built(pid):
                with self.app.batch_update():  # one frame, with the pane whole
                    await tabs.build(pid)
            else:
                await tabs.build(pid)  # one still mounting

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A tab shown some other way than show_pane (the tab bar's arrows, a click, a focus moved into it)."""
        pane_id = event.pane.id or ""
        tabs = self.query_one("#tabs", SectionTabs)
        if not all(tabs.is_ready(pid) for pid in self._with_needs(pane_id)):  # else no await: nothing comes between
            await self.build_pane(pane_id)
        if tabs.active == pane_id:  # else another tab was asked for meanwhile: its own activation does the rest
            self._shown(event.pane)

    def _shown(self, pane: TabPane) -> None:
        """Once per showing of a built pane: focus (the focus model), then the screen's own work for it."""
        if self._showing == pane.id:
            return  # show_pane did it already; this is its TabActivated arriving
        pane_id = self._showing = pane.id or ""
        self.set_focus(self.focus_target(pane))
        if pane_id == "exercise":
            self.query_one(ExercisePane).activate()
        elif pane_id == "questions" and pane_id in self._panes_shown:
            self.course.refresh()  # shown again: answers written in another window meanwhile appear
            for card in pane.query(QuestionCard):
                card.show_stored_answer()
        self.on_tab_shown(pane_id)
        if pane_id not in self._panes_shown:
            self._panes_shown.add(pane_id)
            self.on_pane_first_shown(pane_id)
        self.refresh_bindings()  # the key bar lists the keys of the pane now shown

    def focus_target(self, pane: TabPane) -> Widget | None:
        """Where the keys go when `pane` is shown (the focus model of the class docstring)."""
        selector = self.FOCUS.get(pane.id or "")
        found = pane.query(selector) if selector else ()
        candidates: list[Widget] = list(found)
        if pane.id == "lesson":
            candidates += list(pane.query(LessonView))
        elif pane.id == "questions":
            candidates += [view.answer_to_focus() for view in pane.query(QuestionsView)]
        elif pane.id == "exercise":
            candidates += list(pane.query(ExercisePane))
        candidates += [w for w in pane.query("*") if w.focusable]
        return next((w for w in candidates if self._can_focus_now(w, pane)), None)

    @staticmethod
    def _can_focus_now(widget: Widget, pane: TabPane) -> bool:
        """Focusable and shown (display is not part of Textual's `focusable`)."""
        if not widget.focusable or not widget.display:
            return False
        return all(node.display for node in widget.ancestors if isinstance(node, Widget) and pane in node.ancestors)

    def on_field_input_left(self, message: FieldInput.Left) -> None:
        """Esc cancelled an edit: the keys go to the box's nearest focusable container, else the tab bar."""
        field = message.field
        holder = next((a for a in field.ancestors if isinstance(a, Widget) and a.focusable and a is not self), None)
        if holder is None:
            holder = self.query_one("#tabs", TabbedContent).query_one(Tabs)
        holder.focus()

    def on_tab_shown(self, pane_id: str) -> None:
        """Called every time a pane is shown (subclasses: refresh what the pane shows)."""

    def on_pane_first_shown(self, pane_id: str) -> None:
        """Called once per pane the first time it is shown: a good moment for a first run."""

    def show_pane(self, pane_id: str) -> AwaitComplete:
        """Show a pane, built first so that its first frame is whole; awaited, it returns with the pane
        shown, focused and its first-shown work started. A pane already built is shown at once."""
        tabs = self.query_one("#tabs", SectionTabs)

        def show_now() -> None:
            tabs.active = pane_id
            # Focused and set up now, not when TabActivated arrives: a key pressed next finds the new tab.
            self._shown(tabs.get_pane(pane_id))

        if all(tabs.is_ready(pid) for pid in self._with_needs(pane_id)):
            show_now()
            return AwaitComplete.nothing()

        async def show() -> None:
            await self.build_pane(pane_id)
            show_now()

        return AwaitComplete(show())

    async def action_tab(self, offset: int) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        ids = [p.id for p in tabs.query(TabPane) if p.parent is not None and p.id]
        ids = [i for i in ids if tabs.get_pane(i) is not None]
        if tabs.active in ids:
            await self.show_pane(ids[(ids.index(tabs.active) + offset) % len(ids)])

    def essential_keys(self) -> list[KeyHint]:
        """The keys the key bar always shows on the right: to change tab, get help and leave."""
        focused = self.focused
        if isinstance(focused, TextArea):  # every printable key is text here
            leave = "leave editor" if isinstance(focused, CodeArea) else "leave box"
            return [KeyHint("esc", leave, "escape"), KeyHint("^pgdn", "tab", "ctrl+pagedown"), F1_HINT]
        if isinstance(focused, Input):
            return [KeyHint("esc", "cancel", "escape"), KeyHint("]", "tab", "right_square_bracket"), HELP_HINT]
        busy = self._running_said or self._checking_exercise() is not None
        return [
            KeyHint("[ ]", "tab", "right_square_bracket"),
            HELP_HINT,
            KeyHint("esc", "stop" if busy else "home", "escape"),
            KeyHint("q", "quit", "q"),
        ]

    # -- engine runs --------------------------------------------------------------------
    def start_run(self, job: Job, group: str = "demo") -> int:
        """Run `job` in the engine, replacing (cancelling) the group's previous run."""
        run = self.app.runner.start(self, job, group)
        self.running = True
        return run.id

    def busy(self, group: str | None = None) -> bool:
        groups = self.app.runner.groups(self)
        return (group in groups) if group else bool(groups)

    def on_engine_events(self, message: EngineEvents) -> None:
        if not self.app.runner.take(message):
            return  # a batch from a run that was replaced or cancelled
        if message.final:
            self.running = self.busy()
        self.handle_events(message.group, message.events)

    def handle_events(self, group: str, events: list) -> None:
        """Draw a batch of engine events (subclasses)."""

    def request_stop(self, group: str) -> bool:
        """Ask the group's run to finish politely (it still reports what it did); False if none runs."""
        return self.app.runner.request_stop(self, group)

    def skip_rest(self, group: str) -> bool:
        """Ask the group's stopping run to leave out its last part (the Bonus's evaluation); False if none runs."""
        return self.app.runner.skip(self, group)

    def cancel_runs(self, group: str | None = None) -> None:
        """Stop one group's run (or all) now; none of their later events are drawn."""
        for g in self.app.runner.cancel(self, group):
            self.on_cancelled(g)
        self.running = self.busy()

    def on_cancelled(self, group: str) -> None:
        """Show that a run was stopped (subclasses)."""

    # -- navigation ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "toggle_implementation":
            return self._shown_toggle() is not None  # listed in the Footer only where a demo has one
        return True

    def _shown_toggle(self) -> ImplementationToggle | None:
        """The ImplementationToggle in the pane on show, if any (the key bar asks at each of its checks: a demo
        pane is searched once, not each time)."""
        try:
            tabs = self.query_one("#tabs", SectionTabs)
            active = tabs.active
            if active in self._toggles:
                return self._toggles[active]
            found = tabs.get_pane(active).query(ImplementationToggle)
        except (NoMatches, ValueError):  # not composed yet, or no pane active (get_pane(""))
            return None
        toggle = found.first() if found else None
        if toggle is not None and tabs.is_ready(active):  # a pane's toggle stays (one may be mounted later)
            self._toggles[active] = toggle
        return toggle

    def binding_label(self, binding: Binding) -> str | None:
        """The key bar's words for a binding whose meaning changes: i says what the shown demo runs now."""
        if binding.action == "toggle_implementation":
            toggle = self._shown_toggle()
            return toggle.key_label() if toggle is not None else None
        return None

    def action_toggle_implementation(self) -> None:
        toggle = self._shown_toggle()
        if toggle is not None:
            toggle.toggle()

    def _checking_exercise(self) -> ExercisePane | None:
        """The Exercise tab's pane while its check runs (a child of its tab: no search of the whole screen,
        which the key bar's every redraw would pay for)."""
        try:
            panes = self.query_one("#tabs", SectionTabs).get_pane("exercise").query_children(ExercisePane)
        except NoMatches:  # not composed yet, or a section without an exercise
            return None
        return panes.first() if panes and panes.first().checking else None

    def action_escape(self) -> None:
        checking = self._checking_exercise()
        if checking is not None:
            checking.cancel_check()
            return
        if self.running:
            self.cancel_runs()
            self.notify("Stopped.", timeout=2)
        else:
            self.app.go_home()

    def action_links(self) -> None:
        from ..course_links import links_for
        from .links_dialog import LinksDialog

        self.app.push_screen(LinksDialog(links_for(self.section.key), self.section.label))

    def action_neighbour(self, offset: int) -> None:
        self.app.open_neighbour(self.section.key, offset)


def new_seed(current: int, seeds: Range) -> int:
    """A run seed drawn at random from the setting's range, never the one shown (a key asked for another)."""
    low, high = int(seeds.minimum), int(seeds.maximum)
    seed = current
    while seed == current:
        seed = random.randint(low, high)
    return seed
