"""The run history: write, list, read, delete, export, and no corruption when a write is interrupted."""

from __future__ import annotations

import csv
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.history import RunHistory, RunRecord

ROOT = Path(__file__).resolve().parents[2]


def record(test_acc: float | None, steps: int = 5, **kw) -> RunRecord:
    final = {} if test_acc is None else {"train_loss": 0.3, "test_loss": 0.4, "train_acc": 0.9, "test_acc": test_acc}
    base = dict(
        id=None,
        created="2026-01-01T10:00:00+00:00",
        config={"optimizer": "Adam", "lr": 1e-3, "hidden": [200, 100, 50]},
        device="cpu: 2 threads",
        seconds=12.5,
        status="completed",
        train_loss=tuple(2.0 / (i + 1) for i in range(steps)),
        train_acc=tuple(i / steps for i in range(steps)),
        val_steps=(2, 4),
        val_loss=(1.1, 0.6),
        val_acc=(0.7, 0.8),
        final=final,
    )
    return RunRecord(**{**base, **kw})


def test_default_path_is_in_the_data_dir(fresh_home):
    assert RunHistory().path == fresh_home / "runs.sqlite3"


def test_add_get_list_delete(tmp_path):
    h = RunHistory(tmp_path / "runs.sqlite3")
    assert h.list() == []
    a = h.add(record(0.91))
    b = h.add(record(0.97))
    c = h.add(record(None, status="stopped"))
    got = h.get(a)
    assert got.id == a and got.config["hidden"] == [200, 100, 50] and got.final["test_acc"] == 0.91
    assert got.train_loss == record(0.91).train_loss and got.val_steps == (2, 4) and got.seconds == 12.5
    assert [r.id for r in h.list()] == [b, a, c]  # best test accuracy first, unevaluated last
    assert h.list()[0].train_loss == ()  # curves only when asked
    assert h.list(with_curves=True)[0].train_loss == record(0.97).train_loss
    h.delete(b)
    assert [r.id for r in h.list()] == [a, c]
    with pytest.raises(KeyError):
        h.get(b)


def test_non_finite_values_are_stored_as_missing(tmp_path):
    h = RunHistory(tmp_path / "runs.sqlite3")
    rid = h.add(
        RunRecord(train_loss=(1.0, math.nan), train_acc=(0.5, 0.5), final={"test_acc": math.nan}, status="diverged")
    )
    got = h.get(rid)
    assert got.train_loss[0] == 1.0 and math.isnan(got.train_loss[1]) and got.final == {}


def test_export_csv(tmp_path):
    h = RunHistory(tmp_path / "runs.sqlite3")
    rid = h.add(record(0.9))
    out = h.export_csv(rid, tmp_path / "out" / "run.csv")
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["step", "train_loss", "train_acc", "val_loss", "val_acc"]
    assert len(rows) == 6 and rows[1] == ["1", "2.0", "0.0", "", ""]
    assert rows[2] == ["2", "1.0", "0.2", "1.1", "0.7"] and rows[4][3:] == ["0.6", "0.8"]
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ValueError, match="cannot write"):
        h.export_csv(rid, tmp_path / "a_file" / "run.csv")  # a file where a folder should be


def test_an_exception_inside_the_transaction_rolls_back(tmp_path):
    h = RunHistory(tmp_path / "runs.sqlite3")
    first = h.add(record(0.9))

    class Boom(Exception):
        pass

    conn = h._connect()  # the same connection set-up add() uses; fail after the INSERT, before commit
    with pytest.raises(Boom), conn:
        conn.execute(
            "INSERT INTO runs (created, config, device, seconds, status, test_acc, final, curves) "
            "VALUES ('x', '{}', 'cpu', 1, 'completed', 0.99, '{}', '{}')"
        )
        raise Boom()
    conn.close()
    assert [r.id for r in h.list()] == [first]
    assert h.get(first).final["test_acc"] == 0.9


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from engine.history import RunHistory, RunRecord
    h = RunHistory({path!r})
    if sys.argv[1] == "mid-transaction":
        conn = h._connect()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO runs (created, config, device, seconds, status, test_acc, final, curves) "
                     "VALUES ('x', '{{}}', 'cpu', 1, 'completed', 0.99, '{{}}', ?)", ("[" + "1.0," * 200000 + "1.0]",))
        os.kill(os.getpid(), signal.SIGKILL)  # killed with the transaction open
    else:
        print("ready", flush=True)
        big = tuple(float(i) for i in range(20000))
        while True:
            h.add(RunRecord(config={{"n": 1}}, train_loss=big, train_acc=big, final={{"test_acc": 0.5}}))
    """
)


def _child(tmp_path, db, mode):
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT), path=str(db)))
    return subprocess.Popen([sys.executable, str(script), mode], stdout=subprocess.PIPE, text=True)


def _check_intact(db, earlier: dict[int, RunRecord]):
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    h = RunHistory(db)
    for rid, rec in earlier.items():
        assert h.get(rid).train_loss == rec.train_loss
    for r in h.list(with_curves=True):  # every stored run is whole
        assert len(r.train_loss) == len(r.train_acc)


def test_a_process_killed_mid_transaction_leaves_the_history_intact(tmp_path):
    db = tmp_path / "runs.sqlite3"
    h = RunHistory(db)
    earlier = {h.add(record(0.9)): record(0.9), h.add(record(0.8)): record(0.8)}
    proc = _child(tmp_path, db, "mid-transaction")
    assert proc.wait(timeout=60) == -signal.SIGKILL
    _check_intact(db, earlier)
    assert sorted(r.id for r in h.list()) == sorted(earlier)  # the uncommitted run is not there
    h.add(record(0.7))  # and the database still takes new runs
    assert len(h.list()) == 3


def test_a_process_killed_while_writing_runs_leaves_the_history_intact(tmp_path):
    db = tmp_path / "runs.sqlite3"
    h = RunHistory(db)
    earlier = {h.add(record(0.9)): record(0.9)}
    proc = _child(tmp_path, db, "loop")
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)  # some runs committed, one probably half-written
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    _check_intact(db, earlier)
