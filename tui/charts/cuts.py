"""A chart's full picture and its empty axes, row by row, cut at any column: the rows, and where they differ."""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip


class Cuts:
    """The rows of a full picture and its empty axes as segments with their first cells, to join at any column.

    Strip.crop twice and Strip.join make three Strips a row (each with seven caches): at 200x60 that was
    most of Section 7's frames. Here a row is two slices of segment lists and at most two split segments.
    `mask[y, x]`: the two pictures differ at cell (x, y) (character or style), so a moved cut repaints only
    the rows that change. The empty axes' rows are taken from `kept` when it was made with the same ones.
    """

    def __init__(self, full: list[Strip], base: list[Strip], width: int, kept: Cuts | None = None) -> None:
        self.full, self.base, self.width = full, base, width
        f_rows, f_codes = _rows(full, width)
        b_rows: list
        b_codes: np.ndarray | None
        if kept is not None and kept.base is base:
            b_rows, b_codes = kept.b_rows, kept.b_codes
        else:
            b_rows, b_codes = _rows(base, width)
        self.b_rows: list = b_rows
        self.b_codes: np.ndarray | None = b_codes
        self.f_codes = f_codes
        self.rows = list(zip(f_rows, b_rows))
        if f_codes is not None and b_codes is not None and f_codes.shape == b_codes.shape:
            self.mask = (f_codes != b_codes).any(axis=2)
        else:
            self.mask = np.ones((len(full), width), dtype=bool)
        if len(self.mask):
            self.mask[0] = self.mask[-1] = False  # the title and label rows are never cut

    def same_axes(self, col0: int) -> bool:
        """Whether both pictures have the same y labels (left of the canvas) and x axis (the last three rows)."""
        f, b = self.f_codes, self.b_codes
        if f is None or b is None or f.shape != b.shape:
            return _same_axes(self.full, self.base, col0)
        return bool((f[:, :col0, 0] == b[:, :col0, 0]).all() and (f[-3:, :, 0] == b[-3:, :, 0]).all())

    def row(self, y: int, cut: int) -> Strip:
        """Row y: the full picture's cells left of column `cut`, the empty axes' from it on."""
        if cut <= 0:
            return self.base[y]
        if cut >= self.width:
            return self.full[y]
        full, base = self.rows[y]
        if full is None or base is None:  # a wide character: the general, slower path
            return Strip.join([self.full[y].crop(0, cut), self.base[y].crop(cut, self.width)])
        (f_segs, f_starts), (b_segs, b_starts) = full, base
        i = bisect_right(f_starts, cut) - 1  # the segment holding the cut's cell (or the last before it)
        j = bisect_right(b_starts, cut) - 1
        segments = f_segs[:i]
        text, style, _ = f_segs[i]
        if cut > f_starts[i]:
            segments.append(Segment(text[: cut - f_starts[i]], style))
        text, style, _ = b_segs[j]
        segments.append(Segment(text[cut - b_starts[j] :], style) if cut > b_starts[j] else b_segs[j])
        segments.extend(b_segs[j + 1 :])
        return Strip(segments, self.width)

    def changes_from(self, old: Cuts, old_cut: int, cut: int) -> list[Region] | None:
        """The regions where this pair cut at `cut` differs from `old` cut at `old_cut` (None: compare them whole).

        Both must share the empty axes (a rebuild for streamed data keeps them)."""
        f, b, f_old = self.f_codes, self.b_codes, old.f_codes
        if old.base is not self.base or f is None or b is None or f_old is None or f.shape != f_old.shape:
            return None
        left = np.arange(self.width)[None, :, None]
        diff = (np.where(left < cut, f, b) != np.where(left < old_cut, f_old, b)).any(axis=2)
        diff[0], diff[-1] = (f[0] != f_old[0]).any(axis=1), (f[-1] != f_old[-1]).any(axis=1)  # never cut: whole
        regions = []
        for y in np.flatnonzero(diff.any(axis=1)).tolist():
            xs = np.flatnonzero(diff[y])
            regions.append(Region(int(xs[0]), y, int(xs[-1]) - int(xs[0]) + 1, 1))
        return regions

    def changed(self, start: int, stop: int) -> list[Region]:
        """The regions to repaint when the cut moves across columns [start, stop): rows that differ there."""
        rows = np.flatnonzero(self.mask[:, max(0, start) : max(0, stop)].any(axis=1)).tolist()
        regions: list[Region] = []
        for y in rows:
            if regions and regions[-1].bottom == y:
                last = regions[-1]
                regions[-1] = Region(last.x, last.y, last.width, last.height + 1)
            else:
                regions.append(Region(start, y, stop - start, 1))
        return regions


_STYLE_IDS: dict = {}  # a number per style, for comparing two pictures' cells with numpy


def _rows(strips: list[Strip], width: int) -> tuple[list, np.ndarray | None]:
    """Each row's non-empty segments and the cell each starts at (None for a row with a character not one cell
    wide), and every cell's (character, style number) as an array (None unless every row is `width` plain cells)."""
    rows: list = []
    plain = True
    texts: list[str] = []  # every segment's text, row after row (when plain): one array for the whole picture
    style_ids: list[int] = []
    ids = _STYLE_IDS
    for strip in strips:
        segments: list[Segment] = []
        starts: list[int] = []
        pos = 0
        for segment in strip:
            text = segment.text
            if not text:
                continue
            if segment.control or cell_len(text) != len(text):
                segments = []
                break
            segments.append(segment)
            starts.append(pos)
            pos += len(text)
        rows.append((segments, starts) if segments else None)
        if not segments or pos != width:
            plain = False
        if plain:
            texts.extend(segment.text for segment in segments)
            style_ids.extend(ids.setdefault(segment.style, len(ids)) for segment in segments)
    if not plain or not strips:
        return rows, None
    chars = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    styles = np.repeat(np.asarray(style_ids, dtype=np.int64), [len(text) for text in texts])
    return rows, np.stack([chars.astype(np.int64), styles], axis=1).reshape(len(strips), width, 2)


def _same_axes(full: list[Strip], base: list[Strip], col0: int) -> bool:
    """Whether two pictures have the same y labels (left of the canvas) and x axis (the last three rows)."""
    if len(full) != len(base):
        return False
    left = all(f.crop(0, col0).text == b.crop(0, col0).text for f, b in zip(full, base))
    return left and all(f.text == b.text for f, b in zip(full[-3:], base[-3:]))
