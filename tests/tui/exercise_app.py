"""The Exercise tab's test app: section screens without their demos, opened on the Exercise tab."""

from __future__ import annotations

from tui.app import OptCourseApp
from tui.config import AppConfig
from tui.screens.section import SectionScreen
from tui.sections import BY_KEY
from tui.widgets.code_editor import ExerciseEditor
from tui.widgets.exercise_pane import ExercisePane
from tui.widgets.impl_toggle import ImplementationToggle


class ExerciseScreen(SectionScreen):
    """The base section screen (no demos), recording the switch's messages."""

    def on_mount(self) -> None:
        super().on_mount()
        self.changes: list[ImplementationToggle.Changed] = []

    def on_implementation_toggle_changed(self, event: ImplementationToggle.Changed) -> None:
        self.changes.append(event)


class ExerciseApp(OptCourseApp):
    """Section screens without their demos: these tests do not depend on the demo screens."""

    def make_section_screen(self, key: str):
        return ExerciseScreen(BY_KEY[key], self.course)


def make_app(section: str | None = "search", **config) -> ExerciseApp:
    config.setdefault("device", "cpu")
    config.setdefault("device_label", "cpu (test)")
    config.setdefault("warm_up", False)
    config.setdefault("engine", "thread")
    app = ExerciseApp(AppConfig(section=section, **config))
    app.check_timeout = 10.0  # generous on a busy machine; the looping case is in tests/engine
    return app


async def open_exercise(app, pilot) -> ExercisePane:
    """The Exercise tab shown (a dialog may open over it at once)."""
    screen = app.screen
    await screen.show_pane("exercise")
    await pilot.pause()
    return screen.query_one(ExercisePane)


def status(pane: ExercisePane) -> str:
    return str(pane.query_one("#ex-status").render())


async def edit_here(app, pilot) -> tuple[ExercisePane, ExerciseEditor]:
    """The Exercise tab's in-app editor opened with e."""
    pane = await open_exercise(app, pilot)
    await pilot.press("e")
    await pilot.pause()
    return pane, pane.query_one(ExerciseEditor)
