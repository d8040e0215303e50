"""The Sweep tab's live side: status, every copy's validation curve (then the result against the swept value),
progress, and the copies' table (by validation accuracy once the sweep ends)."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, ProgressBar

from ...charts.chart import Chart
from ..fitted import FittedLine
from ..status_line import StatusLine
from .sweep_live import SweepLive
from .sweep_plots import draw_sweep_curves, draw_sweep_result, rich_colour
from .train import clock

COLUMNS = ("", "#", "copy", "status", "val acc", "val loss", "train acc")
DROP = ("train acc", "val loss")  # left out, in this order, of a table too narrow for them
KEYS_AFTER = (  # the longest wording that fits is shown
    "t trains the best in full · p puts it in the Train tab · v chart · a acc/loss",
    "t train best · p best to Train · v chart · a acc/loss",
    "t train best · p to Train · v chart · a metric",
    "t train best · p to Train",
)
SHORT = 22  # below this many rows the table shows fewer copies (it scrolls) so the chart keeps its room


def copy_status(live: SweepLive, copy: int) -> str:
    """Where one copy stands: its epoch while training, then how it ended."""
    if copy in live.diverged:
        return "✗ diverged"
    row = next((r for r in live.result if r.copy == copy), None)
    if row is not None:
        return {"completed": "done", "stopped": "stopped"}.get(row.status, row.status)
    steps, total = live.steps.get(copy, 0), live.total_steps[copy] if copy < len(live.total_steps) else 0
    if live.done in ("cancelled", "left"):
        return "cancelled"
    bpe = live.batches_per_epoch(copy)
    return f"epoch {min(steps // bpe + 1, max(1, total // bpe))}" if steps < total else "validating"


def status_text(live: SweepLive, stopping: bool = False) -> Text:
    if live.failed:
        return Text(f"✗ {live.failed}", style="bold red")
    if live.done in ("cancelled", "left"):
        return Text("Sweep cancelled: nothing was kept.", style="yellow")
    if live.result:
        best = live.best()
        kept = f" · kept as one group of {len(live.run_ids)} runs" if live.run_ids else ""
        if live.history_error:
            kept = " · ✗ not stored: " + live.history_error
        ended = "Stopped" if live.done == "stopped" else f"Done in {clock(live.seconds)}"
        if best is None:
            return Text(f"{ended}: every copy diverged; try smaller values.{kept}", style="bold red")
        return Text(f"✓ {ended} · best {best.label}: {100 * best.val_acc:.2f}% val{kept}", style="bold green")
    if stopping:
        return Text("Stopping every copy after its batch, then validating what each learned…", style="yellow")
    if live.started:
        together = "batched" if live.groups == 1 else f"in {live.groups} batched groups"
        return Text(f"Training {len(live.copies)} copies {together} · Escape stops all")
    if live.status:
        return Text(live.status)
    return Text("Ready · choose what to vary, then s starts the sweep")


def row_cells(live: SweepLive, copy: int, rank: int | None) -> dict[str, str | Text]:
    vals = live.vals.get(copy, [])
    row = next((r for r in live.result if r.copy == copy), None)
    loss, acc = (row.val_loss, row.val_acc) if row is not None else (vals[-1][1:] if vals else (math.nan, math.nan))
    train_acc = row.train_acc if row is not None else math.nan
    return {
        "": Text("■", style=rich_colour(copy)),
        "#": str(rank) if rank is not None else "",
        "copy": live.label(copy),
        "status": copy_status(live, copy),
        "val acc": f"{100 * acc:.2f}%" if math.isfinite(acc) else "–",
        "val loss": f"{loss:.4f}" if math.isfinite(loss) else "–",
        "train acc": f"{100 * train_acc:.2f}%" if math.isfinite(train_acc) else "–",
    }


def columns_that_fit(rows: list[dict], width: int) -> list[str]:
    names = list(COLUMNS)

    def need(ns: list[str]) -> int:
        return sum(max([len(n)] + [Text(str(r[n])).cell_len for r in rows]) + 2 for n in ns) + 2

    for name in DROP:
        if need(names) <= width:
            break
        names.remove(name)
    return names


class SweepView(Vertical):
    """Everything about the current sweep; `show(live, changed)` redraws what changed."""

    def __init__(self, live: SweepLive | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._live = SweepLive() if live is None else live
        self.chart_kind = "curves"  # curves | result
        self.metric = "acc"  # acc | loss
        self.stopping = False
        self._columns: list[str] = []
        self._order: list[int] = []  # the copies, in the table's order

    def compose(self) -> ComposeResult:
        yield StatusLine("", id="sweep-status", markup=False)
        yield FittedLine("", id="sweep-keys")
        yield Chart(id="sweep-chart")
        with Horizontal(id="sweep-progress-row"):
            yield ProgressBar(total=1, show_eta=False, id="sweep-progress")
            yield FittedLine("", id="sweep-progress-text")
        yield DataTable(id="sweep-table", cursor_type="none", zebra_stripes=True)  # a display: t and p act on the best

    def on_mount(self) -> None:
        self.reset(self._live)

    def reset(self, live: SweepLive) -> None:
        self._live, self.stopping = live, False
        self.chart_kind = "result" if live.result else "curves"
        self.query_one("#sweep-chart", Chart).draw(self._draw)
        self.show(live, {"status", "progress", "curves", "result"})

    def _draw(self, plt) -> None:
        if self.chart_kind == "result" and self._live.result:
            draw_sweep_result(plt, self._live, self.metric)
        else:
            draw_sweep_curves(plt, self._live, self.metric)

    def show(self, live: SweepLive, changed: set[str]) -> None:
        self._live = live
        if "result" in changed and live.result:
            self.chart_kind = "result"
        self.query_one("#sweep-status", StatusLine).show(status_text(live, self.stopping and live.running))
        keys = self.query_one("#sweep-keys", FittedLine)
        keys.display = live.best() is not None
        if keys.display:
            keys.say(*KEYS_AFTER)
        if changed & {"curves", "result"}:
            self.query_one("#sweep-chart", Chart).redraw()
        if changed & {"progress", "result", "status"}:
            self._progress(live)
        if changed & {"curves", "progress", "result", "status"}:
            self._table(live)

    def _progress(self, live: SweepLive) -> None:
        bar, text = self.query_one("#sweep-progress", ProgressBar), self.query_one("#sweep-progress-text", FittedLine)
        p = live.progress
        if p is None:
            bar.update(total=1, progress=0)
            text.say(f"{len(live.copies)} copies" if live.started else "")
            return
        bar.update(total=1000, progress=round(1000 * p.fraction))
        if live.done is not None:
            text.say(f"{len(live.copies)} copies · {clock(live.seconds)}")
            return
        left = f"{clock(p.eta_s)} left" if math.isfinite(p.eta_s) else "…"
        text.say(
            f"epoch {p.epoch}/{p.epochs} · {left} · {p.samples_per_s:,.0f} samples/s",
            f"epoch {p.epoch}/{p.epochs} · {left}",
            left,
        )

    def _table(self, live: SweepLive) -> None:
        table = self.query_one("#sweep-table", DataTable)
        order = [r.copy for r in live.result] if live.result else list(range(len(live.copies)))
        ranks = {r.copy: i + 1 for i, r in enumerate(live.result) if math.isfinite(r.val_acc)}
        rows = [row_cells(live, c, ranks.get(c)) for c in order]
        names = columns_that_fit(rows, self.size.width or 46)
        if (names, order) != (self._columns, self._order):
            table.clear(columns=True)
            for name in names:
                table.add_column(name, key=name)
            for c, cells in zip(order, rows):
                table.add_row(*(cells[n] for n in names), key=str(c))
            self._columns, self._order = names, order
            return
        for c, cells in zip(order, rows):  # same rows: update the cells in place (no flicker, cursor kept)
            for n in names:
                table.update_cell(str(c), n, cells[n])

    def on_resize(self) -> None:
        self.query_one("#sweep-table", DataTable).styles.max_height = 6 if self.size.height < SHORT else 10
        if self._live.started:
            self._table(self._live)

    def toggle_chart(self) -> None:
        self.chart_kind = "curves" if self.chart_kind == "result" else "result"
        self.query_one("#sweep-chart", Chart).redraw()

    def toggle_metric(self) -> None:
        self.metric = "loss" if self.metric == "acc" else "acc"
        self.query_one("#sweep-chart", Chart).redraw()
