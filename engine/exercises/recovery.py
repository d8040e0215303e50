"""The exercise editor's unsaved edits kept on disk, so a dropped connection, a kill or a crash loses nothing.

While the editor's text differs from the file, it is written (atomically, as every write) to one
JSON file per exercise file, exercise and window in <data folder>/recovery/, a moment after typing stops
and at once when the app is told to end (SIGHUP, SIGTERM, SIGINT). The file names the exercise
file, the exercise, the fingerprint of the file the edits started from and the process that
wrote it, so the next visit can tell a crashed window's edits (offered back) from a live
window's (left alone), and say when the exercise file changed meanwhile. It is removed once
its edits are saved or discarded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..atomic import write_text

FOLDER = "recovery"
VERSION = 1


@dataclass(frozen=True)
class Recovered:
    """Unsaved edits found on disk."""

    path: str  # the exercise file they belong to
    exercise: str  # the exercise whose editor held them
    text: str
    base: str | None  # the fingerprint of the exercise file when the edits started (editing.fingerprint)
    cursor: tuple[int, int]
    saved_at: float  # time.time() of the last write
    process: str  # the writer: "<pid>:<start time>"
    file: str = ""  # where it was read from

    @property
    def pid(self) -> int:
        return int(self.process.split(":")[0])

    def when(self, now: float | None = None) -> str:
        """The time of the edits as a learner reads it: "14:02", or "Mon 7 Dec 14:02" on another day."""
        stamp, today = time.localtime(self.saved_at), time.localtime(now)
        same_day = stamp[:3] == today[:3]
        day = "" if same_day else f"{time.strftime('%a', stamp)} {stamp.tm_mday} {time.strftime('%b', stamp)} "
        return day + time.strftime("%H:%M", stamp)


def _start_time(pid: int) -> str:
    """When the process started (clock ticks since boot, from /proc), "" where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2 :].split()[19]
    except (OSError, IndexError, ValueError):
        return ""


def this_process() -> str:
    return f"{os.getpid()}:{_start_time(os.getpid())}"


def alive(process: str) -> bool:
    """Whether the process that wrote a recovery file still runs (a reused pid with another start time does not)."""
    pid_text, _, started = process.partition(":")
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process of that number: not ours
        return False
    return not started or _start_time(pid) in ("", started)


def folder(home: Path | None = None) -> Path:
    return Path(home if home is not None else paths.data_dir()) / FOLDER


def _stem(path: Path, exercise: str) -> str:
    return f"{exercise}-{hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:12]}"


def file_for(path: Path, exercise: str, home: Path | None = None, process: str | None = None) -> Path:
    """Where this process (or `process`) keeps the edits of `exercise` in the exercise file `path`: one file per
    pair and window, so two windows editing the same exercise never overwrite each other's."""
    writer = (process or this_process()).replace(":", "-")  # the pid and its start time: never a later window's
    return folder(home) / f"{_stem(path, exercise)}-{writer}.json"


def write(path: Path, exercise: str, text: str, base: str | None, cursor: tuple[int, int], home=None) -> Path:
    """Keep the edits (atomically); raises OSError when the data folder cannot take them."""
    data = {
        "version": VERSION,
        "path": os.path.abspath(path),
        "exercise": exercise,
        "base": base,
        "cursor": list(cursor),
        "saved_at": time.time(),
        "process": this_process(),
        "text": text,
    }
    return write_text(file_for(path, exercise, home), json.dumps(data))


def _time(value: object, kept: Path) -> float:
    """When the edits were kept: their own time if it reads as one (a clock can show it), else the file's."""
    try:
        when = float(value)  # type: ignore[arg-type]
        time.localtime(when)  # NaN, or beyond the platform's clock: not a time (it crashed the offer)
        return when
    except (TypeError, ValueError, OverflowError, OSError):
        return kept.stat().st_mtime


def _cursor(value: object) -> tuple[int, int]:
    """Where the cursor was: a damaged place is the file's start (the edits themselves are what matter)."""
    if not (isinstance(value, list) and len(value) == 2):
        return 0, 0
    try:
        return max(0, int(value[0])), max(0, int(value[1]))
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity
        return 0, 0


def _parse(kept: Path, path: Path, exercise: str) -> Recovered | None:
    try:
        data = json.loads(kept.read_text(encoding="utf-8"))
        found = Recovered(
            path=str(data["path"]),
            exercise=str(data["exercise"]),
            text=data["text"],
            base=data.get("base") if isinstance(data.get("base"), str) else None,
            cursor=_cursor(data.get("cursor")),
            saved_at=_time(data.get("saved_at"), kept),
            process=str(data.get("process", "")),
            file=str(kept),
        )
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    if not isinstance(found.text, str) or found.path != os.path.abspath(path) or found.exercise != exercise:
        return None  # damaged, or another file's that shares the name: never offered as this one's
    return found


def found_for(path: Path, exercise: str, home: Path | None = None) -> list[Recovered]:
    """Every window's kept edits of `exercise` in `path`, the newest first (a damaged file is left out)."""
    kept = sorted(folder(home).glob(f"{_stem(path, exercise)}-*.json"))
    found = [f for f in (_parse(k, path, exercise) for k in kept) if f is not None]
    return sorted(found, key=lambda f: f.saved_at, reverse=True)


def read(path: Path, exercise: str, home: Path | None = None) -> Recovered | None:
    """The newest kept edits of `exercise` in `path`, of any window, or None."""
    found = found_for(path, exercise, home)
    return found[0] if found else None


def remove(path: Path, exercise: str, home: Path | None = None) -> None:
    """Remove this window's kept edits of `exercise` in `path`."""
    with contextlib.suppress(OSError):
        file_for(path, exercise, home).unlink()


def discard(found: Recovered) -> None:
    """Remove the file `found` was read from (another window's, which ended)."""
    with contextlib.suppress(OSError):
        Path(found.file).unlink()
