"""The exercise editor's text: a Python TextArea where every key is text, Tab indents, Enter keeps the indentation.

Keys, while it has the focus (tests/tui/test_code_area.py, and the keyboard audit):
- every printable key, Enter, Tab and Shift+Tab are the editor's: no binding of the app or
  the screen sees them (Shift+Tab would otherwise move the focus away, and the next `p`
  would change section); on a file that cannot be edited they are refused with a word;
- Tab indents the selected lines (or inserts spaces to the next tab stop), Shift+Tab
  dedents the line or the selected lines by one level;
- Enter keeps the line's indentation, one level more after a line ending in `:`;
- Backspace in a line's leading spaces removes one level;
- a paste (or key) that would make the text larger than `max_bytes` is refused whole, with a word;
- ctrl+s asks to save (on a file that cannot be edited it is dimmed, and refused with a word), Esc leaves the editor.
"""

from __future__ import annotations

import functools
import threading

from textual import events
from textual._tree_sitter import TREE_SITTER, get_language
from textual.binding import Binding
from textual.document._document_navigator import DocumentNavigator
from textual.document._syntax_aware_document import SyntaxAwareDocument
from textual.document._wrapped_document import WrappedDocument
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location, Selection

OWN_KEYS = ("tab", "shift+tab", "enter", "backspace", "delete")  # besides every printable key
_COMPILING = threading.Lock()  # the preload thread and the UI may ask at once: one compiles, the other waits


def python_highlighting():
    """tree-sitter's Python and Textual's highlight query for it, compiled once per process (None without
    tree-sitter). Textual compiles the query for every document it makes, ~25 ms each, and an editor makes
    two when it first loads a file (its empty one, then the file's): tui.screen_preload compiles it early."""
    with _COMPILING:
        return _compiled_python()


@functools.cache
def _compiled_python():
    language = get_language("python") if TREE_SITTER else None
    if language is None:
        return None
    query = TextArea._get_builtin_highlight_query("python")
    return language, SyntaxAwareDocument("", language).prepare_query(query)


