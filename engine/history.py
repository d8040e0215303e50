"""The learner's run history: every finished or stopped training run, kept in one SQLite file.

Each run is one row written by a single INSERT inside one transaction (curves stored as JSON in
the same row), and the database uses write-ahead logging: a crash or kill mid-write leaves the
earlier runs intact and never a half-written run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import paths
from .history_rows import (
    CURVES,
    Curves,
    check_config,
    check_final,
    json_object,
    number_column,
    read_curves,
    text_column,
)
from .typed_paths import writable_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    config TEXT NOT NULL,
    device TEXT NOT NULL,
    seconds REAL NOT NULL,
    status TEXT NOT NULL,
    test_acc REAL,
    final TEXT NOT NULL,
    curves TEXT NOT NULL
)
"""

# What the Runs tab ranks by: the validation accuracy in `final` when it is a number (json_type refuses damaged
# JSON, hence json_valid first), else the test accuracy column (runs kept before the Bonus validated its runs).
RANK = (
    "coalesce(CASE WHEN json_valid(final) AND json_type(final, '$.val_acc') IN ('real', 'integer')"
    " THEN json_extract(final, '$.val_acc') END, test_acc)"
)


class HistoryError(RuntimeError):
    """The run history cannot be opened or written; the message names the file and what to do."""


@dataclass(frozen=True)
class RunRecord:
    """One training run: its settings, per-step curves, final table row (acc 0..1) and how it ended."""

    id: int | None = None
    created: str = ""  # ISO 8601, local time
    config: dict = field(default_factory=dict)
    device: str = ""
    seconds: float = 0.0
    status: str = "completed"  # "completed" | "stopped" | "diverged"
    train_loss: tuple[float, ...] = ()
    train_acc: tuple[float, ...] = ()
    val_steps: tuple[int, ...] = ()
    val_loss: tuple[float, ...] = ()
    val_acc: tuple[float, ...] = ()
    final: dict = field(default_factory=dict)  # train/val/test loss and acc (engine.training.FINAL), or {}
    problem: str = ""  # why the stored row cannot be read ("" when it can); such a run can still be deleted

    @property
    def readable(self) -> bool:
        return not self.problem


def now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _json_safe(values) -> list:
    """JSON has no NaN/inf; a non-finite value (a diverged step) is stored as null."""
    return [v if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]


def _sweep_tag(rec: RunRecord) -> dict:
    tag = rec.config.get("sweep")
    return tag if isinstance(tag, dict) else {}


def _cell(v) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else repr(float(v))


def _curve_rows(rec: RunRecord) -> list[list]:
    """[step, train_loss, train_acc, val_loss, val_acc] per step (val cells empty except at validation steps)."""
    val = {s: (loss, a) for s, loss, a in zip(rec.val_steps, rec.val_loss, rec.val_acc)}
    n = max(len(rec.train_loss), max(rec.val_steps, default=0))
    rows = []
    for step in range(1, n + 1):
        tl = rec.train_loss[step - 1] if step <= len(rec.train_loss) else None
        ta = rec.train_acc[step - 1] if step <= len(rec.train_acc) else None
        vl, va = val.get(step, (None, None))
        rows.append([step, _cell(tl), _cell(ta), _cell(vl), _cell(va)])
    return rows


