"""Textual's command palette (ctrl+p), with guards for keys that reach it between its own steps."""

from __future__ import annotations

from textual import command, on
from textual.widgets import Input, OptionList

from .once import DismissedOnce


class CommandPalette(DismissedOnce, command.CommandPalette):
    """The palette the app opens: Textual's, but for the guards below (Textual 8.2.8).

    Keys typed fast reach the palette while it is filling its list or closing: Textual's own
    code raised there and ended the app (tests/tui/test_key_storm.py replays each case).
    """

    @on(Input.Submitted)
    @on(OptionList.OptionSelected)
    def _only_while_open(self, event: Input.Submitted | OptionList.OptionSelected) -> None:
        # A second Enter (or click) queued behind the one that chose a command: Textual's handlers would
        # run the command again and dismiss again, popping the screen below. Handled here first, it stops.
        if not self.is_active:
            event.stop()
            event.prevent_default()

    def _action_command_list(self, action: str) -> None:
        lists = self.query(command.CommandList)
        if not lists:
            return  # the palette is closing: its list is already gone (NoMatches in Textual)
        options = lists.first()
        if action in ("page_up", "page_down") and not options.scrollable_content_region:
            # The list was filled but not laid out yet (PageDown right after ctrl+p): OptionList._move_page
            # reads the line map that layout builds and raised KeyError. First/last is where a page
            # moves to in a list that fits, and needs no layout.
            action = "first" if action == "page_up" else "last"
        super()._action_command_list(action)

    def _watch__list_visible(self) -> None:
        if not self.query(command.CommandList):
            return  # closing: its search finished after the list went (NoMatches in Textual's watcher, in a worker)
        super()._watch__list_visible()
