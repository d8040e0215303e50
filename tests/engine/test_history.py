"""The run history: write, list, read, delete, export, and no corruption when a write is interrupted."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.history import HistoryError, RunHistory, RunRecord

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


def test_runs_rank_by_validation_not_test_accuracy(tmp_path):
    """Issue 21: the Runs tab ranked by test accuracy, i.e. chose on the test set; it ranks by validation now
    (a sweep's copies, never scored on test, rank among the runs), an older run without one by its test score."""
    h = RunHistory(tmp_path / "runs.sqlite3")
    final = lambda val, test: {"val_acc": val, "test_acc": test}
    better_test = h.add(record(0.99, final=final(0.95, 0.99)))
    better_val = h.add(record(0.97, final=final(0.98, 0.97)))
    copy = h.add(record(None, final={"val_acc": 0.96}))
    older = h.add(record(0.955))  # kept before runs were validated: its test accuracy
    odd = h.add(record(0.5, final={"val_acc": "high", "test_acc": 0.5}))  # not a number: by its test score
    none = h.add(record(None, status="stopped"))
    assert [r.id for r in h.list()] == [better_val, copy, older, better_test, odd, none]
    with sqlite3.connect(h.path) as conn:  # a damaged final: still listed, by its test accuracy column
        conn.execute("UPDATE runs SET final = '{not json' WHERE id = ?", (copy,))
    assert [r.id for r in h.list()] == [better_val, older, better_test, odd, none, copy]  # newest first


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
    with pytest.raises(ValueError, match="a_file is not a folder"):
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
    else:  # three runs stored, then killed from inside SQLite while it executes the fourth one's INSERT
        big = tuple(float(i) for i in range(20000))
        connect = h._connect
        added = []

        calls = [0]
        counted = []  # SQLite's progress callbacks (one per VM instruction) in one whole add()

        def count():
            calls[0] += 1
            if len(added) == 3 and calls[0] >= counted[0] - 1:  # the last instruction but one: mid-write
                os.kill(os.getpid(), signal.SIGKILL)

        def connect_and_maybe_die():
            conn = connect()
            calls[0] = 0
            conn.set_progress_handler(count, 1)
            return conn

        h._connect = connect_and_maybe_die
        while True:
            added.append(h.add(RunRecord(config={{"n": 1}}, train_loss=big, train_acc=big, final={{"test_acc": 0.5}})))
            if not counted:
                counted.append(calls[0])
                print("instructions", calls[0], flush=True)
            print(added[-1], flush=True)
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
    instructions = int(proc.stdout.readline().split()[1])
    assert instructions > 5  # an add() runs that many VM instructions: the kill lands inside its write
    stored = [int(line) for line in proc.stdout]  # the ids the child saw committed before it died
    assert proc.wait(timeout=60) == -signal.SIGKILL and len(stored) == 3
    _check_intact(db, earlier)
    assert sorted(r.id for r in RunHistory(db).list()) == sorted([*earlier, *stored])  # the fourth is not there


# -- damaged rows and damaged databases ---------------------------------------------------
def _raw_row(db, **columns):
    """Insert a row as a damaged file might hold it, bypassing add()."""
    row = dict(
        created="2026-01-02T10:00:00+00:00",
        config=json.dumps({"optimizer": "SGD", "lr": 0.1, "hidden": [10]}),
        device="cpu",
        seconds=1.0,
        status="completed",
        test_acc=0.5,
        final=json.dumps({"test_acc": 0.5}),
        curves=json.dumps({"train_loss": [1.0, 0.5], "train_acc": [0.1, 0.2]}),
    )
    row.update(columns)
    RunHistory(db)._connect().close()  # the table, as the app creates it
    conn = sqlite3.connect(db)
    with conn:
        cur = conn.execute(
            f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
        )
    conn.close()
    return cur.lastrowid


BAD_ROWS = {
    "config null": (dict(config="null"), "config is null, not an object"),
    "lr a string": (dict(config=json.dumps({"lr": "x"})), "lr is 'x', not a number"),
    "hidden a number": (dict(config=json.dumps({"hidden": 5})), "hidden is 5, not a list of layer sizes"),
    "hidden with text": (dict(config=json.dumps({"hidden": [10, "a"]})), "hidden is [10, 'a']"),
    "batch a float": (dict(config=json.dumps({"batch_size": 6.5})), "batch_size is 6.5, not a whole number"),
    "config not JSON": (dict(config="{oops"), "config is not valid JSON"),
    "final a list": (dict(final="[1]"), "final is a list, not an object"),
    "test acc text": (dict(final=json.dumps({"test_acc": "high"})), "final test_acc is 'high', not a number"),
    "seconds text": (dict(seconds="abc"), "seconds is 'abc', not a number"),
    "created bytes": (dict(created=b"\xff\x00"), "created is b'\\xff\\x00', not text"),
    "curves not JSON": (dict(curves="[1, 2"), "curves are not valid JSON"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_a_bad_row_is_listed_as_unreadable_with_the_reason_and_can_be_deleted(tmp_path, case):
    columns, why = BAD_ROWS[case]
    h = RunHistory(tmp_path / "runs.sqlite3")
    good = h.add(record(0.9))
    bad = _raw_row(h.path, **columns)
    listed = {r.id: r for r in h.list()}  # never raises
    assert set(listed) == {good, bad}
    assert listed[good].problem == "" and listed[good].readable
    assert not listed[bad].readable and why in listed[bad].problem, listed[bad].problem
    assert isinstance(listed[bad].config, dict) and isinstance(listed[bad].final, dict)  # safe to read
    assert isinstance(listed[bad].seconds, float) and isinstance(listed[bad].status, str)
    assert why in h.get(bad).problem  # get() too
    h.delete(bad)
    assert [r.id for r in h.list()] == [good]


def test_curves_of_the_wrong_shape_are_found_when_read(tmp_path):
    h = RunHistory(tmp_path / "runs.sqlite3")
    bad = _raw_row(h.path, curves=json.dumps({"train_loss": "x", "val_steps": [1.5]}))
    assert h.list()[0].readable  # the table does not read the curves
    got = h.get(bad)
    assert "train_loss is a string, not a list of numbers" in got.problem and got.train_loss == ()
    with pytest.raises(HistoryError, match=f"run #{bad}.*curves"):
        h.export_csv(bad, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_a_run_with_a_bad_config_but_good_curves_can_still_be_exported(tmp_path):
    h = RunHistory(tmp_path / "runs.sqlite3")
    bad = _raw_row(h.path, config=json.dumps({"lr": "x"}))
    out = h.export_csv(bad, tmp_path / "out.csv")
    assert out.read_text().splitlines()[1:] == ["1,1.0,0.1,,", "2,0.5,0.2,,"]


def _random_bytes(path):
    path.write_bytes(b"\xff\xfe\x00garbage" * 500)


def _truncated(path):
    h = RunHistory(path)
    for _ in range(30):
        h.add(record(0.9, steps=300))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    path.write_bytes(path.read_bytes()[:6000])


DAMAGED_DBS = {
    "random bytes": (_random_bytes, "is damaged", "move it away"),
    "truncated": (_truncated, "is damaged", "move it away"),
}


@pytest.mark.parametrize("case", list(DAMAGED_DBS), ids=list(DAMAGED_DBS))
def test_a_damaged_database_is_an_empty_list_with_a_notice_and_a_clear_error_when_writing(tmp_path, case):
    damage, what, fix = DAMAGED_DBS[case]
    db = tmp_path / "runs.sqlite3"
    damage(db)
    h = RunHistory(db)
    assert h.list() == []
    [notice] = h.notices
    assert str(db) in notice and what in notice and fix in notice
    with pytest.raises(HistoryError) as err:
        h.add(record(0.9))
    assert str(db) in str(err.value) and fix in str(err.value)
    with pytest.raises(HistoryError):
        h.delete(1)
    with pytest.raises(HistoryError):
        h.get(1)


def test_a_zero_length_database_is_an_empty_history_that_takes_runs(tmp_path):
    db = tmp_path / "runs.sqlite3"
    db.write_bytes(b"")
    h = RunHistory(db)
    assert h.list() == [] and h.notices == []
    rid = h.add(record(0.9))
    assert [r.id for r in h.list()] == [rid]


def test_a_folder_under_a_regular_file(tmp_path):
    (tmp_path / "a_file").write_text("")
    db = tmp_path / "a_file" / "home" / "runs.sqlite3"
    h = RunHistory(db)
    assert h.list() == []
    assert str(db) in h.notices[0] and "OPTCOURSE_HOME" in h.notices[0]
    with pytest.raises(HistoryError, match="OPTCOURSE_HOME") as err:
        h.add(record(0.9))
    assert str(tmp_path / "a_file" / "home") in str(err.value)


def test_a_locked_database(tmp_path):
    db = tmp_path / "runs.sqlite3"
    RunHistory(db).add(record(0.9))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        h = RunHistory(db, timeout=0.2)
        assert h.list() == [] and "locked" in h.notices[0] and str(db) in h.notices[0]
        with pytest.raises(HistoryError, match="locked by another program"):
            h.add(record(0.8))
    finally:
        holder.rollback()
        holder.close()
    assert len(RunHistory(db).list()) == 1  # nothing was lost


def test_a_read_only_database_is_still_listed(tmp_path, monkeypatch):
    db = tmp_path / "runs.sqlite3"
    rid = RunHistory(db).add(record(0.9))
    real = sqlite3.connect

    def read_only(target, *args, **kwargs):  # as for a chmod 444 file when not root
        if not kwargs.get("uri"):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    h = RunHistory(db)
    assert [r.id for r in h.list()] == [rid]
    assert "read-only" in h.notices[0] and "chmod u+w" in h.notices[0]
    with pytest.raises(HistoryError, match="read-only"):
        h.add(record(0.8))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes files whatever their mode")
def test_a_chmod_read_only_database(tmp_path):
    db = tmp_path / "runs.sqlite3"
    rid = RunHistory(db).add(record(0.9))
    db.chmod(0o444)
    try:
        h = RunHistory(db)
        assert [r.id for r in h.list()] == [rid]
        with pytest.raises(HistoryError):
            h.add(record(0.8))
    finally:
        db.chmod(0o644)
