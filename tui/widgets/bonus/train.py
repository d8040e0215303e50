"""The Train tab's live side: status, loss and accuracy charts, epoch progress, log and final table."""

from __future__ import annotations

import math
import re

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, DataTable, ProgressBar, RichLog

from engine.contracts.benchmark import benchmark_info, recipe_line
from engine.contracts.bonus import EvalRow

from ...charts.chart import Chart
from ..fitted import FittedLine
from ..status_line import StatusLine
from .live import SMOOTHING, LiveRun
from .plots import draw_live

# Two-line headers; a narrow table leaves out losses, validation's first (EVAL_DROP), and shows accuracies to 0.01%.
EVAL_COLUMNS = ("model", "train\nloss", "val\nloss", "test\nloss", "train\nacc", "val\nacc", "test\nacc")
EVAL_DROP = ("val\nloss", "train\nloss", "test\nloss")
EVAL_NOTE = "val: what you choose on; test: scored once."
SHORT_HEIGHT = 24  # below this many rows (80x24 screens) one chart shows at a time; a switches it


def clock(seconds: float) -> str:
    """0:42, 12:05 or 1:02:03."""
    s = max(0, int(round(seconds)))
    h, m, s = s // 3600, s % 3600 // 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def status_text(live: LiveRun, stopping: str = "") -> Text:
    """The one-line summary of where the run stands, coloured by outcome; `stopping` is "", "stop" or "skip"."""
    if live.failed:
        return Text(f"✗ {live.failed}", style="bold red")
    if live.diverged_at is not None:
        return Text(
            f"✗ diverged at iteration {live.diverged_at} (loss NaN/inf): try a smaller learning rate", style="bold red"
        )
    if live.done in ("left", "cancelled"):
        return _cancelled_text(live)
    if live.done:
        return _ended_text(live)
    if stopping:
        then = "skipping the evaluation (Escape again cancels)" if stopping == "skip" else "then evaluating"
        skips = "" if stopping == "skip" else " (Escape again skips it)"
        return Text(f"Stopping… keeping what was learned, {then}{skips}", style="yellow")
    if live.eval_rows or (live.started and live.progress and live.steps >= live.total_steps):
        return Text(live.status or "Evaluating on the training and test sets…")
    if live.started:
        return Text(f"Training · {live.params:,} parameters · {live.n_train:,} examples")
    if live.status:
        return Text(live.status)
    return Text("Ready · choose the settings, then s starts training")


def _cancelled_text(live: LiveRun) -> Text:
    """A run cancelled (Escape twice) or left (the learner left the Bonus): not stored, its model maybe kept."""
    lost = " · its model went with an engine restart" if live.model_lost else ""
    if live.done == "left":
        kept = " · w saves the model" if live.token and live.steps else lost
        return Text(f"Cancelled when you left the Bonus, after {live.steps:,} iterations: not stored{kept}", "yellow")
    if not live.steps:
        return Text("Cancelled before training started.", style="yellow")
    kept = " · w saves the model" if live.token else lost
    return Text(f"Cancelled after {live.steps:,} iterations: not stored{kept}", style="yellow")


def _ended_text(live: LiveRun) -> Text:
    """A run that ended (completed, stopped or evaluated only): its test accuracy and where it was kept."""
    saved = f" · kept as run #{live.history_id}" if live.history_id is not None else ""
    if live.history_error:
        saved = " · ✗ not stored (see below)"
    ended = (
        "Evaluated"
        if live.evaluating_only
        else f"Stopped after {live.steps:,} iterations"
        if live.done == "stopped"
        else f"Done in {clock(live.seconds)}"
    )
    if live.eval_rows:
        mine, bench = live.row("your") or live.eval_rows[0], live.row("bench")
        vs = f" vs benchmark {100 * bench.test_acc:.2f}%" if bench else ""
        return Text(f"✓ {ended} · test {100 * mine.test_acc:.2f}%{vs}{saved}", style="bold green")
    if live.done in ("stopped", "completed") and live.steps and not live.evaluating_only:
        return Text(f"✓ {ended} · evaluation skipped{saved}", style="bold green")
    if live.done == "stopped" and not live.evaluating_only:
        return Text("Stopped before the first iteration: nothing was trained.", style="yellow")
    return Text(f"Run ended ({live.done}){saved}", style="yellow")


