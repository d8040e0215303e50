"""progress.sqlite3 damaged, locked, read-only or on a full disk: named with the fix, never a crash, nothing lost."""

from __future__ import annotations

import sqlite3

import pytest

from engine import progress as store
from engine.history import RunHistory, RunRecord
from engine.progress import DB_FILE, ProgressStore

from .damage import KINDS, damage


def seed(home):
    p = ProgressStore(home)
    for key in ("intro", "search"):
        p.visit(key)
    p.set_answer("think-3", "gradient steps go downhill")
    p.close()
    return RunHistory(home / "runs.sqlite3").add(RunRecord(config={"lr": 1e-3}, train_loss=(1.0, 0.5)))


@pytest.mark.parametrize("kind", [*KINDS, "wrong shape"])
def test_a_damaged_progress_file_is_set_aside_and_a_fresh_one_started(tmp_path, kind):
    rid = seed(tmp_path)
    db = tmp_path / DB_FILE
    for extra in ("-wal", "-shm"):  # the write-ahead log would otherwise repair a truncated file
        (tmp_path / f"{DB_FILE}{extra}").unlink(missing_ok=True)
    if kind == "wrong shape":  # another program's table of that name
        db.unlink()
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, something TEXT)")
        conn.commit()
        conn.close()
    else:
        damage(db, kind)
    bad = db.read_bytes()
    p = ProgressStore(tmp_path)  # never raises
    if kind == "zero length":  # an empty file is an empty database: nothing was left in it to keep
        assert p.visited == [] and not p.notices
    else:
        [notice] = p.take_notices()
        assert DB_FILE in notice and str(tmp_path) in notice and "set aside as" in notice and "fresh one" in notice
        [kept] = tmp_path.glob(f"{DB_FILE}.corrupt-*[0-9]")
        assert kept.read_bytes() == bad  # kept for the learner
    p.visit("intro")  # and work goes on in a fresh file
    assert ProgressStore(tmp_path).visited == ["intro"]
    assert [r.id for r in RunHistory(tmp_path / "runs.sqlite3").list()] == [rid]  # nothing else lost


def test_a_file_replaced_by_garbage_while_the_app_runs_keeps_what_it_knew(tmp_path):
    seed(tmp_path)
    p = ProgressStore(tmp_path)
    p.close()
    for extra in ("-wal", "-shm"):
        (tmp_path / f"{DB_FILE}{extra}").unlink(missing_ok=True)
    damage(tmp_path / DB_FILE, "garbage")
    assert p.set_answer("think-4", "written after")
    assert "set aside as" in p.take_notices()[0]
    again = ProgressStore(tmp_path)
    assert again.visited == ["intro", "search"] and set(again.answers) == {"think-3", "think-4"}


def test_a_change_made_while_another_program_holds_the_file_is_kept_and_written_later(tmp_path):
    p = ProgressStore(tmp_path, timeout=0.05)
    p.set_answer("q1", "first")
    other = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    assert not p.set_answer("q2", "while locked")
    [notice] = p.take_notices()
    assert DB_FILE in notice and str(tmp_path) in notice and "locked by another program" in notice
    assert p.answers["q2"] == "while locked"  # still shown...
    other.execute("ROLLBACK")
    other.close()
    p.refresh()  # ...also after reading the file again
    assert p.answers["q2"] == "while locked"
    assert p.set_answer("q3", "after")  # and written with the next change
    assert ProgressStore(tmp_path).answers == {"q1": "first", "q2": "while locked", "q3": "after"}


def _connect_as(monkeypatch, setup) -> None:
    real = sqlite3.connect

    def connect(path, *args, **kwargs):
        conn = real(path, *args, **kwargs)
        setup(conn)
        return conn

    monkeypatch.setattr(store.sqlite3, "connect", connect)


def test_a_full_disk_is_named_and_loses_nothing(tmp_path, monkeypatch):
    ProgressStore(tmp_path).set_answer("q1", "kept")
    # No page may be added: what SQLite reports when the disk is full.
    _connect_as(
        monkeypatch, lambda c: c.execute(f"PRAGMA max_page_count = {c.execute('PRAGMA page_count').fetchone()[0]}")
    )
    p = ProgressStore(tmp_path)
    assert not p.set_answer("q2", "a long answer " * 2000)
    [notice] = p.take_notices()
    assert "is full" in notice and DB_FILE in notice and "Free some space" in notice
    assert p.answers["q2"].startswith("a long answer")
    monkeypatch.undo()
    assert ProgressStore(tmp_path).answers == {"q1": "kept"}  # nothing else lost
    assert p.set_answer("q3", "room again")
    assert set(ProgressStore(tmp_path).answers) == {"q1", "q2", "q3"}


def test_a_read_only_file_is_read_and_named_with_the_fix(tmp_path, monkeypatch):
    ProgressStore(tmp_path).set_answer("q1", "kept")
    _connect_as(monkeypatch, lambda c: c.execute("PRAGMA query_only = ON"))  # as a file without write permission
    p = ProgressStore(tmp_path)
    assert p.answers == {"q1": "kept"}
    assert not p.set_answer("q2", "new")
    [notice] = p.take_notices()
    assert "read-only" in notice and f"chmod u+w {tmp_path / DB_FILE}" in notice


def test_a_file_that_cannot_be_opened_is_named_with_the_fix_and_never_replaced(tmp_path, monkeypatch):
    """As a file without read permission (root reads any file, so the refusal is made here)."""
    ProgressStore(tmp_path).set_answer("q1", "kept")
    bytes_before = (tmp_path / DB_FILE).read_bytes()

    def refused(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(store.sqlite3, "connect", refused)
    p = ProgressStore(tmp_path)  # never raises
    assert not p.set_answer("q2", "new")
    notices = p.take_notices()
    assert notices and all(DB_FILE in n and "cannot be opened" in n and "ls -l" in n for n in notices)
    monkeypatch.undo()
    assert (tmp_path / DB_FILE).read_bytes() == bytes_before and ProgressStore(tmp_path).answers == {"q1": "kept"}
