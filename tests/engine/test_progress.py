"""The progress store: survives a restart, writes atomically, sets a damaged file aside instead of failing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.progress import ANSWERS_FILE, PROGRESS_FILE, Progress, clear_progress


def test_progress_and_answers_survive_a_new_instance(tmp_path):
    p = Progress(tmp_path)
    p.visit("search")
    p.visit("conditioning")
    p.visit("search")
    p.mark_passed("gradient_update", "abc")
    p.set_use_mine("gradient_update", True)
    p.set_answer("think-3", "gradient steps go downhill")
    again = Progress(tmp_path)
    assert again.visited == ["search", "conditioning"] and again.last_section == "search"
    assert again.passed == {"gradient_update": "abc"} and again.use_mine == {"gradient_update": True}
    assert again.answers == {"think-3": "gradient steps go downhill"}
    assert again.answered(["think-3", "think-4a"]) == 1
    assert not again.notices


def test_writes_leave_no_temporary_files(tmp_path):
    p = Progress(tmp_path)
    for i in range(5):
        p.set_answer("q", f"answer {i}")
    assert sorted(f.name for f in tmp_path.iterdir()) == [ANSWERS_FILE]
    assert json.loads((tmp_path / ANSWERS_FILE).read_text())["answers"] == {"q": "answer 4"}


def test_an_emptied_answer_is_forgotten(tmp_path):
    p = Progress(tmp_path)
    p.set_answer("q", "x")
    p.set_answer("q", "   ")
    assert Progress(tmp_path).answers == {}


def test_a_corrupt_file_is_set_aside_with_a_notice(tmp_path):
    (tmp_path / PROGRESS_FILE).write_text('{"visited": ["sea')
    (tmp_path / ANSWERS_FILE).write_text("[1, 2]")  # valid JSON, but not an object
    p = Progress(tmp_path)
    assert p.visited == [] and p.answers == {}
    notices = p.take_notices()
    assert len(notices) == 2 and all("set aside" in n for n in notices)
    assert p.take_notices() == []
    kept = sorted(f.name for f in tmp_path.iterdir())
    assert any(n.startswith(f"{PROGRESS_FILE}.corrupt-") for n in kept)
    assert any(n.startswith(f"{ANSWERS_FILE}.corrupt-") for n in kept)
    p.visit("intro")  # and work goes on with a fresh file
    assert Progress(tmp_path).visited == ["intro"]


def test_wrongly_typed_entries_are_ignored(tmp_path):
    (tmp_path / PROGRESS_FILE).write_text(
        json.dumps(
            {"visited": ["intro", 3], "last_section": 5, "passed": {"gradient_update": 1}, "use_mine": {"x": True}}
        )
    )
    p = Progress(tmp_path)
    assert p.visited == ["intro"] and p.last_section is None and p.passed == {} and p.use_mine == {"x": True}


def test_clear_removes_only_progress_and_answers(tmp_path):
    p = Progress(tmp_path)
    p.visit("intro")
    p.set_answer("q", "a")
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "exercises.py").write_text("mine")
    assert len(clear_progress(tmp_path)) == 2
    assert Progress(tmp_path).visited == []
    assert (tmp_path / "workspace" / "exercises.py").read_text() == "mine"


def test_an_unwritable_folder_is_a_notice_not_a_crash(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    p = Progress(blocker / "home")  # a folder below a file cannot be created
    p.visit("intro")
    assert any("Could not save" in n for n in p.notices)


DAMAGE = {
    "non-UTF-8 bytes": (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    "zero length": (b"", "empty"),
    "truncated JSON": (b'{"answers": {"think-3": "gradient st', "not valid JSON"),
    "a list": (b"[1, 2]", "a list, not an object"),
    "a string": (b'"hello"', "a string, not an object"),
    "a number": (b"3.5", "a number, not an object"),
}


@pytest.mark.parametrize("name", [PROGRESS_FILE, ANSWERS_FILE])
@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_file_is_set_aside_with_a_notice_naming_it_and_what_happened(tmp_path, name, damage):
    content, why = DAMAGE[damage]
    (tmp_path / name).write_bytes(content)
    p = Progress(tmp_path)  # never raises
    assert p.visited == [] and p.answers == {}
    [notice] = p.take_notices()
    assert name in notice and why in notice and "set aside as" in notice and str(tmp_path) in notice
    [moved] = [f for f in tmp_path.iterdir() if f.name.startswith(f"{name}.corrupt-")]
    assert moved.read_bytes() == content  # kept as it was, for the learner to inspect
    p.visit("intro")
    p.set_answer("q", "a")
    assert Progress(tmp_path).visited == ["intro"] and Progress(tmp_path).answers == {"q": "a"}


def test_entries_of_the_wrong_kind_set_the_file_aside_and_keep_the_readable_ones(tmp_path):
    original = json.dumps({"answers": {"think-3": "kept", "think-4": 5, "7": ["x"]}})
    (tmp_path / ANSWERS_FILE).write_text(original)
    (tmp_path / PROGRESS_FILE).write_text(json.dumps({"visited": "intro", "last_section": "search"}))
    p = Progress(tmp_path)
    assert p.answers == {"think-3": "kept"} and p.visited == [] and p.last_section == "search"
    notices = p.take_notices()
    assert len(notices) == 2
    answers_notice = next(n for n in notices if ANSWERS_FILE in n)
    assert "think-4" in answers_notice and "a number" in answers_notice and "set aside as" in answers_notice
    assert any("visited" in n and "a string" in n for n in notices)
    moved = next(f for f in tmp_path.iterdir() if f.name.startswith(f"{ANSWERS_FILE}.corrupt-"))
    assert moved.read_text() == original
    again = Progress(tmp_path)  # the readable entries were written back at once
    assert again.answers == {"think-3": "kept"} and again.last_section == "search" and not again.notices


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_not_overwritten(tmp_path):
    path = tmp_path / ANSWERS_FILE
    path.write_text(json.dumps({"answers": {"q": "mine"}}))
    path.chmod(0)
    try:
        p = Progress(tmp_path)
        assert any("could not be read" in n for n in p.take_notices())
        assert not p.set_answer("q2", "new")
    finally:
        path.chmod(0o644)
    assert json.loads(path.read_text()) == {"answers": {"q": "mine"}}


def test_a_file_that_cannot_be_read_is_never_saved_over(tmp_path, monkeypatch):
    """As above, for any user: a read error (EACCES, EIO) must not let the next save replace the file."""
    path = tmp_path / ANSWERS_FILE
    path.write_text(json.dumps({"answers": {"q": "mine"}}))
    real = Path.read_bytes

    def failing(self):
        if self.name == ANSWERS_FILE:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", failing)
    p = Progress(tmp_path)
    [notice] = p.take_notices()
    assert ANSWERS_FILE in notice and "Permission denied" in notice and "will not be saved" in notice
    assert not p.set_answer("q2", "new")
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"answers": {"q": "mine"}}
