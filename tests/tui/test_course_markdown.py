"""The course's Markdown: code blocks that name no language are plain text, never guessed; lists drawn by one widget."""

from __future__ import annotations

import pytest
import textual.highlight
from markdown_it import MarkdownIt
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownFence

from tui.lessons import lesson_text
from tui.sections import SECTIONS
from tui.widgets.course_markdown import CourseMarkdown
from tui.widgets.markdown_lists import FlatBulletList


def _code_blocks():
    for section in SECTIONS:
        for token in MarkdownIt("gfm-like").parse(lesson_text(section.key)):
            if token.type in ("fence", "code_block"):
                yield token.content.rstrip(), token.info


def test_a_lesson_code_block_is_shown_as_textual_shows_it_without_guessing_its_language(monkeypatch):
    """Textual guessed a language for each block without one: pygments ran every lexer over it, and the
    first guess imported them all (0.3-0.5 s of the first section opened)."""
    shown = {code: MarkdownFence.highlight(code, info) for code, info in _code_blocks()}
    assert len(shown) >= 5 and any(info == "" for _, info in _code_blocks())

    def no_guess(code: str, path: str | None) -> str:
        raise AssertionError(f"a language was guessed for {code!r}")

    monkeypatch.setattr(textual.highlight, "guess_language", no_guess)
    for kind in ("fence", "code_block"):
        fence = CourseMarkdown.BLOCKS[kind]
        assert issubclass(fence, MarkdownFence)
        for code, info in _code_blocks():
            assert fence.highlight(code, info) == shown[code]
        assert fence.highlight("x = 1", "python") == MarkdownFence.highlight("x = 1", "python")


class _One(App):
    """A Markdown widget alone on a screen tall enough for a whole lesson."""

    def compose(self):
        yield VerticalScroll(id="page")


def _cells(app: App) -> list[list[tuple]]:
    """Every cell on screen: its character, style and click action (not the selection offset, which counts
    from each widget's own origin)."""
    rows = []
    for line in app.screen._compositor.render_update(full=True).strips:
        row = []
        for strip in line:
            for segment in strip:
                style = segment.style
                meta = {k: v for k, v in style.meta.items() if k != "offset"} if style else {}
                row += [(char, style.clear_meta_and_links() if style else None, meta) for char in segment.text]
        rows.append(row)
    return rows


LISTS = """\
Items that wrap, with `code`, **bold** and [a link](https://example.org):

- a short one
- an item long enough to wrap at the widths below: it goes on past the edge of the narrow one, and then some more
- [a link](https://example.org/two) in an item, `code` and *emphasis*, long enough to wrap at the narrower width

3. an ordered list from three
4. four
10. ten, wider numbers, right-aligned as Textual aligns them

- two paragraphs in one item:

  the second paragraph of it, long enough to wrap as well at the narrower of the widths
- a list in a list:
  - inner item that wraps at the narrow width because it is long enough to wrap there
  - another
"""


@pytest.mark.parametrize("width", [100, 46])
async def test_lists_look_as_textuals_own_markdown_draws_them(width):
    """CourseMarkdown draws each list of paragraphs with one widget (tui/widgets/markdown_lists.py): Textual made
    four per item. Lists of each kind, and lessons with both kinds at the narrow width, look the same cell for cell,
    colours and links included."""
    app = _One()
    texts = [*(lesson_text(key) for key in ("intro", "bonus")), LISTS] if width < 80 else [LISTS]
    async with app.run_test(size=(width, 500)) as pilot:
        page = app.query_one("#page")
        for text in texts:
            shots = []
            for kind in (Markdown, CourseMarkdown):
                await page.remove_children()
                widget = kind(text)
                await page.mount(widget)
                await pilot.pause()
                assert widget.children and widget.virtual_region.height < 500
                shots.append(_cells(app))
            same = shots[0] == shots[1]  # not `assert a == b`: pytest's diff of two screens takes minutes
            assert same, f"{text[:40]!r} at width {width}"
        flat = [w for w in page.query("*") if isinstance(w, FlatBulletList)]
        assert flat and any(not w.children for w in flat) and any(w.children for w in flat)  # the list in a list
        if width < 80:
            return
        app.theme = "textual-light"  # the bullets' colour follows the theme, as MarkdownBullet's CSS has it
        await pilot.pause()
        light = _cells(app)
        await page.remove_children()
        await page.mount(Markdown(LISTS))
        await pilot.pause()
        same = light == _cells(app)
        assert same, "light theme"
