"""One way for every training loop to stream its losses: kept on the device, sent every few ms, cut at a blow-up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

FLUSH_SECONDS = 0.05  # losses leave the device at most this often: live curves, few host syncs


@dataclass(frozen=True)
class Chunk:
    """The next values of one series, from step `start`; `diverged_at` is the step of its first non-finite value."""

    series: int
    start: int
    values: tuple[float, ...]
    diverged_at: int | None


class LossStream:
    """Per-step values of `n` series (e.g. one per optimizer or per initialisation) on their way to the screen.

    `add` keeps a step's (n,) tensor on the device (no sync); `due()` says when a flush is worth it
    (every `seconds`, or `max_pending` steps); `flush()` copies everything pending to the host in
    one sync and returns one Chunk per series still alive. A series ends at its first non-finite
    value: that value is included when `include_bad` (so a curve shows the jump), and the series
    is then dead for good.
    """

    def __init__(
        self,
        n: int = 1,
        seconds: float = FLUSH_SECONDS,
        *,
        max_pending: int | None = None,
        include_bad: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.alive = [True] * n
        self.seconds, self.max_pending, self.include_bad, self.clock = seconds, max_pending, include_bad, clock
        self._pending: list[torch.Tensor] = []
        self._start = 0
        self._last = clock()

    @property
    def steps(self) -> int:
        """Steps added so far."""
        return self._start + len(self._pending)

    def add(self, values: torch.Tensor) -> None:
        self._pending.append(values.detach().reshape(-1))

    def add_rows(self, rows: torch.Tensor) -> None:
        """Several steps at once: row s of the (steps, n) `rows` is the next step's values."""
        self._pending.extend(rows.detach().unbind(0))

    def due(self) -> bool:
        if not self._pending:
            return False
        if self.max_pending is not None and len(self._pending) >= self.max_pending:
            return True
        return self.clock() - self._last >= self.seconds

    def flush(self) -> list[Chunk]:
        if not self._pending:
            return []
        rows = torch.stack(self._pending).cpu().numpy()  # (steps, n): the one host sync of this flush
        chunks = []
        for i, alive in enumerate(self.alive):
            if not alive:
                continue
            column = rows[:, i]
            bad = first_nonfinite(column)
            if bad is not None:
                self.alive[i] = False
                column = column[: bad + 1 if self.include_bad else bad]
            chunks.append(Chunk(i, self._start, tuple(map(float, column)), None if bad is None else self._start + bad))
        self._start += len(self._pending)
        self._pending, self._last = [], self.clock()
        return chunks


def first_nonfinite(values) -> int | None:
    """The index of the first NaN or infinity in a 1-D sequence, or None."""
    bad = np.flatnonzero(~np.isfinite(np.asarray(values, dtype=float)))
    return int(bad[0]) if bad.size else None