def notice_text(live: LiveRun) -> str:
    """What went wrong beside the run itself, shown under the status until the next run ("" if nothing)."""
    if live.history_error:
        return f"✗ This run could not be stored: {live.history_error}"
    return ""


CUT_SHORT = {"stopped": "stopped", "cancelled": "cancelled", "left": "cancelled"}  # runs that end early


def cut_short(live: LiveRun) -> bool:
    """The run ended before its last iteration: the bar then shows the whole run, not the last epoch."""
    return live.started and live.done in CUT_SHORT and not live.evaluating_only


def progress_text(live: LiveRun) -> tuple[str, ...]:
    """The words beside the progress bar, from the fullest to the shortest (the line shows the first that fits)."""
    p = live.progress
    if cut_short(live):
        bpe = max(1, live.batches_per_epoch)
        epoch, epochs = max(0, live.steps - 1) // bpe + 1, max(1, live.total_steps // bpe)
        took = f" · {clock(live.seconds)}" if live.seconds else ""
        ended, at = CUT_SHORT[live.done or ""], f"{live.steps:,} of {live.total_steps:,}"
        return (
            f"{ended} at iteration {at} · epoch {epoch} of {epochs}{took}",
            f"{ended} at iteration {at}{took}",
            f"{ended} at {live.steps:,}/{live.total_steps:,}{took}",
            f"{ended} at {live.steps:,}/{live.total_steps:,}",
        )
    if live.done and live.started:
        return f"{live.steps:,} iterations · {clock(live.seconds)}", f"{live.steps:,} it · {clock(live.seconds)}"
    if p is None:
        return ("epoch –",)
    left = f"{clock(p.eta_s)} left"
    return (
        f"epoch {p.epoch}/{p.epochs} · {left} · {p.samples_per_s:,.0f} samples/s",
        f"epoch {p.epoch}/{p.epochs} · {left} · {p.samples_per_s:,.0f}/s",
        f"epoch {p.epoch}/{p.epochs} · {left}",
        f"{p.epoch}/{p.epochs} · {left}",
    )


def eval_cells(row: EvalRow, decimals: int = 3) -> dict[str, str]:
    """The final table's row of `row`, by column name ("–" for what is not known)."""

    def loss(v: float) -> str:
        return f"{v:.3f}" if math.isfinite(v) else "–"

    def acc(v: float) -> str:
        return f"{100 * v:.{decimals}f}%" if math.isfinite(v) else "–"

    name = "Benchmark†" if row.model.lower().startswith("benchmark") else row.model
    losses = {f"{k}\nloss": loss(getattr(row, f"{k}_loss")) for k in ("train", "val", "test")}
    return {"model": name, **losses, **{f"{k}\nacc": acc(getattr(row, f"{k}_acc")) for k in ("train", "val", "test")}}


def eval_layout(rows: tuple[EvalRow, ...], width: int) -> tuple[list[str], int]:
    """The columns of the final table that fit `width` cells, and the accuracies' decimals."""

    def need(names: list[str], cells: list[dict]) -> int:
        return sum(max([len(n.split("\n")[0])] + [len(c[n]) for c in cells]) + 2 for n in names)

    names = list(EVAL_COLUMNS)
    for decimals in (3, 2):
        cells = [eval_cells(r, decimals) for r in rows]
        names = list(EVAL_COLUMNS)
        for drop in (None, *EVAL_DROP):
            if drop is not None:
                names.remove(drop)
            if need(names, cells) <= width:
                return names, decimals
    return names, 2


def fitted_note(note: str, width: int) -> str:
    """The benchmark note, without its recipe in brackets when whole it would take more than two lines."""
    if width <= 0 or len(note) <= 2 * width:
        return note
    return re.sub(r" \([^)]*\)", "", note)


def log_line(text: str) -> Text:
    style = "dark_orange" if text.startswith("[VALID]") else "cyan" if text.startswith("[TRAIN]") else ""
    return Text(text, style=style)


