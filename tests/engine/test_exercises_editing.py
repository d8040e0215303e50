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


def test_a_file_too_large_to_edit_is_refused_by_its_size_and_fingerprinted_cheaply(tmp_path):
    path = tmp_path / "exercises.py"
    path.write_text(workspace.render() + "# a long comment\n" * (2 * 2**20 // 17))  # the 2 MB file
    loaded = editing.load(path)
    assert loaded.text == "" and "2.0 MB" in loaded.error and "256 KB" in loaded.error
    assert "another editor" in loaded.error and "shorten it" in loaded.error
    assert loaded.fingerprint == editing.fingerprint(path) and loaded.fingerprint.startswith("stat:")


def test_highlighting_is_left_off_where_it_would_make_typing_lag(tmp_path):
    stubs = workspace.render()
    assert editing.highlight_problem(stubs) == ""
    assert editing.highlight_problem(stubs + "# note\n" * 150) == "a block of 150 comment lines"
    assert editing.highlight_problem(stubs + "x = 1\n" * 12000).startswith("larger than 64 KB")
    path = tmp_path / "exercises.py"
    path.write_text(stubs + "# note\n" * 150)
    assert editing.load(path).plain == "a block of 150 comment lines" and not editing.load(path).error


def test_a_symbolic_link_stays_a_link_and_saving_writes_its_file(tmp_path):
    real = tmp_path / "elsewhere" / "mine.py"
    real.parent.mkdir()
    real.write_text("x = 1\n")
    path = tmp_path / "exercises.py"
    path.symlink_to(real)
    loaded = editing.load(path)
    assert loaded.text == "x = 1\n" and loaded.link == str(real)
    assert editing.save(path, "x = 2\n", loaded.fingerprint).status == "saved"
    assert path.is_symlink() and real.read_text() == "x = 2\n"  # the issue: the link became a plain file
    real.parent.chmod(0o500)  # the link's folder cannot take a new file: refused, saying where
    try:
        result = editing.save(path, "x = 3\n", editing.fingerprint(path))
        if os.geteuid() != 0:
            assert result.status == "error" and str(real) in result.message and "links to" in result.message
    finally:
        real.parent.chmod(0o700)
    assert path.is_symlink()


def test_a_link_to_a_file_not_there_yet_gets_the_stubs_where_it_points(tmp_path):
    target = tmp_path / "repo" / "exercises.py"
    target.parent.mkdir()
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "exercises.py").symlink_to(target)
    state = workspace.ensure(folder)
    assert state.created and (folder / "exercises.py").is_symlink() and target.read_text() == workspace.render()
