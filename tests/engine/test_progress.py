"""The progress store: one row per item, so windows writing at once keep each other's changes; old JSON moved in."""

from __future__ import annotations

import json
import multiprocessing

import pytest

from engine.progress import ANSWERS_FILE, DB_FILE, PROGRESS_FILE, ProgressStore, clear_progress


def test_progress_and_answers_survive_a_new_instance(tmp_path):
    p = ProgressStore(tmp_path)
    p.visit("search")
    p.visit("conditioning")
    p.visit("search")
    p.mark_passed("gradient_update", "abc")
    p.set_use_mine("gradient_update", True)
    p.set_answer("think-3", "gradient steps go downhill")
    p.put("cursor", "gradient_update", "12,4")
    again = ProgressStore(tmp_path)
    assert again.visited == ["search", "conditioning"] and again.last_section == "search"
    assert again.passed == {"gradient_update": "abc"} and again.use_mine == {"gradient_update": True}
    assert again.answers == {"think-3": "gradient steps go downhill"}
    assert again.answered(["think-3", "think-4a"]) == 1
    assert again.get("cursor", "gradient_update") == "12,4" and again.get("cursor", "x") is None
    assert not again.notices
    assert sorted(f.name for f in tmp_path.iterdir() if not f.name.endswith(("-wal", "-shm"))) == [DB_FILE]


def test_an_emptied_answer_is_forgotten(tmp_path):
    p = ProgressStore(tmp_path)
    p.set_answer("q", "x")
    p.set_answer("q", "   ")
    assert ProgressStore(tmp_path).answers == {}


def test_a_window_sees_what_another_wrote_when_it_refreshes(tmp_path):
    a, b = ProgressStore(tmp_path), ProgressStore(tmp_path)
    a.set_answer("q1", "from a")
    b.set_answer("q3", "from b")
    b.visit("search")
    assert "q3" not in a.answers  # read when a screen is shown, not at every keystroke
    a.refresh()
    assert a.answers == {"q1": "from a", "q3": "from b"} and a.last_section == "search"
    a.set_answer("q1", "more from a")  # one key written: b's answer stays
    assert ProgressStore(tmp_path).answers == {"q1": "more from a", "q3": "from b"}


def _writer(home: str, name: str, mine, theirs) -> None:
    """One window: its store opened at start, then 100 answers, each after the other window's."""
    p = ProgressStore(home)
    for i in range(100):
        mine.acquire()
        assert p.set_answer(f"{name}-{i}", f"answer {i} from {name}")
        theirs.release()


