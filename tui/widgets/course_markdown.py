"""Markdown for the course's texts, each text parsed once per app: a revisit mounts blocks from kept tokens."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual.widgets import Markdown


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


class CourseMarkdown(Markdown):
    """A Markdown widget whose text is parsed once per app (lesson texts were parsed on every visit)."""

    def __init__(self, markdown: str | None = None, **kwargs) -> None:
        super().__init__(markdown, parser_factory=lambda: _PARSER, **kwargs)  # type: ignore[arg-type, return-value]
