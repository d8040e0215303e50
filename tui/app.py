"""The optcourse-tui application: navigation between sections, help, palette and the engine holder."""

from __future__ import annotations

import threading

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from engine.exercises.checker import TIME_LIMIT
from engine.visible import visible

from .config import AppConfig
from .course_app import CourseApp
from .garbage import COLLECT_EVERY_S, collect_when_due
from .key_order import KeysInOrder
from .progress import CourseProgress
from .runner import EngineRestarted, EngineRunner, LocalExecutor
from .screen_preload import prepare_screens
from .screens.help import HelpScreen, key_groups
from .screens.home import HomeScreen
from .sections import BY_KEY, SECTIONS, neighbour

PARSED_CSS_SOURCES = 1024  # more than every widget class of Textual and of this app with its own CSS


class OptCourseApp(KeysInOrder, CourseApp):
    """One screen per course section over a home screen with the table of contents.

    The learner's progress (`course`, a tui.progress.CourseProgress handed to every screen) is kept
    in their data folder; the app reopens at the section they opened last unless --section says
    otherwise. Every computation goes through `runner` (tui.runner.EngineRunner).
    """

    TITLE = "optcourse-tui"
    SUB_TITLE = "Optimization techniques"
    BINDINGS = [
        Binding("q", "quit", "quit"),
        Binding("question_mark", "help", "help", key_display="?"),
    ]

    def __init__(self, config: AppConfig | None = None):
        super().__init__()
        # Textual keeps the parsed rules of 64 CSS sources, and a source per widget class with DEFAULT_CSS is
        # added when the class is first mounted; past 64 (this app has ~150), each new one made Stylesheet.parse,
        # which reads the sources in order through that LRU cache, parse every source again: 0.15-0.3 s of
        # CPU at each tab or section with a widget class not shown before (the Bonus's Train tab, a first open).
        self.stylesheet._parse_cache.maxsize = PARSED_CSS_SOURCES
        self.config = config or AppConfig()
        self.runner = EngineRunner(self._executor(), self.config.device_label)
        self.check_timeout = TIME_LIMIT  # seconds an exercise check may run the learner's code
        self.course = CourseProgress(self, self.config.workspace)
        # Plain data a section screen keeps while the app runs (its screen is rebuilt on each visit),
        # by section key: e.g. the Bonus's settings and last run (tui.widgets.bonus.live.BonusMemory).
        self.memory: dict[str, object] = {}
        self.preload: threading.Thread | None = None  # tui.screen_preload's, once started: done when it ends

    def _executor(self):
        settings = self.config.engine_settings()
        if self.config.engine == "thread":
            return LocalExecutor(settings)
        from .engine_process import ProcessExecutor

        restarted = lambda reason: self._from_any_thread(self._engine_restarted, reason)
        return ProcessExecutor(settings, on_restart=restarted)

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None, markup=True) -> None:
        """Every notice as plain text with its control characters visible: many quote an engine's or the
        learner's message, where "[/]" would be bad markup and "\\x1b[2J" would clear the terminal."""
        super().notify(visible(str(message)), title=visible(title), severity=severity, timeout=timeout, markup=False)

    def _from_any_thread(self, fn, *args) -> None:
        if threading.get_ident() == self._ui_thread:
            fn(*args)
        else:
            self.call_from_thread(fn, *args)

    def _engine_restarted(self, reason: str) -> None:
        self.notify(reason[:1].upper() + reason[1:] + ".", title="Engine", severity="warning", timeout=8)
        for kept in self.memory.values():  # what the old engine held for a screen (the Bonus's model) is gone
            if callable(forget := getattr(kept, "engine_restarted", None)):
                forget()
        for screen in self.screen_stack:
            screen.post_message(EngineRestarted())

    # -- start-up ---------------------------------------------------------------------
    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        self.set_interval(COLLECT_EVERY_S, collect_when_due, name="collect garbage")
        self.sub_title = self._device_line(self.config.device_label or "starting the engine…")
        self.push_screen(HomeScreen(self.course))
        if self.config.section:
            self.open_section(self.config.section)
        elif start := self.course.start_section(None):
            try:  # where the learner left off; a screen that cannot open now must not stop the app
                self.open_section(start)
            except Exception as exc:  # noqa: BLE001  (see above)
                self.notify(f"Could not reopen {self.course.last_section}: {exc}", severity="warning")
        self.course.show_notices()
        if self.config.warm_up:
            # Import torch and load MNIST off the UI while the learner reads the first screen.
            self.runner.warm_up(lambda label, error: self._from_any_thread(self._engine_ready, label, error))
            # And every section's screen, once the first screen is drawn: no first open pays for it.
            self.call_after_refresh(self._prepare_screens)

    def _prepare_screens(self) -> None:
        self.preload = prepare_screens(self)

    def _engine_ready(self, label: str | None, error: str | None) -> None:
        if error:  # shown now; the screens show it again when they try to run
            self.notify(error, title="Engine not ready", severity="error", timeout=30)
        if not self.config.device_label:
            self.sub_title = self._device_line(label or "engine not ready (see message)")

    def on_unmount(self) -> None:
        self.runner.shutdown()
        self.course.close()

    @staticmethod
    def _device_line(label: str) -> str:
        return f"device {label}"

    # -- navigation ---------------------------------------------------------------------
    def make_section_screen(self, key: str) -> Screen:
        section = BY_KEY[key]
        return section.screen_class()(section, self.course)

    def open_section(self, key: str) -> None:
        """Show a section above the home screen (replacing any other section)."""
        screen = self.make_section_screen(key)
        if isinstance(self.screen, HomeScreen):
            self.push_screen(screen)
        else:
            self.switch_screen(screen)

    def open_neighbour(self, key: str, offset: int) -> None:
        target = neighbour(key, offset)
        if target.key != key:
            self.open_section(target.key)

    def go_home(self) -> None:
        while len(self.screen_stack) > 2:  # the default screen and the home screen stay
            self.pop_screen()

    def action_go_home(self) -> None:
        self.go_home()

    def keep_unsaved(self) -> None:
        """Write what the learner has not saved yet: the editors' edits to their recovery files, the answers
        still waiting for their typing pause. Called from a signal handler (tui.signals): files only."""
        from .widgets.code_editor import ExerciseEditor
        from .widgets.lesson import QuestionCard

        for screen in self.screen_stack:
            for editor in screen.query(ExerciseEditor):
                editor.keep_edits()
            if not self.course.store.writing:  # interrupted mid-write: that write finishes after the handler
                for card in screen.query(QuestionCard):
                    card.save_if_pending()

    async def action_quit(self) -> None:
        from .quitting import quit_or_ask

        quit_or_ask(self)  # asks first when an exercise editor has unsaved edits

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        where = self.screen.title or "home" if not isinstance(self.screen, HomeScreen) else "home"
        self.push_screen(HelpScreen(key_groups(self.screen), where))

    def action_command_palette(self) -> None:
        from .dialogs.palette import CommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(id="--command-palette"))  # as Textual's App does, guarded

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        for s in SECTIONS:
            yield SystemCommand(f"Go to {s.label}", s.purpose, lambda key=s.key: self.open_section(key))
        yield SystemCommand("Home", "The table of contents", self.go_home)
