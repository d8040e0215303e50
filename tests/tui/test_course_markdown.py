"""The course's Markdown: code blocks that name no language are plain text, never guessed."""

from __future__ import annotations

import textual.highlight
from markdown_it import MarkdownIt
from textual.widgets._markdown import MarkdownFence

from tui.lessons import lesson_text
from tui.sections import SECTIONS
from tui.widgets.course_markdown import CourseMarkdown


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
