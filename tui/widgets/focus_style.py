"""Focus that restyles only the widget focused (or holding the focus), for containers whose focused look is their own.

Textual restyles a widget's whole subtree whenever it gains or loses focus, in case a rule such as
`Parent:focus Child` applies (Widget.watch_has_focus). A lesson holds ~100 Markdown blocks, so every
Tab into or out of it cost 30-90 ms of CSS matching for nothing. The containers below style only
themselves when focused (a border, a tint, a scrollbar); `:focus-within` is handled separately by
the screen and still works. tests/tui/test_focus_style.py fails if a rule ever selects a descendant
of one of them while it is focused.

`:focus-within` likewise: for each focus moved, Textual restyles the whole subtree of the outermost
ancestor with a `:focus-within` rule (Screen._update_focus_styles). The Bonus settings column has one
for its border and holds ~70 nodes: showing the Train tab, and every arrow key between two of its
settings, restyled them all (40-80 ms of CPU). FocusWithinStylesSelf restyles such a container alone.
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


class FocusWithinStylesSelf:
    """Put before the Textual container class: when the focus moves into, inside or out of it, restyle this
    widget alone (its `:focus-within` rules may style only itself; tests/tui/focus_rules.py checks).

    Textual remembers at each styling whether any `:focus-within` rule could apply to a node; this
    container answers no, so the screen restyles the widgets inside it that have such rules (a stepper
    and its parts), and the container restyles itself when told a descendant gained or lost the focus.
    """

    @property
    def _has_focus_within(self) -> bool:
        return False

    @_has_focus_within.setter
    def _has_focus_within(self, _value: bool) -> None:
        pass  # Stylesheet.apply sets it for each styling

    def _on_descendant_focus(self, _event) -> None:
        self._restyle_self()

    def _on_descendant_blur(self, _event) -> None:
        self._restyle_self()

    def _restyle_self(self) -> None:
        widget: Any = self
        if widget.is_attached:
            widget.app.stylesheet.update_nodes([widget], animate=True)
