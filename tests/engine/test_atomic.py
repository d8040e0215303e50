"""The one atomic-write helper: whole files or none, the old file kept when a write fails or is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine import atomic

ROOT = Path(__file__).resolve().parents[2]


def test_text_and_bytes_replace_the_file_and_leave_no_temporary(tmp_path):
    target = tmp_path / "sub" / "f.json"
    atomic.write_text(target, "héllo")
    assert target.read_bytes() == "héllo".encode()
    atomic.write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]


def test_a_writer_callback_gets_a_binary_file(tmp_path):
    target = tmp_path / "model.pt"
    atomic.write_with(target, lambda f: f.write(b"abc") and f.write(b"def"))
    assert target.read_bytes() == b"abcdef"


def test_a_failure_mid_write_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "progress.json"
    target.write_text("old and whole")

    def half_then_fail(f):
        f.write(b"new but ha")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        atomic.write_with(target, half_then_fail)
    assert target.read_text() == "old and whole"
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]  # the temporary file is gone


def test_a_process_killed_mid_write_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "answers.json"
    target.write_text("old and whole")
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from engine import atomic
        def half(f):
            f.write(b"new but ha")
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        atomic.write_with({str(target)!r}, half)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_text() == "old and whole"


def test_the_umask_decides_the_mode_as_for_a_plain_open(tmp_path):
    target = tmp_path / "f"
    atomic.write_text(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_unwritable_place_raises_and_creates_nothing(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(OSError):
        atomic.write_text(blocker / "below" / "x.json", "{}")
    assert blocker.read_text() == ""
