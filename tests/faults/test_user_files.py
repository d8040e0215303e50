"""Damaged old progress.json / answers.json (moved into progress.sqlite3 once) and runs.sqlite3: never a crash."""

from __future__ import annotations

import json
import sqlite3

import pytest

from engine.history import HistoryError, RunHistory, RunRecord
from engine.progress import ANSWERS_FILE, DB_FILE, PROGRESS_FILE, ProgressStore

from .damage import KINDS, damage

GOOD_PROGRESS = {"visited": ["intro", "search"], "last_section": "search", "passed": {}, "use_mine": {}}
GOOD_ANSWERS = {"answers": {"think-3": "gradient steps go downhill"}}
WRONG_SHAPE = {
    PROGRESS_FILE: [json.dumps(["intro"]), json.dumps({"visited": 5}), json.dumps({"passed": {"x": 1}})],
    ANSWERS_FILE: [json.dumps("text"), json.dumps({"answers": [1]}), json.dumps({"answers": {"q": 3}})],
}


def seed(home):
    home.mkdir(parents=True, exist_ok=True)
    (home / PROGRESS_FILE).write_text(json.dumps(GOOD_PROGRESS))
    (home / ANSWERS_FILE).write_text(json.dumps(GOOD_ANSWERS))
    h = RunHistory(home / "runs.sqlite3")
    rid = h.add(RunRecord(config={"optimizer": "Adam", "lr": 1e-3}, train_loss=(1.0, 0.5), final={"test_acc": 0.9}))
    return rid


def other(name: str) -> str:
    return ANSWERS_FILE if name == PROGRESS_FILE else PROGRESS_FILE


@pytest.mark.parametrize("kind", [*KINDS, "wrong shape"])
@pytest.mark.parametrize("name", [PROGRESS_FILE, ANSWERS_FILE])
def test_a_damaged_progress_or_answers_file(tmp_path, name, kind):
    rid = seed(tmp_path)
    path = tmp_path / name
    shapes = WRONG_SHAPE[name] if kind == "wrong shape" else [None]
    for shape in shapes:
        if shape is None:
            bad = damage(path, kind)
        else:
            bad = shape.encode()
            path.write_bytes(bad)
        p = ProgressStore(tmp_path)  # never raises
        [notice] = p.take_notices()
        assert name in notice and str(tmp_path) in notice  # names the file
        assert "set aside as" in notice  # and what was done about it
        kept = sorted(tmp_path.glob(f"{name}.corrupt-*"))
        assert kept and kept[-1].read_bytes() == bad  # the damaged file is kept for the learner
        # nothing else lost: the other file was moved in whole, and the run history is whole
        if name == PROGRESS_FILE:
            assert p.answers == GOOD_ANSWERS["answers"]
        else:
            assert p.visited == GOOD_PROGRESS["visited"]
        assert json.loads((tmp_path / f"{other(name)}.migrated").read_text()) == (
            GOOD_ANSWERS if name == PROGRESS_FILE else GOOD_PROGRESS
        )
        assert [r.id for r in RunHistory(tmp_path / "runs.sqlite3").list()] == [rid]
        for f in kept:
            f.unlink()
        p.close()
        (tmp_path / DB_FILE).unlink()
        for f in tmp_path.glob("*.migrated"):
            f.rename(tmp_path / f.name.removesuffix(".migrated"))


def wrong_schema(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, something TEXT)")
    conn.execute("INSERT INTO runs (something) VALUES ('x')")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("kind", [*KINDS, "wrong shape"])
def test_a_damaged_run_history(tmp_path, kind):
    seed(tmp_path)
    db = tmp_path / "runs.sqlite3"
    if kind == "wrong shape":
        db.unlink()
        wrong_schema(db)
    else:
        for extra in ("-wal", "-shm"):  # the write-ahead log would otherwise repair a truncated file
            (tmp_path / f"runs.sqlite3{extra}").unlink(missing_ok=True)
        damage(db, kind)
    before = db.read_bytes()
    h = RunHistory(db)
    runs = h.list()  # never raises
    if kind == "zero length":  # an empty file is an empty database: nothing to say, and it takes new runs
        assert runs == [] and h.notices == []
        assert h.add(RunRecord(train_loss=(1.0,)))
        return
    assert runs == []
    [notice] = h.notices
    assert str(db) in notice and ("move it away" in notice or "damaged" in notice)
    with pytest.raises(HistoryError) as err:  # storing a run says why it cannot be kept
        h.add(RunRecord(train_loss=(1.0,)))
    assert str(db) in str(err.value) and "move it away" in str(err.value)
    if kind == "wrong shape":  # another program's table: its row is left as it was
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT something FROM runs").fetchall() == [("x",)]
        conn.close()
    else:
        assert db.read_bytes() == before  # the damaged file is left for the learner to keep or move
    p = ProgressStore(tmp_path)  # nothing else lost
    assert p.visited == GOOD_PROGRESS["visited"] and p.answers == GOOD_ANSWERS["answers"] and not p.notices


def test_damaged_rows_in_a_good_history(tmp_path):
    rid = seed(tmp_path)
    db = tmp_path / "runs.sqlite3"
    h = RunHistory(db)
    bad = h.add(RunRecord(config={"lr": 1.0}, train_loss=(1.0,)))
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE runs SET config = ?, final = ? WHERE id = ?", ("\udcff".encode("utf-8", "surrogatepass"), "[", bad)
        )
    conn.close()
    rows = {r.id: r for r in h.list()}
    assert rows[rid].readable and not rows[bad].readable and "config" in rows[bad].problem
    h.delete(bad)
    assert [r.id for r in h.list()] == [rid]
