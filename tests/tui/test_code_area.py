"""The editor's keys for writing Python: Tab / Shift+Tab (de)indent, Enter keeps the indentation, Backspace a level."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import TextArea

from tui.widgets.code_area import CodeArea, python_highlighting


class AreaApp(App):
    """One CodeArea under app bindings on letters, Tab and Shift+Tab that must never fire from it."""

    BINDINGS = [Binding("p", "record('p')"), Binding("q", "record('q')"), Binding("shift+tab", "record('btab')")]

    def __init__(self, text: str = "", read_only: bool = False):
        super().__init__()
        self.text, self.read_only, self.fired = text, read_only, []
        self.refused = self.saves = 0
        self.kept_focus = False

    def compose(self) -> ComposeResult:
        yield CodeArea.code_editor(self.text, language="python", read_only=self.read_only)

    def action_record(self, what: str) -> None:
        self.fired.append(what)

    def on_code_area_refused(self) -> None:
        self.refused += 1

    def on_code_area_save_requested(self) -> None:
        self.saves += 1


async def typed(keys, text: str = "", cursor=(0, 0), selection=None, read_only: bool = False):
    app = AreaApp(text, read_only)
    async with app.run_test(size=(60, 12)) as pilot:
        area = app.query_one(CodeArea)
        area.focus()
        area.move_cursor(cursor)
        if selection is not None:
            area.selection = selection
        await pilot.press(*keys)
        await pilot.pause()
        app.kept_focus = app.focused is area
        return app, area


async def test_enter_keeps_the_indentation_and_adds_a_level_after_a_colon():
    # The case: Home, `if True:`, Enter, `yy` -> yy is in the block, not at column 0.
    _, area = await typed([*"if True:", "enter", *"yy", "enter", *"for i in x:", "enter", *"zz", "enter", "enter"])
    assert area.text == "if True:\n    yy\n    for i in x:\n        zz\n        \n        "


async def test_tab_and_shift_tab_indent_and_dedent_the_line_or_the_selection():
    from textual.widgets.text_area import Selection

    text = "def f():\nreturn 1\n\nx = 2\n"
    _, area = await typed(["tab"], text, selection=Selection((1, 0), (3, 5)))
    assert area.text == "def f():\n    return 1\n\n    x = 2\n"  # the blank line stays empty
    assert area.selection == Selection((1, 4), (3, 9))  # the same text is still selected
    _, area = await typed(["shift+tab", "shift+tab"], "        x = 1\n", cursor=(0, 10))
    assert area.text == "x = 1\n" and area.cursor_location == (0, 2)
    _, area = await typed(["tab", *"y"], "x\n", cursor=(0, 1))  # no selection: spaces to the next tab stop
    assert area.text == "x   y\n"
    long = "    x = " + "1 + " * 30 + "1\n"  # wider than the area: the view stays where it was
    _, area = await typed(["shift+tab"], long, cursor=(0, 5))
    assert area.text == long[4:] and area.cursor_location == (0, 1) and area.scroll_offset.x == 0


async def test_backspace_in_the_leading_spaces_removes_one_level():
    _, area = await typed(["backspace"], "        x\n", cursor=(0, 8))
    assert area.text == "    x\n"
    _, area = await typed(["backspace"], "      x\n", cursor=(0, 6))  # off a level: back to the level below
    assert area.text == "    x\n"
    _, area = await typed(["backspace"], "    xy\n", cursor=(0, 6))  # in the code: one character
    assert area.text == "    x\n"


async def test_no_app_binding_fires_on_printable_keys_tab_or_shift_tab():
    app, area = await typed(["tab", "shift+tab", *"pq", "enter"], "x = 1\n", cursor=(0, 5))
    assert app.fired == [] and area.text == "x = 1   pq\n\n" and app.kept_focus


async def test_a_read_only_area_refuses_typing_and_never_lets_a_key_through():
    app, area = await typed([*"pq", "tab", "shift+tab", "enter", "backspace", "ctrl+s"], "x\n", read_only=True)
    assert app.fired == [] and area.text == "x\n" and app.kept_focus
    assert app.refused == 7 and app.saves == 0  # ctrl+s too: refused with a word, not a silent "nothing to save"


async def test_ctrl_s_is_dimmed_while_the_area_is_read_only():
    app = AreaApp("x\n", read_only=True)
    async with app.run_test(size=(60, 12)) as pilot:
        area = app.query_one(CodeArea)
        area.focus()
        await pilot.pause()
        assert app.screen.active_bindings["ctrl+s"].enabled is False
        area.read_only = False
        await pilot.pause()
        assert app.screen.active_bindings["ctrl+s"].enabled is True
        await pilot.press("ctrl+s")
        assert app.saves == 1


def test_python_is_highlighted_as_textual_does_with_its_query_compiled_once_per_process():
    """Textual compiled the highlight query for each document (~25 ms, twice per file an editor loads)."""
    text = "def f(x):\n    return x + 1  # one more\n"
    made = CodeArea.code_editor(text, language="python")
    loaded = CodeArea.code_editor("", language="python")
    loaded.load_text(text)
    textual = TextArea.code_editor(text, language="python")
    assert made._highlight_query is loaded._highlight_query is python_highlighting()[1]
    assert dict(made._highlights) == dict(loaded._highlights) == dict(textual._highlights)
    for area in (made, textual):  # an edit reparses the tree as Textual's own document does
        area.replace("while x:\n    x -= 1", (0, 0), (1, 0))
    # (tree-sitter lists one capture's nodes after an edit in an order that varies from run to run, in Textual too)
    assert made.text == textual.text and _sorted(made._highlights) == _sorted(textual._highlights)
    plain = CodeArea.code_editor(text, language=None)
    assert plain._highlight_query is None and not plain._highlights


def _sorted(highlights) -> dict:
    return {row: sorted(spans) for row, spans in highlights.items()}
