"""The Runs tab: every kept run in a table by validation accuracy, overlaid curves, delete and CSV export."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist

from ...charts.chart import Chart
from ...dialogs.confirm import ConfirmDialog
from ...dialogs.path import PathDialog
from .history_rows import (
    CELL_PADDING,
    HEADERS,
    columns_that_fit,
    detail_line,
    group_runs,
    row_cells,
    sweep_label,
    sweep_tag,
    unreadable_cell,
)
from .plots import RICH, RUN_COLOURS, draw_overlay, run_label

if TYPE_CHECKING:
    from engine.history import RunRecord


def history(path=None):
    """The engine's run history (imported here: only ever called from worker threads)."""
    from engine.history import RunHistory

    return RunHistory(path)


class RunsView(Vertical):
    """The runs table (cursor row = a run), the overlay of the marked runs, and the keys that act on them."""

    BINDINGS = [
        Binding("space", "mark", "mark"),
        Binding("a", "metric", "loss/acc"),
        Binding("y", "screen.log_y", "log y"),  # the screen's: the Train tab's loss chart follows
        Binding("d", "delete", "delete"),
        Binding("e", "export", "export CSV"),
        Binding("r", "reuse", "reuse settings"),
    ]

    class Loaded(Message):
        def __init__(self, records: list | None, error: str = "") -> None:
            super().__init__()
            self.records, self.error = records, error

    class Fetched(Message):
        def __init__(self, records: list) -> None:
            super().__init__()
            self.records = records

    class Reuse(Message):
        """The learner wants to train again with this run's settings."""

        def __init__(self, config: dict) -> None:
            super().__init__()
            self.config = config

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.records: list = []  # the rows, as listed (best validation accuracy first); a sweep is its best copy
        self.members: dict[int, list] = {}  # a sweep's row (its best copy's id) -> the sweep's runs
        self.full: dict[int, RunRecord] = {}  # run id -> record with its curves
        self.marked: list[int] = []  # in marking order, so colours stay put
        self.metric = "loss"
        self.log_y = False  # the loss overlay on a log axis (y)
        self.loaded = False
        self.notice = ""  # why the history could not be read, when it could not
        self._columns: list[str] = []  # those shown, as the width allows

    def compose(self) -> ComposeResult:
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True, cell_padding=CELL_PADDING)
        yield Chart(self._draw, id="runs-chart")
        yield Static("", id="runs-legend")

    # -- loading ------------------------------------------------------------------------
    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="runs-load", exit_on_error=False)
    def _load(self) -> None:
        from engine.history import HistoryError

        try:
            h = history()
            records = h.list()  # never raises for a damaged file: [] and a notice
        except (HistoryError, OSError) as exc:  # a folder that cannot be read: a message, not a crash
            self.post_message(self.Loaded(None, f"could not read the run history: {exc}"))
            return
        self.post_message(self.Loaded(records, " ".join(h.notices)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        message.stop()
        if message.records is None:
            self.app.notify(message.error, severity="error")
            return
        if message.error:  # read, but something is wrong with the file: say so where the runs would be
            self.app.notify(message.error, title="Run history", severity="error", timeout=15)
        self.notice = message.error
        self.loaded = True
        self.records, self.members = group_runs(message.records)
        ids = {r.id for r in message.records}
        self.marked = [i for i in self.marked if i in {r.id for r in self.records}]
        self.full = {i: r for i, r in self.full.items() if i in ids}
        for r in message.records:
            if r.train_loss:  # list() may already carry the curves
                self.full[r.id] = r
        self._fill_table()
        if not self.records:
            self.query_one("#runs-legend", Static).update(
                self.notice or "No runs yet: train on the Train tab; every finished or stopped run is kept here."
            )
        self._need_curves()

    def _fill_table(self) -> None:
        """(Re)build the table with the columns that fit its width; the cursor stays on its run."""
        table = self.query_one("#runs-table", DataTable)
        current = self.current_id()
        rows = self._rows()
        names = columns_that_fit(rows, self.size.width or self.app.size.width)
        table.clear(columns=True)
        for name in names:
            table.add_column(HEADERS.get(name, name), key=name, width=1 if name == "mark" else None)
        for r, cells in zip(self.records, rows):
            table.add_row(*(cells[n] for n in names), key=str(r.id))
        self._columns = names
        if current is not None and current in {r.id for r in self.records}:
            table.move_cursor(row=table.get_row_index(str(current)))

    def on_resize(self) -> None:
        if not self.loaded:
            return
        rows = self._rows()
        if columns_that_fit(rows, self.size.width) != self._columns:
            self._fill_table()

    def _rows(self) -> list[dict]:
        return [row_cells(r, r.id in self.marked, self._colour(r.id), self.members.get(r.id)) for r in self.records]

    def current_id(self) -> int | None:
        table = self.query_one("#runs-table", DataTable)
        if not self.records or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return int(key) if key is not None else None

    def shown_ids(self) -> list[int]:
        """The marked runs, or the cursor's run when fewer than one is marked."""
        if self.marked:
            return list(self.marked)
        current = self.current_id()
        return [current] if current is not None else []

    def _colour(self, run_id: int) -> str | None:
        """The Rich colour of a marked run (the same as its plotext curve; a sweep's first copy's), None if unmarked."""
        if run_id not in self.marked:
            return None
        before = sum(len(self._copies(i)) for i in self.marked[: self.marked.index(run_id)])
        colour = RUN_COLOURS[before % len(RUN_COLOURS)]
        return RICH.get(colour, colour)

    def _copies(self, run_id: int) -> list[int]:
        """The runs a row stands for: a sweep's copies, or the run itself."""
        return [r.id for r in self.members[run_id]] if run_id in self.members else [run_id]

    def drawn_ids(self) -> list[int]:
        """The runs the overlay draws, in its colour order: the shown rows, each sweep expanded to its copies."""
        return [c for i in self.shown_ids() for c in self._copies(i)]

    def _need_curves(self) -> None:
        missing = [i for i in self.drawn_ids() if i not in self.full]
        if missing:
            self._fetch(missing)
        self._redraw()

    @work(thread=True, group="runs-fetch", exit_on_error=False)
    def _fetch(self, ids: list[int]) -> None:
        from engine.history import HistoryError

        h = history()
        records = []
        for i in ids:
            # deleted meanwhile (KeyError): gone at the next reload; the file unreadable now: its curves stay undrawn
            with contextlib.suppress(KeyError, HistoryError):
                records.append(h.get(i))
        self.post_message(self.Fetched(records))

    @on(Fetched)
    def _fetched(self, message: Fetched) -> None:
        message.stop()
        self.full.update({r.id: r for r in message.records})
        table = self.query_one("#runs-table", DataTable)
        for r in message.records:  # curves found unreadable only now: the row says so from now on
            if not r.readable and r.id in {x.id for x in self.records}:
                self.records = [r if x.id == r.id else x for x in self.records]
                with contextlib.suppress(CellDoesNotExist):  # the row went away meanwhile
                    if "optimizer" in self._columns:
                        table.update_cell(str(r.id), "optimizer", unreadable_cell(r), update_width=True)
        self._redraw()

    # -- drawing ------------------------------------------------------------------------
    def _draw(self, plt) -> None:
        records = [self.full[i] for i in self.drawn_ids() if i in self.full and self.full[i].readable]
        draw_overlay(plt, records, self.metric, self.log_y and self.metric == "loss")

    def set_log_y(self, on: bool) -> None:
        """The loss overlay on a log axis, or back on the linear one (accuracy stays linear)."""
        self.log_y = on
        self._redraw()

    def _redraw(self) -> None:
        chart = self.query_one("#runs-chart", Chart)
        chart.log_y = self.log_y and self.metric == "loss"
        chart.refresh()
        if not self.records:
            return
        parts: list = []
        if self.marked:
            for i in self.marked:
                rec = self.full.get(i) or next((r for r in self.records if r.id == i), None)
                if rec is not None:
                    parts += [("■ ", self._colour(i)), self._label(rec) + "  "]
        else:
            rec = next((r for r in self.records if r.id == self.current_id()), None)
            if rec is not None and not rec.readable:
                parts += [(f"run #{rec.id} is unreadable: {rec.problem}", "bold"), ("  (d deletes it)", "dim")]
            elif rec is not None:
                what = "its copies drawn in turn" if rec.id in self.members else "highlighted"
                parts += [
                    ("■ ", RICH.get(RUN_COLOURS[0], RUN_COLOURS[0])),
                    f"{self._label(rec)} · {detail_line(rec)}",
                    (f"  ({what}; space marks runs to compare)", "dim"),
                ]
        self.query_one("#runs-legend", Static).update(Text.assemble(*parts))

    def _label(self, rec) -> str:
        """How the legend names a row: the run, or the sweep and its best copy."""
        if rec.id not in self.members:
            return run_label(rec)
        best = sweep_tag(rec).get("label", "")
        acc = rec.final.get("val_acc") if rec.final else None
        shown = f": {100 * acc:.2f}% val" if isinstance(acc, (int, float)) else ""
        return f"{sweep_label(rec, len(self.members[rec.id]))} (best {best}{shown})"

    @on(DataTable.RowHighlighted, "#runs-table")
    def _highlighted(self) -> None:
        if not self.marked:
            self._need_curves()

    # -- actions ------------------------------------------------------------------------
    def action_mark(self) -> None:
        run_id = self.current_id()
        if run_id is None:
            return
        if run_id in self.marked:
            self.marked.remove(run_id)
        else:
            self.marked.append(run_id)
        table = self.query_one("#runs-table", DataTable)
        for i in [r.id for r in self.records]:  # colours follow marking order: refresh every mark cell
            table.update_cell(str(i), "mark", Text("●", style=self._colour(i) or "") if i in self.marked else "")
        self._need_curves()

    def action_metric(self) -> None:
        self.metric = "acc" if self.metric == "loss" else "loss"
        self._redraw()

    def action_reuse(self) -> None:
        run_id = self.current_id()
        rec = next((r for r in self.records if r.id == run_id), None)
        if rec is not None and not rec.readable:
            self.app.notify(f"run #{rec.id}'s settings are unreadable ({rec.problem})", severity="warning")
        elif rec is not None:
            config = dict(rec.config)
            config.pop("sweep", None)  # a sweep's row: its best copy's settings
            self.post_message(self.Reuse(config))

    def action_delete(self) -> None:
        run_id = self.current_id()
        rec = next((r for r in self.records if r.id == run_id), None)
        if rec is None or run_id is None:
            return

        ids = self._copies(run_id)

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(ids)

        if run_id in self.members:
            question = f"Delete the {sweep_label(rec, len(ids))}: all its {len(ids)} runs? Their curves are lost."
        else:
            question = f"Delete run {run_label(rec)} ({rec.status})? Its curves are lost."
        self.app.push_screen(ConfirmDialog(question, "Delete"), answered)

    @work(thread=True, group="runs-edit", exit_on_error=False)
    def _delete(self, run_ids: list[int]) -> None:
        from engine.history import HistoryError

        try:
            h = history()
            h.delete_all(run_ids)
            records = h.list()
        except (HistoryError, OSError) as exc:
            self.post_message(self.Loaded(None, f"could not delete run #{run_ids[0]}: {exc}"))
            return
        self.post_message(self.Loaded(records))

    def action_export(self) -> None:
        run_id = self.current_id()
        if run_id is None:
            return
        from engine.paths import data_dir  # torch-free

        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)

        ids = self._copies(run_id)

        def chosen(result: tuple[Path, bool] | None) -> None:
            if result is not None:
                self._export(ids, result[0])

        if run_id in self.members:
            title, name = f"Export the sweep's {len(ids)} runs to one CSV", f"sweep-{run_id}.csv"
            columns = "run, copy, the swept settings, step, train_loss, train_acc, val_loss, val_acc"
        else:
            title, name = f"Export run #{run_id}'s curves to CSV", f"run-{run_id}.csv"
            columns = "step, train_loss, train_acc, val_loss, val_acc"
        self.app.push_screen(PathDialog(title, str(folder / name), help=f"columns: {columns}"), chosen)

    @work(thread=True, group="runs-edit", exit_on_error=False)
    def _export(self, run_ids: list[int], path: Path) -> None:
        from engine.history import HistoryError

        try:
            written = history().export_group_csv(run_ids, path)
        except (HistoryError, KeyError, ValueError, OSError) as exc:  # unreadable, gone, or not writable there
            self.app.call_from_thread(self.app.notify, f"export failed: {exc}", severity="error")
            return
        self.app.call_from_thread(self.app.notify, f"wrote {written}", title="Exported")
