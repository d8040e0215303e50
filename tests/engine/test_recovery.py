"""The editor's recovery files: one per exercise file and exercise, naming both and the process that wrote it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from engine.exercises import recovery


def test_edits_are_kept_read_back_and_removed(tmp_path):
    path = tmp_path / "workspace" / "exercises.py"
    kept = recovery.write(path, "gradient_update", "edited\n", "abc", (3, 4), home=tmp_path)
    assert kept.parent == tmp_path / "recovery" and kept.name.startswith("gradient_update-")
    data = json.loads(kept.read_text())
    assert data["path"] == str(path) and data["exercise"] == "gradient_update"  # says whose they are
    found = recovery.read(path, "gradient_update", home=tmp_path)
    assert found is not None and found.text == "edited\n" and found.base == "abc" and found.cursor == (3, 4)
    assert found.process == recovery.this_process() and recovery.alive(found.process)
    assert recovery.read(path, "momentum_update", home=tmp_path) is None  # per exercise
    assert recovery.read(tmp_path / "other" / "exercises.py", "gradient_update", home=tmp_path) is None
    recovery.remove(path, "gradient_update", home=tmp_path)
    assert recovery.read(path, "gradient_update", home=tmp_path) is None
    assert [p.name for p in (tmp_path / "recovery").iterdir()] == []  # no temporary file left


def test_a_damaged_file_or_one_of_another_exercise_file_is_never_offered(tmp_path):
    path = tmp_path / "exercises.py"
    kept = recovery.write(path, "gradient_update", "x", None, (0, 0), home=tmp_path)
    kept.write_text("{not json")
    assert recovery.read(path, "gradient_update", home=tmp_path) is None
    kept.write_text(json.dumps({"path": "/elsewhere/exercises.py", "exercise": "gradient_update", "text": "x"}))
    assert recovery.read(path, "gradient_update", home=tmp_path) is None


def test_a_process_that_ended_or_a_reused_pid_is_not_alive():
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert not recovery.alive(f"{ended.pid}:1")
    me = recovery.this_process()
    assert recovery.alive(me)
    if me.split(":")[1]:  # where /proc tells start times: the same number started at another time is another
        assert not recovery.alive(f"{os.getpid()}:1")


def test_the_time_reads_as_a_learner_reads_it():
    found = recovery.Recovered("p", "e", "", None, (0, 0), time.mktime((2026, 12, 7, 14, 2, 0, 0, 0, -1)), "1:")
    assert found.when(now=found.saved_at + 60) == "14:02"
    assert found.when(now=found.saved_at + 3 * 86400) == "Mon 7 Dec 14:02"


def test_two_windows_editing_one_exercise_keep_a_file_each(tmp_path, monkeypatch):
    path = tmp_path / "exercises.py"
    recovery.write(path, "gradient_update", "first window\n", None, (0, 0), home=tmp_path)
    monkeypatch.setattr(recovery, "this_process", lambda: "4242:77")  # another window
    recovery.write(path, "gradient_update", "second window\n", None, (0, 0), home=tmp_path)
    found = recovery.found_for(path, "gradient_update", home=tmp_path)
    assert [f.text for f in found] == ["second window\n", "first window\n"]  # the newest first
    recovery.discard(found[1])
    assert [f.text for f in recovery.found_for(path, "gradient_update", home=tmp_path)] == ["second window\n"]
