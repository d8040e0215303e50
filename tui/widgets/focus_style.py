"""Focus that restyles only the widget focused, for containers whose focused look is their own.

Textual restyles a widget's whole subtree whenever it gains or loses focus, in case a rule such as
`Parent:focus Child` applies (Widget.watch_has_focus). A lesson holds ~100 Markdown blocks, so every
Tab into or out of it cost 30-90 ms of CSS matching for nothing. The containers below style only
themselves when focused (a border, a tint, a scrollbar); `:focus-within` is handled separately by
the screen and still works. tests/tui/test_focus_style.py fails if a rule ever selects a descendant
of one of them while it is focused.
"""

from __future__ import annotations

from typing import Any


class FocusStylesSelf:
    """Put before the Textual container class: on focus and blur, restyle this widget alone.

    A plain mixin, not a Widget subclass: a Widget base would reset class settings such as
    can_focus that the container class after it provides.
    """

    def watch_has_focus(self, _has_focus: bool) -> None:
        widget: Any = self
        if widget.is_attached:
            widget.app.stylesheet.update_nodes([widget], animate=True)