class CodeArea(TextArea):
    """A code TextArea made for writing Python (see the module docstring for its keys)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "save"),
        Binding("escape", "leave", "leave editor", key_display="Esc"),
    ]

    class Leave(Message):
        """Esc in the editor: the pane around it takes the focus back."""

    class SaveRequested(Message):
        """ctrl+s in the editor: the pane runs the save (and any dialog it needs)."""

    class Refused(Message):
        """A key that would change the text of a file that cannot be edited here."""

    class Inserted(Message):
        """Text of more than one character went in (a paste), or text was refused: with it the file would have
        been `size` bytes, more than `max_bytes`."""

        def __init__(self, size: int, refused: bool) -> None:
            super().__init__()
            self.size, self.refused = size, refused

    max_bytes = 0  # 0: no bound; the exercise editor sets the largest file it edits

    def _set_document(self, text: str, language: str | None) -> None:
        shared = python_highlighting() if language == "python" and "python" not in self._languages else None
        if shared is None:
            super()._set_document(text, language)
            return
        # TextArea._set_document's Python branch and its tail (Textual 8.2), with the query compiled once.
        python, self._highlight_query = shared
        document = SyntaxAwareDocument(text, python)
        self.document = document
        self.wrapped_document = WrappedDocument(document, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._build_highlight_map()
        self.move_cursor((0, 0))
        self._rewrap_and_refresh_virtual_size()

    def _replace_via_keyboard(self, insert: str, start: Location, end: Location) -> EditResult | None:
        # Every typed or pasted text comes through here (a key, a bracketed paste, ctrl+v).
        if not self.max_bytes or self.read_only:
            return super()._replace_via_keyboard(insert, start, end)
        size = len(self.text.encode()) + len(insert.encode()) - len(self.get_text_range(start, end).encode())
        if size > self.max_bytes:  # a megabyte pasted made each later key take seconds
            self.app.bell()
            self.post_message(self.Inserted(size, refused=True))
            return None
        result = super()._replace_via_keyboard(insert, start, end)
        if len(insert) > 1:
            self.post_message(self.Inserted(size, refused=False))
        return result

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "escape":  # TextArea would move the focus on; here Esc means "leave the editor"
            self._claim(event)
            self.post_message(self.Leave())
            return
        if self.read_only and (event.is_printable or key in OWN_KEYS or key == "ctrl+s"):
            self._claim(event)  # never a shortcut: the learner meant to type (or save what cannot be)
            self.post_message(self.Refused())
            return
        if not (event.is_printable or key in OWN_KEYS):
            await super()._on_key(event)
            return
        if key == "tab" and self._spans_lines():
            self._claim(event)
            self.shift_lines(+1)
        elif key == "shift+tab":
            self._claim(event)
            self.shift_lines(-1)
        elif key == "enter":
            self._claim(event)
            self.new_line()
        else:
            await super()._on_key(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save" and self.read_only:
            return None  # dimmed in the key bar: ctrl+s is refused with a word (_on_key), as typing is
        return super().check_action(action, parameters)

    def _watch_read_only(self, read_only: bool) -> None:
        super()._watch_read_only(read_only)
        self.refresh_bindings()

    @staticmethod
    def _claim(event: events.Key) -> None:
        event.stop()
        event.prevent_default()

    def action_save(self) -> None:
        self.post_message(self.SaveRequested())

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    # -- indentation --------------------------------------------------------------------------
    @property
    def indent_text(self) -> str:
        return "\t" if self.indent_type == "tabs" else " " * self.indent_width

    def _spans_lines(self) -> bool:
        start, end = self.selection
        return start[0] != end[0]

    def _selected_rows(self) -> range:
        start, end = sorted(self.selection)
        last = end[0] - 1 if end[0] > start[0] and end[1] == 0 else end[0]  # a selection ending at a line's start
        return range(start[0], last + 1)

    def shift_lines(self, levels: int) -> None:
        """Indent (+1) or dedent (-1) the cursor's line or every selected line by one level, as one undo step."""
        rows = self._selected_rows()
        lines = [self.document[row] for row in rows]
        shifts = [self._shift(line, levels) for line in lines]
        if not any(shifts):
            return
        new = [self.indent_text + line if shift > 0 else line[-shift:] for line, shift in zip(lines, shifts)]
        selection, scrolled = self.selection, self.scroll_offset
        self.replace("\n".join(new), (rows[0], 0), (rows[-1], len(lines[-1])), maintain_selection_offset=False)

        def moved(location: tuple[int, int]) -> tuple[int, int]:
            row, column = location
            if row in rows:
                column = max(0, column + shifts[row - rows[0]])
            return row, column

        self.selection = Selection(moved(selection.start), moved(selection.end))
        # The replace put the cursor at the end of the last line, scrolling a long one sideways: back where it was.
        self.scroll_to(scrolled.x, scrolled.y, animate=False, immediate=True)
        self.scroll_cursor_visible()

    def _shift(self, line: str, levels: int) -> int:
        """How many characters the line gains (> 0) or loses (< 0) for one level in or out."""
        if levels > 0:
            return len(self.indent_text) if line.strip() else 0  # blank lines stay empty
        if line.startswith("\t"):
            return -1
        spaces = len(line) - len(line.lstrip(" "))
        return -min(spaces, self.indent_width)

    def new_line(self) -> None:
        """Enter: a line break, then the current line's indentation (one level more after a `:`)."""
        start, end = sorted(self.selection)
        before = self.document[start[0]][: start[1]]
        indent = before[: len(before) - len(before.lstrip())]
        if before.rstrip().endswith(":"):
            indent += self.indent_text
        self._replace_via_keyboard("\n" + indent, start, end)

    def action_delete_left(self) -> None:
        """Backspace: in a line's leading spaces, back to the previous level; else one character."""
        row, column = self.cursor_location
        before = self.document[row][:column]
        if self.selection.is_empty and column and not before.strip(" ") and not self.read_only:
            self._delete_via_keyboard((row, column - (column % self.indent_width or self.indent_width)), (row, column))
            return
        super().action_delete_left()
