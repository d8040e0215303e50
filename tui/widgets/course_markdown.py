"""Markdown for the course's texts, each text parsed once per app: a revisit mounts blocks from kept tokens."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual.content import Content
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownFence

from .markdown_lists import FlatBulletList, FlatOrderedList


class _ParsedOnce:
    """Textual's "gfm-like" MarkdownIt, keeping the tokens of every text it parsed (Textual only reads them).

    The texts are the shipped lessons, questions and exercises: a few hundred kilobytes at most.
    Textual calls parse() on a worker thread; a race parses a text twice, harmlessly.
    """

    def __init__(self) -> None:
        self._parser = MarkdownIt("gfm-like")
        self._tokens: dict[str, list[Token]] = {}

    def parse(self, text: str, env=None) -> list[Token]:
        tokens = self._tokens.get(text)
        if tokens is None:
            tokens = self._tokens[text] = self._parser.parse(text, env)
        return tokens


_PARSER = _ParsedOnce()


class CourseFence(MarkdownFence):
    """A code block, highlighted in the language its fence names; one that names none is plain text.

    Textual guesses a language for it instead: pygments runs every lexer it has over the code (the
    first guess in a process imports them all: 0.3-0.5 s of CPU in the first section opened, then
    5-10 ms a block). For the lessons' formulas (`w_{t+1} = w_t − η ∇J(w_t)`) it guessed scdoc, a
    man-page format, which coloured nothing in them: they look the same as plain text.
    """

    @classmethod
    def highlight(cls, code: str, language: str, ansi: bool = False, dark: bool = False) -> Content:
        return super().highlight(code, language or "text", ansi=ansi, dark=dark)


class CourseMarkdown(Markdown):
    """A Markdown widget whose text is parsed once per app (lesson texts were parsed on every visit)."""

    BLOCKS: dict[str, type[MarkdownBlock]] = {
        **Markdown.BLOCKS,
        "fence": CourseFence,
        "code_block": CourseFence,
        "bullet_list_open": FlatBulletList,
        "ordered_list_open": FlatOrderedList,
    }

    def __init__(self, markdown: str | None = None, **kwargs) -> None:
        super().__init__(markdown, parser_factory=lambda: _PARSER, **kwargs)  # type: ignore[arg-type, return-value]