class TrainView(Vertical):
    """Everything about the current run; `show(live, changed)` redraws what changed."""

    def __init__(self, live: LiveRun | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._live = LiveRun() if live is None else live  # shown when mounted: a kept run comes back whole
        self.smooth = True
        self.log_y = False  # the loss chart on a log axis (y)
        self.charts = "both"  # both | loss | acc
        self._logged = 0
        self._note = ""  # the benchmark note, whole (shown shorter in a narrow column)
        self._columns: tuple[list[str], int] = ([], 3)  # the final table's columns and decimals as shown
        self._drawn: dict[str | None, tuple] = {}  # what each chart's last picture was asked for (_draw_curves)

    def compose(self) -> ComposeResult:
        yield StatusLine("", id="status", markup=False)
        yield StatusLine("", id="notice", markup=False)
        yield StatusLine("", id="legend")
        yield Chart(id="loss-chart")
        yield Chart(id="acc-chart")
        with Horizontal(id="progress-row"):
            yield ProgressBar(total=1, show_eta=False, id="progress")
            yield FittedLine("epoch –", id="progress-text")
        with ContentSwitcher(initial="log"):
            yield RichLog(id="log", max_lines=1000, wrap=True, min_width=20, markup=False, highlight=False)
            with Vertical(id="results"):
                table: DataTable[str] = DataTable(
                    id="eval-table", cursor_type="none", zebra_stripes=True, header_height=2
                )
                yield table
                yield StatusLine("", id="bench-note", markup=False)

    def on_mount(self) -> None:
        self.reset(self._live)

    def reset(self, live: LiveRun) -> None:
        """Show `live` from scratch: a new run's empty charts, log and table, or a kept run's."""
        log = self.query_one("#log", RichLog).clear()
        log.auto_scroll = False  # the benchmark's line stays in view, whole: it is what to beat
        log.write(Text(f"{recipe_line(benchmark_info())} b loads it, or a shorter recipe.", style="dim"))
        log.write(Text("The course's [VALID] and [TRAIN] lines appear here every 200 batches.", style="dim"))
        self._logged = 0  # lines of live.log already written to the RichLog
        self.query_one("#eval-table", DataTable).clear()
        self._note = ""
        self.query_one("#bench-note", StatusLine).show("")
        self.query_one(ContentSwitcher).current = "log"
        self.query_one("#progress", ProgressBar).update(total=1, progress=0)
        self._live = live
        loss = self.query_one("#loss-chart", Chart)
        loss.log_y = self.log_y
        loss.draw(lambda plt: draw_live(plt, self._live, "loss", self.smooth, self.log_y))
        self.query_one("#acc-chart", Chart).draw(lambda plt: draw_live(plt, self._live, "acc", self.smooth))
        self.show(live, {"status", "progress", "curves", "log"} | ({"eval"} if live.eval_rows else set()))

    def show(self, live: LiveRun, changed: set[str], stopping: str = "") -> None:
        self._live = live
        self.query_one("#status", StatusLine).show(status_text(live, stopping))
        notice, text = self.query_one("#notice", StatusLine), notice_text(live)
        notice.show(text)
        if notice.display != bool(text):
            notice.display = bool(text)
        if "curves" in changed:
            self._legend()  # unchanged text costs nothing (StatusLine)
            self._draw_curves(live)
        if "progress" in changed:
            self._progress(live)
        if "log" in changed:
            self._log(live)
        if "eval" in changed:
            self._table(live)

    def _draw_curves(self, live: LiveRun, *, now: bool = False) -> None:
        """A new picture of each chart where the data moved it; `now`: the learner's key asked for one.

        Steps that add dots to the column the newest one is in change next to nothing on screen: a
        chart is rebuilt (a plotext build, ~5-10 ms at 200x60) when the run reaches another column of
        braille dots, a validation point or the run's end comes, and never more often than Chart.redraw
        allows. The last column's newest dots may wait for the next."""
        for chart in self.query(Chart):
            key = (
                id(live),
                2 * chart.size.width * live.steps // max(live.total_steps, live.steps, 2),  # the newest dot's column
                len(live.val_steps),
                live.total_steps,
                live.done,
                live.diverged_at,
                live.evaluating_only,
            )
            if now:
                chart.refresh()
            elif key != self._drawn.get(chart.id):
                chart.redraw()
            self._drawn[chart.id] = key

    def _progress(self, live: LiveRun) -> None:
        p, bar = live.progress, self.query_one("#progress", ProgressBar)
        if cut_short(live):
            bar.update(total=max(1, live.total_steps), progress=live.steps)
        elif p is not None:
            bar.update(total=max(1, p.batches), progress=p.batch)
        self.query_one("#progress-text", FittedLine).say(*progress_text(live))

    def _log(self, live: LiveRun) -> None:
        """The log lines not written yet (the first replaces the placeholder)."""
        log = self.query_one("#log", RichLog)
        if self._logged == 0 and live.log:
            log.clear()
            log.auto_scroll = True
        for line in live.log[self._logged :]:
            log.write(log_line(line))
        self._logged = len(live.log)

    def _legend(self) -> None:
        curves = Text.assemble(
            ("━ ", "cyan"),
            f"train{f' (EMA {SMOOTHING:.2g})' if self.smooth else ''}  ",
            *((("━ ", "grey50"), "raw  ") if self.smooth else ()),
            ("● ", "dark_orange"),
            "valid",
        )
        keys = Text.assemble(
            ("m", "bold"),
            " smooth · ",
            ("a", "bold"),
            " charts · ",
            ("l", "bold"),
            " log/table · ",
            ("y", "bold"),
            " linear" if self.log_y else " log y",  # what the key does; the chart's title says what is shown
        )
        # One line when both fit, else the keys on a line of their own: never cut.
        one_line = curves.cell_len + 5 + keys.cell_len <= self.size.width - 1 or not self.size.width
        self.query_one("#legend", StatusLine).show(Text.assemble(curves, "  ·  " if one_line else "\n", keys))

    def _table(self, live: LiveRun) -> None:
        table = self.query_one("#eval-table", DataTable)
        names, decimals = eval_layout(live.eval_rows, (self.size.width or 46) - 2)
        table.clear(columns=True)
        table.add_columns(*names)
        for r in live.eval_rows:
            cells = eval_cells(r, decimals)
            table.add_row(*(cells[n] for n in names))
        self._columns = (names, decimals)
        has_benchmark = any(r.model.lower().startswith("benchmark") for r in live.eval_rows)
        self._note = live.benchmark if has_benchmark else f"No benchmark row: {live.status}" if live.status else ""
        self._show_note()
        if live.eval_rows:
            self.query_one(ContentSwitcher).current = "results"

    def _show_note(self) -> None:
        note = fitted_note(self._note, self.size.width - 1)
        shown = f"{note} {EVAL_NOTE}".strip() if self._live.eval_rows and self._note else note
        self.query_one("#bench-note", StatusLine).show(shown)

    def toggle_smoothing(self) -> None:
        self.smooth = not self.smooth
        self._legend()
        self._draw_curves(self._live, now=True)

    def set_log_y(self, on: bool) -> None:
        """The loss chart on a log axis, or back on the linear one."""
        self.log_y = on
        chart = self.query_one("#loss-chart", Chart)
        chart.log_y = on
        chart.refresh()  # in this frame, not after the chart's interval (Chart.redraw)
        self._legend()

    def _tall(self) -> bool:
        return self.size.height >= SHORT_HEIGHT

    def cycle_charts(self) -> None:
        """Tall: both -> loss -> accuracy -> both; short (one chart fits): loss <-> accuracy."""
        options = ["both", "loss", "acc"] if self._tall() else ["loss", "acc"]
        current = self.charts if self.charts in options else "loss"
        self.charts = options[(options.index(current) + 1) % len(options)]
        self._layout_charts()

    def on_resize(self) -> None:
        self._layout_charts()
        self._legend()
        if self._live.eval_rows and eval_layout(self._live.eval_rows, self.size.width - 2) != self._columns:
            self._table(self._live)
        self._show_note()

    def _layout_charts(self) -> None:
        shown = self.charts if self._tall() or self.charts != "both" else "loss"
        self.query_one("#loss-chart", Chart).display = shown in ("both", "loss")
        self.query_one("#acc-chart", Chart).display = shown in ("both", "acc")

    def toggle_log(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "results" if switcher.current == "log" else "log"
