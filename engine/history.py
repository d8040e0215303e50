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
from dataclasses import dataclass, field
from pathlib import Path

from . import paths

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
CURVES = ("train_loss", "train_acc", "val_steps", "val_loss", "val_acc")


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
    final: dict = field(default_factory=dict)  # {"train_loss", "test_loss", "train_acc", "test_acc"} or {}


def now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _json_safe(values) -> list:
    """JSON has no NaN/inf; a non-finite value (a diverged step) is stored as null."""
    return [v if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]


class RunHistory:
    """Runs in `path` (default engine.paths.data_dir() / "runs.sqlite3"), created on first use."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else paths.data_dir() / "runs.sqlite3"

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable up to the last checkpoint, never corrupt
            conn.execute(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ValueError(
                f"the run history {self.path} is not a readable database ({exc}); move it away to start a new one"
            ) from exc
        return conn

    def add(self, record: RunRecord) -> int:
        """Store a run in one transaction and return its id."""
        curves = {name: _json_safe(getattr(record, name)) for name in CURVES}
        final = {k: v for k, v in record.final.items() if isinstance(v, (int, float)) and math.isfinite(v)}
        conn = self._connect()
        try:
            with conn:  # one transaction: committed whole or rolled back whole
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
            return int(cur.lastrowid)
        finally:
            conn.close()

    def _record(self, row, with_curves: bool) -> RunRecord:
        run_id, created, config, device, seconds, status, final, curves = row
        data = json.loads(curves) if with_curves and curves else {}

        def curve(name, cast=float):
            return tuple(math.nan if v is None else cast(v) for v in data.get(name, ()))

        return RunRecord(
            id=run_id,
            created=created,
            config=json.loads(config),
            device=device,
            seconds=seconds,
            status=status,
            train_loss=curve("train_loss"),
            train_acc=curve("train_acc"),
            val_steps=curve("val_steps", int),
            val_loss=curve("val_loss"),
            val_acc=curve("val_acc"),
            final=json.loads(final),
        )

    def list(self, with_curves: bool = False) -> list[RunRecord]:
        """All runs, best test accuracy first (unevaluated last, newest first among equals); curves only if asked."""
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT id, created, config, device, seconds, status, final, "
                f"{'curves' if with_curves else 'NULL'} FROM runs "
                "ORDER BY test_acc IS NULL, test_acc DESC, id DESC"
            ).fetchall()
        finally:
            conn.close()
        return [self._record(r, with_curves) for r in rows]

    def get(self, run_id: int) -> RunRecord:
        """One run with its curves; KeyError if there is no such run."""
        conn = self._connect()
        try:
            row = conn.execute(
                "SELECT id, created, config, device, seconds, status, final, curves FROM runs WHERE id = ?",
                (int(run_id),),
            ).fetchone()
        finally:
            conn.close()
        if row is None:
            raise KeyError(f"no run {run_id} in the history")
        return self._record(row, True)

    def delete(self, run_id: int) -> None:
        conn = self._connect()
        try:
            with conn:
                conn.execute("DELETE FROM runs WHERE id = ?", (int(run_id),))
        finally:
            conn.close()

    def export_csv(self, run_id: int, path: str | os.PathLike) -> Path:
        """Write step,train_loss,train_acc,val_loss,val_acc (val columns empty except at validation steps)."""
        rec = self.get(run_id)
        path = Path(path).expanduser()
        val = {s: (loss, a) for s, loss, a in zip(rec.val_steps, rec.val_loss, rec.val_acc)}
        n = max(len(rec.train_loss), max(rec.val_steps, default=0))

        def cell(v):
            return "" if v is None or (isinstance(v, float) and math.isnan(v)) else repr(float(v))

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["step", "train_loss", "train_acc", "val_loss", "val_acc"])
                for step in range(1, n + 1):
                    tl = rec.train_loss[step - 1] if step <= len(rec.train_loss) else None
                    ta = rec.train_acc[step - 1] if step <= len(rec.train_acc) else None
                    vl, va = val.get(step, (None, None))
                    w.writerow([step, cell(tl), cell(ta), cell(vl), cell(va)])
        except OSError as exc:
            raise ValueError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return path
