"""Screen mixins that skip two of Textual's passes redoing what was just done: a restyle and a relayout.

Plain mixins, put before Screen: a Screen base would reset what the class after it sets.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.geometry import Size


class NoFirstRestyle:
    """The first ScreenResume restyles no node.

    Textual restyles every node of a screen each time it is resumed, the first time too, just after
    mounting styled each one (a Lesson's ~100 Markdown blocks: 15-20% of a section's open). Later
    resumes restyle as Textual does.
    """

    _resumed_once = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed_once:
            self._resumed_once = True
            event.refresh_styles = False  # Screen._on_screen_resume, called next, reads it


class NoRelayoutAtSameSize:
    """A screen is not laid out again at the size it was laid out at last.

    A screen's first layout sends the screen a Resize to that size, on which Textual laid it out
    again, and every screen below it: 2 of the 4 layouts of a section's open. A terminal resized
    lays every screen out as before.
    """

    def _screen_resized(self, size: Size) -> None:
        screen: Any = self
        if size == screen._compositor.size:
            return
        super()._screen_resized(size)  # type: ignore[misc]
