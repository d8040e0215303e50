"""What screens and widgets may ask of the app beyond Textual's App: the typed base OptCourseApp implements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

if TYPE_CHECKING:
    from .config import AppConfig
    from .progress import CourseProgress
    from .runner import EngineRunner


class CourseApp(App[None]):
    """The app as its screens and widgets see it (`app = getters.app(CourseApp)` types their `self.app`).

    Screens are built before the app's own module is imported by them, and never import it: this
    base, below the screens, is the whole contract between them.
    """

    config: AppConfig
    runner: EngineRunner  # every engine computation goes through it
    course: CourseProgress  # the learner's progress, saved in their data folder
    memory: dict[str, object]  # by section key: what a section screen keeps between visits
    check_timeout: float  # seconds an exercise check may run the learner's code

    def open_section(self, key: str) -> None:
        """Show a section above the home screen (replacing any other section)."""
        raise NotImplementedError

    def open_neighbour(self, key: str, offset: int) -> None:
        """Open the section `offset` places after `key`, if there is one."""
        raise NotImplementedError

    def go_home(self) -> None:
        """Back to the table of contents."""
        raise NotImplementedError
