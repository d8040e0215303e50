"""The Runs tab's rows: a run's cells, the columns that fit, and a sweep's copies shown as one row."""

from __future__ import annotations

import math

from rich.text import Text

from engine.contracts.sweep import SWEEPABLE, value_text

from .train import clock

COLUMNS = (
    "mark",
    "date",
    "optimizer",
    "lr",
    "batch",
    "ep",
    "hidden",
    "status",
    "val acc",
    "test acc",
    "device",
    "time",
)
HEADERS = {"mark": ""}  # a column's header is its name, except these
# Left out of a table too narrow for every column, in this order: the legend names them for the highlighted run.
DROP_ORDER = ("date", "device", "time", "val acc")
CELL_PADDING = 1  # DataTable's, on each side of each cell
SCROLLBAR = 2  # columns kept free for the table's vertical scrollbar


UNREADABLE_WIDTH = 32  # the reason in the table is cut here; the legend shows it whole


def unreadable_cell(record) -> str:
    text = f"unreadable: {record.problem}"
    return text if len(text) <= UNREADABLE_WIDTH else text[: UNREADABLE_WIDTH - 1] + "…"


def run_date(record) -> str:
    return record.created[5:16].replace("T", " ")  # month-day hour:minute


def device_kind(device: str) -> str:
    """ "cpu: AMD EPYC (2 threads)" -> "cpu": the table's column; the legend gives the whole name."""
    return device.split(":", 1)[0].strip() or device


def _percent(final: dict, key: str) -> str:
    value = final.get(key) if final else None
    return f"{100 * value:.2f}%" if isinstance(value, (int, float)) and math.isfinite(value) else "–"


def row_cells(record, marked: bool, colour: str | None, copies: list | None = None) -> dict:
    """The row of `record`, by column name; with `copies` (a sweep's runs, `record` its best) the sweep's row."""
    cells: dict[str, Text | str] = dict.fromkeys(COLUMNS, "")
    cells["mark"] = Text("●", style=colour or "") if marked else ""
    cells.update(date=run_date(record), status=record.status, device=device_kind(record.device))
    if not record.readable:  # the engine said why; only what is safe to show, so the row can be deleted
        return cells | {"optimizer": unreadable_cell(record), "test acc": "–"}
    c = record.config
    cells |= {
        "optimizer": c.get("optimizer", "?"),
        "lr": f"{c.get('lr', 0):.3g}",
        "batch": str(c.get("batch_size", "?")),
        "ep": str(c.get("epochs", "?")),
        "hidden": "-".join(str(h) for h in c.get("hidden", ())) or "linear",
        "val acc": _percent(record.final, "val_acc"),
        "test acc": _percent(record.final, "test_acc"),
        "time": clock(record.seconds),
    }
    if copies:  # the swept settings' columns give their range; val acc is the best copy's
        for key in sweep_tag(record).get("axes", ()):
            column = {"lr": "lr", "batch_size": "batch"}.get(key)
            values = [v for r in copies for v in [sweep_tag(r).get("values", {}).get(key)] if v is not None]
            if column and values:
                cells[column] = f"{value_text(min(values))}…{value_text(max(values))}"
        cells["status"] = f"sweep ×{len(copies)}"
        cells["test acc"] = f"val {cells['val acc']}"  # never scored on the test set: its best validation figure
    return cells


def sweep_tag(record) -> dict:
    """What the sweep that made this run stored in its config (group, axes, values, label), or {}."""
    tag = record.config.get("sweep") if record.readable else None
    return tag if isinstance(tag, dict) and isinstance(tag.get("group"), str) else {}


def group_runs(records: list) -> tuple[list, dict[int, list]]:
    """The runs as the table shows them, in the engine's order: a sweep's copies become one row, where the first
    of them stood, shown by its best copy (best validation accuracy); and that copy's id -> the sweep's runs."""
    groups: dict[str, list] = {}
    for r in records:
        tag = sweep_tag(r)
        if tag:
            groups.setdefault(tag["group"], []).append(r)
    shown, members, placed = [], {}, set()
    for r in records:
        group = sweep_tag(r).get("group")
        if group is None:
            shown.append(r)
        elif group not in placed:
            placed.add(group)
            copies = sorted(groups[group], key=lambda x: sweep_tag(x).get("copy", 0))
            best = max(copies, key=lambda x: _val_acc(x))
            shown.append(best)
            members[best.id] = copies
    return shown, members


def _val_acc(record) -> float:
    value = record.final.get("val_acc") if record.final else None
    return value if isinstance(value, (int, float)) and math.isfinite(value) else -math.inf


def sweep_label(record, count: int) -> str:
    """ "sweep of lr ×8" for a sweep's row."""
    axes = [SWEEPABLE[k].label if k in SWEEPABLE else str(k) for k in sweep_tag(record).get("axes", ())]
    return f"sweep of {' and '.join(axes) or 'settings'} ×{count}"


def columns_that_fit(rows: list[dict], width: int) -> list[str]:
    """The columns to show in `width` cells: all of them, else without DROP_ORDER's first, and so on."""

    def need(names: list[str]) -> int:
        cells = lambda name: [len(str(HEADERS.get(name, name)))] + [Text(str(r[name])).cell_len for r in rows]
        return sum(max(cells(n)) + 2 * CELL_PADDING for n in names) + SCROLLBAR

    names = list(COLUMNS)
    for name in DROP_ORDER:
        if need(names) <= width:
            break
        names.remove(name)
    return names


def detail_line(record) -> str:
    """What the table may not have room for: when the run was made, on which device, how long it took."""
    took = f" · {clock(record.seconds)}" if record.readable else ""
    return f"{run_date(record)} · {record.device or 'device unknown'}{took}"