def test_two_processes_writing_100_interleaved_answers_each_keep_all_200(tmp_path):
    """The issue's measure: each save wrote the whole file from that process's memory, so the last writer won."""
    ctx = multiprocessing.get_context("fork")
    turn_a, turn_b = ctx.Semaphore(1), ctx.Semaphore(0)
    procs = [
        ctx.Process(target=_writer, args=(str(tmp_path), "a", turn_a, turn_b)),
        ctx.Process(target=_writer, args=(str(tmp_path), "b", turn_b, turn_a)),
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    answers = ProgressStore(tmp_path).answers
    assert len(answers) == 200 and answers["b-99"] == "answer 99 from b" and answers["a-0"] == "answer 0 from a"


# -- the old JSON files ---------------------------------------------------------------------------------
OLD_PROGRESS = {"visited": ["intro", "search"], "last_section": "search", "passed": {"gradient_update": "abc"}}
OLD_ANSWERS = {"answers": {"think-3": "gradient steps go downhill", "think-4": " "}}


def test_the_old_json_files_are_moved_in_once_and_kept_beside(tmp_path):
    (tmp_path / PROGRESS_FILE).write_text(json.dumps({**OLD_PROGRESS, "use_mine": {"gradient_update": True}}))
    (tmp_path / ANSWERS_FILE).write_text(json.dumps(OLD_ANSWERS))
    p = ProgressStore(tmp_path)
    assert p.visited == ["intro", "search"] and p.last_section == "search" and p.use_mine == {"gradient_update": True}
    assert p.answers == {"think-3": "gradient steps go downhill"} and not p.notices
    names = sorted(f.name for f in tmp_path.iterdir())
    assert f"{PROGRESS_FILE}.migrated" in names and f"{ANSWERS_FILE}.migrated" in names
    assert PROGRESS_FILE not in names and ANSWERS_FILE not in names
    p.set_answer("think-3", "newer")
    # An old file that turns up again (an older copy of the app wrote it) never overwrites a newer row.
    (tmp_path / ANSWERS_FILE).write_text(json.dumps({"answers": {"think-3": "older", "think-5": "only here"}}))
    again = ProgressStore(tmp_path)
    assert again.answers == {"think-3": "newer", "think-5": "only here"}
    assert (tmp_path / f"{ANSWERS_FILE}.migrated-1").exists()  # the first backup is not replaced


DAMAGE = {
    "non-UTF-8 bytes": (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    "zero length": (b"", "empty"),
    "truncated JSON": (b'{"answers": {"think-3": "gradient st', "not valid JSON"),
    "a list": (b"[1, 2]", "a list, not an object"),
    "a number": (b"3.5", "a number, not an object"),
}


@pytest.mark.parametrize("name", [PROGRESS_FILE, ANSWERS_FILE])
@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_old_file_is_set_aside_with_a_notice_naming_it(tmp_path, name, damage):
    content, why = DAMAGE[damage]
    (tmp_path / name).write_bytes(content)
    p = ProgressStore(tmp_path)  # never raises
    assert p.visited == [] and p.answers == {}
    [notice] = p.take_notices()
    assert name in notice and why in notice and "set aside as" in notice and str(tmp_path) in notice
    [moved] = [f for f in tmp_path.iterdir() if f.name.startswith(f"{name}.corrupt-")]
    assert moved.read_bytes() == content  # kept as it was, for the learner to inspect
    p.visit("intro")
    assert ProgressStore(tmp_path).visited == ["intro"] and not ProgressStore(tmp_path).notices


def test_entries_of_the_wrong_kind_are_named_and_the_readable_ones_moved_in(tmp_path):
    original = json.dumps({"answers": {"think-3": "kept", "think-4": 5, "7": ["x"]}})
    (tmp_path / ANSWERS_FILE).write_text(original)
    (tmp_path / PROGRESS_FILE).write_text(json.dumps({"visited": "intro", "last_section": "search"}))
    p = ProgressStore(tmp_path)
    assert p.answers == {"think-3": "kept"} and p.visited == [] and p.last_section == "search"
    notices = p.take_notices()
    answers_notice = next(n for n in notices if ANSWERS_FILE in n)
    assert (
        "think-4" in answers_notice and "a number" in answers_notice and "readable entries were kept" in answers_notice
    )
    assert any("visited" in n and "a string" in n for n in notices)
    moved = next(f for f in tmp_path.iterdir() if f.name.startswith(f"{ANSWERS_FILE}.corrupt-"))
    assert moved.read_text() == original
    again = ProgressStore(tmp_path)
    assert again.answers == {"think-3": "kept"} and again.last_section == "search" and not again.notices


def test_an_old_file_that_cannot_be_read_stays_for_the_next_start(tmp_path, monkeypatch):
    path = tmp_path / ANSWERS_FILE
    path.write_text(json.dumps({"answers": {"q": "mine"}}))
    real = type(path).read_bytes

    def failing(self):
        if self.name == ANSWERS_FILE:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(type(path), "read_bytes", failing)
    p = ProgressStore(tmp_path)
    [notice] = p.take_notices()
    assert ANSWERS_FILE in notice and "Permission denied" in notice and "not moved" in notice
    assert p.set_answer("q2", "new")
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"answers": {"q": "mine"}}  # untouched...
    assert ProgressStore(tmp_path).answers == {"q": "mine", "q2": "new"}  # ...and moved in once it can be read


def test_clear_forgets_every_item_but_not_the_exercise_file(tmp_path):
    p = ProgressStore(tmp_path)
    p.visit("intro")
    p.set_answer("q", "a")
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "exercises.py").write_text("mine")
    (tmp_path / ANSWERS_FILE).write_text(json.dumps({"answers": {"old": "x"}}))  # not moved in yet: cleared too
    assert clear_progress(tmp_path) == (4, [])
    again = ProgressStore(tmp_path)
    assert again.visited == [] and again.answers == {}
    assert (tmp_path / "workspace" / "exercises.py").read_text() == "mine"


def test_an_unwritable_folder_is_a_notice_not_a_crash(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    p = ProgressStore(blocker / "home")  # a folder below a file cannot be created
    p.visit("intro")
    assert any("Could not save" in n and "OPTCOURSE_HOME" in n for n in p.notices)
    assert p.visited == ["intro"]
