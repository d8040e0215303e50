"""Command-line flags: section references, bad values refused before the UI starts."""

from __future__ import annotations

import pytest

from tui.args import parse_args


@pytest.mark.parametrize(
    "ref, key", [("4", "conditioning"), ("S", "summary"), ("b", "bonus"), ("adaptive", "adaptive")]
)
def test_section_references(ref, key):
    assert parse_args(["--section", ref]).section == key


def test_unknown_section_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--section", "12"])
    assert "unknown section '12'" in capsys.readouterr().err


def test_bad_device_and_missing_data_dir_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--device", "tpu"])
    with pytest.raises(SystemExit):
        parse_args(["--data-dir", str(tmp_path / "nope")])
    assert "is not a folder" in capsys.readouterr().err


def test_defaults():
    args = parse_args([])
    assert args.device == "auto" and args.section is None and args.data_dir is None


def test_a_data_dir_without_mnist_is_refused_before_the_ui_starts(tmp_path, capsys, monkeypatch):
    with pytest.raises(SystemExit):
        parse_args(["--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert f"--data-dir {tmp_path} holds no MNIST" in err and "train-images-idx3-ubyte" in err
    monkeypatch.setenv("OPTCOURSE_DATA", str(tmp_path))
    with pytest.raises(SystemExit):
        parse_args([])
    assert f"OPTCOURSE_DATA {tmp_path} holds no MNIST" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "typed", "words"),
    [
        ("--data-dir", "~nosuchuser/mnist", "no user 'nosuchuser'"),  # RuntimeError from expanduser before
        ("--data-dir", "/tmp/" + "d" * 300, "at most 255"),  # OSError Errno 36 from is_dir() before
        ("--workspace", "~nosuchuser/ws", "no user 'nosuchuser'"),
        ("--workspace", "/tmp/" + "w" * 300, "at most 255"),
        ("--workspace", "/proc/self", "system's folders (/proc)"),
        ("--workspace", "/etc/hostname", "is not a folder"),
    ],
)
def test_a_folder_flag_that_cannot_be_used_is_refused_with_the_reason(flag, typed, words, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args([flag, typed])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["OPTCOURSE_HOME", "OPTCOURSE_CACHE"])
def test_a_data_or_cache_folder_whose_name_is_too_long_is_refused_at_start(name, capsys, monkeypatch):
    """OPTCOURSE_HOME with a 300-character name ended the app in a traceback (OSError Errno 36 at the first
    look at progress.sqlite3)."""
    monkeypatch.setenv(name, "/tmp/" + "h" * 300)
    with pytest.raises(SystemExit) as exit_:
        parse_args([])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"{name}=/tmp/hhh" in err and "at most 255" in err and "Traceback" not in err