class RunHistory:
    """Runs in `path` (default engine.paths.data_dir() / "runs.sqlite3"), created on first use.

    `notices` collects, for the learner, why a read found nothing (the file is damaged, locked...).
    """

    def __init__(self, path: str | os.PathLike | None = None, timeout: float = 10.0):
        self.path = Path(path) if path is not None else paths.data_dir() / "runs.sqlite3"
        self.timeout = timeout  # seconds to wait for another writer (another instance on the same folder)
        self.notices: list[str] = []

    # -- opening --------------------------------------------------------------------------
    def _explain(self, exc: Exception) -> str:
        """What went wrong with the file, and the fix, for a learner."""
        where = f"The run history file {self.path}"
        if isinstance(exc, OSError):
            return (
                f"{where} cannot be created: its folder {self.path.parent} cannot be made ({exc.strerror or exc}; "
                "a file may be in the way). Move that file, or set OPTCOURSE_HOME to a folder you can write."
            )
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return (
                f"{where} is locked by another program (another optcourse-tui storing a run?). "
                "Wait for it or close it, then try again."
            )
        if "readonly" in text or "read-only" in text:
            return f"{where} is read-only: new runs cannot be kept. Make it writable (chmod u+w {self.path})."
        if "unable to open" in text:
            return (
                f"{where} cannot be opened ({exc}). Check that {self.path.parent} is a folder you can write, "
                "or set OPTCOURSE_HOME to another folder."
            )
        return (
            f"{where} is damaged or not this app's file ({exc}). "
            f"To start a new history, move it away (e.g. rename it to {self.path.name}.bad)."
        )

    def _connect(self) -> sqlite3.Connection:
        """A connection with the schema in place; HistoryError (naming the file and the fix) when impossible."""
        conn = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable up to the last checkpoint, never corrupt
            conn.execute(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                conn.close()
            raise HistoryError(self._explain(exc)) from exc
        return conn

    def _read_connection(self) -> sqlite3.Connection | None:
        """For reading: the usual connection; a read-only one when only that can be had; else None + notice."""
        if not self.path.exists():  # nothing stored yet (and nothing to create just to read)...
            existing = next(p for p in self.path.parents if p.exists())
            if not existing.is_dir():  # ...but say so now if no run could ever be stored there
                self.notices.append(self._explain(NotADirectoryError(20, "Not a directory", str(existing))))
            return None
        try:
            return self._connect()
        except HistoryError as exc:
            if "read-only" in str(exc):
                try:
                    conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.timeout)
                    conn.execute("SELECT 1 FROM runs LIMIT 1")
                    self.notices.append(str(exc))
                    return conn
                except sqlite3.Error:
                    pass
            self.notices.append(str(exc))
            return None

    def _rows(self, sql: str, args: tuple = ()) -> list:
        """Rows for a query, [] plus a notice when the file cannot be read."""
        conn = self._read_connection()
        if conn is None:
            return []
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            self.notices.append(self._explain(exc))
            return []
        finally:
            conn.close()

    # -- writing ---------------------------------------------------------------------------
    def add(self, record: RunRecord) -> int:
        """Store a run in one transaction and return its id (HistoryError if the file cannot take it)."""
        return self.add_all([record])[0]

    def add_all(self, records: Sequence[RunRecord]) -> list[int]:
        """Store runs in one transaction (a sweep's copies: all of them or none) and return their ids."""
        conn = self._connect()
        try:
            ids = []
            with conn:  # one transaction: committed whole or rolled back whole
                for record in records:
                    curves = {name: _json_safe(getattr(record, name)) for name in CURVES}
                    final = {k: v for k, v in record.final.items() if isinstance(v, (int, float)) and math.isfinite(v)}
                    cur = conn.execute(
                        "INSERT INTO runs (created, config, device, seconds, status, test_acc, final, curves)"
                        " VALUES (?,?,?,?,?,?,?,?)",
                        (
                            record.created or now_iso(),
                            json.dumps(record.config),
                            record.device,
                            float(record.seconds),
                            record.status,
                            final.get("test_acc"),
                            json.dumps(final),
                            json.dumps(curves),
                        ),
                    )
                    assert cur.lastrowid is not None, "an INSERT always sets lastrowid"
                    ids.append(int(cur.lastrowid))
            return ids
        except sqlite3.Error as exc:
            raise HistoryError(self._explain(exc)) from exc
        finally:
            conn.close()

    def delete(self, run_id: int) -> None:
        self.delete_all([run_id])

    def delete_all(self, run_ids: Sequence[int]) -> None:
        """Delete runs in one transaction (a sweep's copies: all of them or none)."""
        conn = self._connect()
        try:
            with conn:
                conn.executemany("DELETE FROM runs WHERE id = ?", [(int(i),) for i in run_ids])
        except sqlite3.Error as exc:
            raise HistoryError(self._explain(exc)) from exc
        finally:
            conn.close()

    # -- reading ---------------------------------------------------------------------------
    @staticmethod
    def _record(row, with_curves: bool) -> RunRecord:
        """A record from a row; whatever cannot be used is left empty and named in `problem`."""
        run_id, created, config, device, seconds, status, final, curves = row
        problems: list[str] = []
        if not with_curves and curves == 0:  # json_valid() of the curves column, from list()
            problems.append("curves are not valid JSON")
        record = RunRecord(
            id=run_id,
            created=text_column(created, "created", problems),
            config=check_config(json_object(config, "config", problems), problems),
            device=text_column(device, "device", problems),
            seconds=number_column(seconds, "seconds", problems),
            status=text_column(status, "status", problems, "?"),
            final=check_final(json_object(final, "final", problems), problems),
            **(read_curves(curves, problems) if with_curves else Curves()),
        )
        return replace(record, problem="; ".join(problems)) if problems else record

    def list(self, with_curves: bool = False) -> list[RunRecord]:
        """All runs, best validation accuracy first (the course chooses on validation; a run kept before runs
        were validated by its test accuracy; unevaluated last, newest first among equals); curves only if asked.

        Never raises: a damaged file gives [] and a notice in `self.notices`.
        """
        rows = self._rows(
            "SELECT id, created, config, device, seconds, status, final, "
            f"{'curves' if with_curves else 'json_valid(curves)'} FROM runs "
            f"ORDER BY {RANK} IS NULL, {RANK} DESC, id DESC"
        )
        return [self._record(r, with_curves) for r in rows]

    def get(self, run_id: int) -> RunRecord:
        """One run with its curves; KeyError if there is no such run, HistoryError if the file cannot be read."""
        conn = self._connect()
        try:
            row = conn.execute(
                "SELECT id, created, config, device, seconds, status, final, curves FROM runs WHERE id = ?",
                (int(run_id),),
            ).fetchone()
        except sqlite3.Error as exc:
            raise HistoryError(self._explain(exc)) from exc
        finally:
            conn.close()
        if row is None:
            raise KeyError(f"no run {run_id} in the history")
        return self._record(row, True)

    def export_csv(self, run_id: int, path: str | os.PathLike) -> Path:
        """Write step,train_loss,train_acc,val_loss,val_acc (val columns empty except at validation steps)."""
        return self.export_group_csv([run_id], path)

    def export_group_csv(self, run_ids: Sequence[int], path: str | os.PathLike) -> Path:
        """One run's curves as export_csv; several (a sweep's copies) in one file, each row led by its run's
        id and, for a sweep's copy, its label and swept values: run,copy,<swept settings>,step,train_loss,..."""
        records = [self.get(i) for i in run_ids]
        for rec in records:
            if "curves" in rec.problem:
                raise HistoryError(f"run #{rec.id} cannot be exported: its curves are unreadable ({rec.problem})")
        swept: list[str] = []
        for rec in records:
            swept += [k for k in (_sweep_tag(rec).get("values") or {}) if k not in swept]
        lead = ["run", "copy", *swept] if len(records) > 1 else []
        path = writable_file(path, make_folder=True)  # PathError (a ValueError): said, nothing written
        try:
            with path.open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow([*lead, "step", "train_loss", "train_acc", "val_loss", "val_acc"])
                for rec in records:
                    tag = _sweep_tag(rec)
                    values = tag.get("values") or {}
                    first = [rec.id, tag.get("label", ""), *(values.get(k, "") for k in swept)] if lead else []
                    for row in _curve_rows(rec):
                        w.writerow(first + row)
        except OSError as exc:
            raise ValueError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return path
