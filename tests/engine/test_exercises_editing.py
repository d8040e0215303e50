"""Loading and saving the learner's file for the in-app editor: atomic, conflict-aware, byte-faithful."""

from __future__ import annotations

import os
import stat

from engine.exercises import editing, workspace


def test_save_refuses_when_the_file_changed_since_it_was_loaded(tmp_path):
    path = tmp_path / "exercises.py"
    path.write_text("a = 1\n")
    loaded = editing.load(path)
    path.write_text("a = 2  # edited elsewhere\n")
    result = editing.save(path, "a = 3\n", loaded.fingerprint)
    assert result.status == "conflict" and path.read_text() == "a = 2  # edited elsewhere\n"
    forced = editing.save(path, "a = 3\n", loaded.fingerprint, force=True)
    assert forced.status == "saved" and path.read_text() == "a = 3\n"
    assert forced.fingerprint == editing.fingerprint(path)
    again = editing.save(path, "a = 4\n", forced.fingerprint)  # the new fingerprint is the base now
    assert again.status == "saved" and path.read_text() == "a = 4\n"


def test_save_keeps_the_permission_bits_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "exercises.py"
    path.write_text("x = 1\n")
    os.chmod(path, 0o640)
    assert editing.save(path, "x = 2\n", editing.fingerprint(path)).status == "saved"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exercises.py"]


def test_line_endings_and_unicode_survive_a_round_trip(tmp_path):
    path = tmp_path / "exercises.py"
    path.write_bytes("# η, β\r\ndef f():\r\n    return 1\r\n".encode())
    loaded = editing.load(path)
    assert loaded.text == "# η, β\r\ndef f():\r\n    return 1\r\n"
    editing.save(path, loaded.text, loaded.fingerprint)
    assert path.read_bytes() == "# η, β\r\ndef f():\r\n    return 1\r\n".encode()


def test_a_file_that_is_not_utf8_is_reported_not_mangled(tmp_path):
    path = tmp_path / "exercises.py"
    path.write_bytes(b"x = '\xff'\n")
    loaded = editing.load(path)
    assert loaded.text == "" and "not UTF-8" in loaded.error and loaded.fingerprint is not None
    assert editing.load(tmp_path / "nope.py").error.endswith("does not exist")


def test_a_failed_write_is_reported_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "exercises.py"
    path.mkdir()  # a folder where the file should be: the rename fails, even for root
    (path / "keep").write_text("x")
    result = editing.save(path, "x = 2\n", None)
    assert result.status == "error" and "could not save exercises.py" in result.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exercises.py"]


def test_function_line_finds_the_def_also_in_a_file_that_does_not_parse():
    text = workspace.render()
    line = editing.function_line(text, "momentum_update")
    assert text.splitlines()[line].startswith("def momentum_update(")
    broken = text.replace("def gradient_update(", "def gradient_update(((")
    line = editing.function_line(broken, "momentum_update")
    assert broken.splitlines()[line].startswith("def momentum_update(")
    assert editing.function_line("@wrap\ndef f():\n    pass\n", "f") == 0
    assert editing.function_line("x = 1\n", "f") is None


def test_start_line_is_the_stubs_raise_line_else_the_def():
    text = workspace.render()
    lines = text.splitlines()
    row = editing.start_line(text, "momentum_update")
    assert lines[row].strip() == 'raise NotImplementedError("Implement momentum_update")'
    assert editing.function_line(text, "momentum_update") < row
    done = text.replace('raise NotImplementedError("Implement momentum_update")', "pass")
    assert editing.start_line(done, "momentum_update") == editing.function_line(done, "momentum_update")
    broken = text + "\ndef (:\n"  # does not parse: found by the text alone
    assert editing.start_line(broken, "momentum_update") == row
    assert editing.start_line(text, "no_such_function") is None
