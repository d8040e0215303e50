"""A chart's picture: a rich Text (to read, for tests) that Textual draws row by row without Content's per-segment work.

Returned from Chart.render, a plain Text went through Content.from_rich_text and Content.render_strips: a
Style conversion per span, the spans sorted and stacked per row, and a new rich Style per segment for the
selection offset it carries (2.5-11 ms a build at 50x22-100x50, as long as plotext's own build; issue 23).
A chart's rows come from plotext's cell matrix, one run of cells per colour, each row exactly the chart's
width: here each run is one segment, its style combined with the widget's once per colour and picture. The
cells and colours are the ones Content draws (tests/tui/test_chart_picture.py holds them equal); the
segments carry no selection offset: a chart's braille is not text to select (Chart.ALLOW_SELECT is False).
Anything else (a selection, a row that is not the width, overlapping spans) goes through Content as before.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.text import Span, Text
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual


class Picture(Text, Visual):
    """The rows of a chart (each a Text of non-overlapping spans), joined as one Text; a Visual that draws the rows."""

    def __init__(self, lines: list[Text]) -> None:
        # The rows joined as one Text are made when first read (__getattr__): drawing reads only the rows, and
        # joining them (every span moved) was a tenth of a RevealChart's build (~0.6 ms at 200x60).
        self.lines = lines
        self.style, self.justify, self.overflow, self.no_wrap, self.end, self.tab_size = "", None, None, None, "", None

    def __getattr__(self, name: str):
        if name not in ("_text", "_spans", "_length"):  # Text's slots of the joined rows, not made yet
            raise AttributeError(name)
        self._join()
        return object.__getattribute__(self, name)

    def _join(self) -> None:
        """The rows as one Text: its text and spans, as Text(joined, spans=spans) sets them."""
        spans: list[Span] = []
        offset = 0
        for line in self.lines:
            if line.style:  # a style under the whole row: as a span, where Text.join puts it
                spans.append(Span(offset, offset + len(line.plain), line.style))
            spans.extend(Span(offset + s.start, offset + s.end, s.style) for s in line.spans)
            offset += len(line.plain) + 1
        text = strip_control_codes("\n".join(line.plain for line in self.lines))
        self._text, self._spans, self._length = [text], spans, len(text)

    # -- the Visual protocol -----------------------------------------------------------------
    def get_optimal_width(self, rules, container_width: int) -> int:
        return max((line.cell_len for line in self.lines), default=0)

    def get_height(self, rules, width: int) -> int:
        return len(self.lines)

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        lines = self.lines if height is None else self.lines[:height]
        if not width:
            return []
        if not self._plain_rows(lines, width, options):
            return Content.from_rich_text(self).render_strips(width, height, style, options)
        ansi_theme = _ansi_theme()

        def textual(span_style) -> RichStyle:  # as Content: the span's Style on the base (its stack), on the base again
            if isinstance(span_style, str):
                parsed = options.get_style(span_style)
                converted = parsed if isinstance(parsed, Style) else Style.from_rich_style(parsed)
            else:
                converted = Style.from_rich_style(span_style, ansi_theme)
            return (style + Style.combine([style, converted])).rich_style

        gap = (style + Style.combine([style])).rich_style  # cells no span styles: the base, as Content stacks it
        return _strips(lines, width, gap, textual)

    def rich_strips(self, width: int, height: int, base: RichStyle) -> list[Strip] | None:
        """The rows as rich's console.render_lines(self, style=base, pad=True) draws them (RevealChart's cut pictures),
        from the runs; None where a row is not plain (the console must draw it)."""
        lines = self.lines[:height]
        if len(lines) < height or not all(_plain_line(line, width) for line in lines):
            return None

        def rich(span_style) -> RichStyle:
            return base + (RichStyle.parse(span_style) if isinstance(span_style, str) else span_style)

        return _strips(lines, width, base, rich)

    @staticmethod
    def _plain_rows(lines: list[Text], width: int, options: RenderOptions) -> bool:
        """Whether each row draws as its runs alone: plain (_plain_line), left aligned, nothing selected."""
        if options.selection is not None or options.post_style is not None:
            return False
        rules = options.rules.get
        align = rules("text_align", "left")
        if align not in ("left", "start") or rules("line_pad", 0):
            return False
        return all(_plain_line(line, width) for line in lines)


def _strips(lines: list[Text], width: int, gap: RichStyle, style_of: Callable[[object], RichStyle]) -> list[Strip]:
    """A strip per row: a segment per run, styled by style_of(its span's style) (once per style), `gap` between runs."""
    styles: dict[object, RichStyle] = {}
    strips = []
    for line in lines:
        plain, segments, pos = line.plain, [], 0
        for start, end, span_style in line.spans:
            if start > pos:
                segments.append(Segment(plain[pos:start], gap))
            if end > start:
                rich = styles.get(span_style)
                if rich is None:
                    rich = styles[span_style] = style_of(span_style)
                segments.append(Segment(plain[start:end], rich))
            pos = end
        if pos < len(plain):
            segments.append(Segment(plain[pos:], gap))
        strips.append(Strip(segments, width))
    return strips


def _plain_line(line: Text, width: int) -> bool:
    """A row of exactly `width` cells, no style of its own, its spans in order and apart."""
    if line.style or line.cell_len != width or "\t" in line.plain:
        return False
    pos = 0
    for start, end, _ in line.spans:
        if start < pos or end < start:
            return False
        pos = end
    return True


def _ansi_theme():
    from textual._context import active_app

    try:
        return active_app.get().ansi_theme
    except LookupError:
        return None
