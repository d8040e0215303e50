"""Markdown lists drawn by one widget each: Textual's Markdown made four widgets per item."""

from __future__ import annotations

import contextlib
from typing import Any

from textual.app import ComposeResult
from textual.content import Content
from textual.css.types import TextOverflow
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RulesMap, Visual
from textual.widgets._markdown import (
    MarkdownBlock,
    MarkdownBulletList,
    MarkdownListItem,
    MarkdownOrderedList,
    MarkdownOrderedListItem,
    MarkdownParagraph,
)

Item = tuple[str, list[Content]]  # the bullet ("• ", " 1. "), the item's paragraphs


class HangingList(Visual):
    """Items under their bullets, as Textual lays out a list item (a Horizontal of the bullet and a Vertical of
    the paragraphs): each paragraph wrapped to the width left of the bullet, lines after the first indented
    under it, paragraphs one under another."""

    def __init__(self, items: list[Item], bullet_style: str, overflow: TextOverflow = "fold") -> None:
        self.items = items
        self.bullet_style = bullet_style
        self.overflow: TextOverflow = overflow
        self._lines: tuple[int, list[Content]] = (-1, [])

    def lines(self, width: int) -> list[Content]:
        if self._lines[0] != width:
            lines: list[Content] = []
            for bullet, paragraphs in self.items:
                indent, start = len(bullet), len(lines)
                # The bullet's column, as MarkdownBullet draws it: the bullet, then blank in its style.
                column = [Content.styled(bullet, self.bullet_style), Content.styled(" " * indent, self.bullet_style)]
                for paragraph in paragraphs:
                    for line in paragraph.wrap(max(1, width - indent), overflow=self.overflow):
                        lines.append(column[min(1, len(lines) - start)] + line)
            self._lines = (width, lines)
        return self._lines[1]

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return Content("\n").join(self.lines(width)).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.lines(width))


class _FlatList:
    """A list whose items hold paragraphs only is drawn by the list itself (HangingList); another (a list in
    an item, a code block) keeps Textual's widgets. A lesson's open styled and laid out every item's four."""

    _blocks: list[MarkdownBlock]

    def _bullets(self) -> list[str]:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        items = [block for block in self._blocks if isinstance(block, MarkdownListItem)]
        flat = all(isinstance(b, MarkdownParagraph) and not b._blocks for item in items for b in item._blocks)
        if not flat:
            yield from super().compose()  # type: ignore[misc]
            return
        paragraphs = [[b._content for b in item._blocks] for item in items]
        widget: Any = self
        widget.update(HangingList(list(zip(self._bullets(), paragraphs, strict=True)), _bullet_style(widget)))
        self._blocks.clear()

    def notify_style_update(self) -> None:
        """The theme changed (or another restyle): the bullets follow it, as MarkdownBullet's CSS does."""
        widget: Any = self
        visual = widget.visual
        if isinstance(visual, HangingList) and visual.bullet_style != (style := _bullet_style(widget)):
            visual.bullet_style, visual._lines = style, (-1, [])
            widget.refresh()
        super().notify_style_update()  # type: ignore[misc]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text selected with the mouse, from the lines as drawn (Textual selects in Content alone)."""
        widget: Any = self
        visual = widget.visual
        if isinstance(visual, HangingList) and visual._lines[0] >= 0:
            return selection.extract("\n".join(line.plain for line in visual._lines[1])), "\n"
        return super().get_selection(selection)  # type: ignore[misc]


def _bullet_style(widget: Any) -> str:
    return "$text-primary" if widget.app.current_theme.dark else "$text-secondary"  # as MarkdownBullet's CSS


class FlatBulletList(_FlatList, MarkdownBulletList):
    def _bullets(self) -> list[str]:
        return [block.bullet for block in self._blocks if isinstance(block, MarkdownListItem)]


class FlatOrderedList(_FlatList, MarkdownOrderedList):
    def _bullets(self) -> list[str]:
        # As MarkdownOrderedList.compose numbers them: from the first item's number, right-aligned.
        items = [block for block in self._blocks if isinstance(block, MarkdownListItem)]
        start = 1
        if items and isinstance(items[0], MarkdownOrderedListItem):
            with contextlib.suppress(ValueError):  # as Textual: a number that is not one counts from 1
                start = int(items[0].bullet)
        labels = [f"{number}. " for number in range(start, start + len(items))]
        size = max((len(label) for label in labels), default=0)
        return [label.rjust(size + 1) for label in labels]
