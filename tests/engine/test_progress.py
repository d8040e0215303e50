"""The progress store: survives a restart, writes atomically, sets a damaged file aside instead of failing."""

from __future__ import annotations

import json

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
