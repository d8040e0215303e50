"""The home screen: the table of contents with time estimates, purposes and the learner's marks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..course_app import CourseApp
from ..progress import CourseProgress
from ..sections import SECTIONS
from ..widgets.header import CourseHeader
from ..widgets.key_bar import HELP_HINT, KeyBar, KeyHint
from .passes import NoRelayoutAtSameSize


class HomeScreen(NoRelayoutAtSameSize, Screen):
    """Arrows and Enter open a section; digits, S and B jump straight to one."""

    if TYPE_CHECKING:  # self.app is the course's app (its contract: tui.course_app)
        app = getters.app(CourseApp)

    BINDINGS = [
        Binding("enter", "open", "open", show=False),
        Binding("n", "move(1)", "next"),
        Binding("p", "move(-1)", "previous"),
        # Both cases for the letters: the text says "S summary, B bonus", and Shift is easy to hold.
        *[
            Binding(",".join(sorted({s.number.lower(), s.number.upper()})), f"jump('{s.key}')", s.label, show=False)
            for s in SECTIONS
        ],
    ]
    CSS_PATH = "home.tcss"

    def __init__(self, course: CourseProgress) -> None:
        super().__init__()
        self.course = course

    def compose(self) -> ComposeResult:
        yield CourseHeader()
        with Vertical():
            yield Static(
                "Optimization techniques — Neuromatch Academy Deep Learning, W1D5, run live.\n"
                "Pick a section with ↑/↓ and Enter, or press its number (S summary, B bonus).",
                id="intro",
            )
            yield OptionList(*self._options(), id="toc")
            yield Static("", id="progress")
        yield KeyBar(lambda: [KeyHint("enter", "open", "enter"), HELP_HINT, KeyHint("q", "quit", "q")])

    def _options(self) -> list[Option]:
        return [Option(self._line(s), id=s.key) for s in SECTIONS]

    def _line(self, s) -> str:
        marks = self.course.section_marks(s.key)
        minutes = f"~{s.minutes} min" if s.minutes else ""
        return f"[b]{s.label}[/b]  [dim]{minutes}[/dim]  {marks}\n   [i]{s.purpose}[/i]"

    def on_screen_resume(self) -> None:
        self.course.refresh()  # what other windows did meanwhile counts too
        self.refresh_marks()

    def refresh_marks(self) -> None:
        """Redraw the per-section marks and the overall progress line."""
        toc = self.query_one("#toc", OptionList)
        for s in SECTIONS:
            toc.replace_option_prompt(s.key, self._line(s))
        keys = [s.key for s in SECTIONS]
        last = self.course.last_section
        if last in keys and last != getattr(self, "_last_shown", None):
            toc.highlighted = keys.index(last)  # back home from a section: highlight the one just left
            self._last_shown = last
        elif toc.highlighted is None:
            toc.highlighted = 0
        self.query_one("#progress", Static).update(self.course.summary())
        toc.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:  # every entry's id is its section's key
            self.app.open_section(event.option.id)

    def action_open(self) -> None:
        toc = self.query_one("#toc", OptionList)
        if toc.highlighted is not None:
            self.app.open_section(SECTIONS[toc.highlighted].key)

    def action_move(self, offset: int) -> None:
        toc = self.query_one("#toc", OptionList)
        current = toc.highlighted or 0
        toc.highlighted = max(0, min(len(SECTIONS) - 1, current + offset))

    def action_jump(self, key: str) -> None:
        self.app.open_section(key)
