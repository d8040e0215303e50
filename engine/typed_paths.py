"""Paths a person typed (a dialog, a flag): expanded and checked without raising, each refusal one sentence.

Path.expanduser() raises RuntimeError for a user that does not exist (`~nosuchuser/m.pt`), and
every os.stat behind is_dir()/exists() raises OSError for a name longer than the file system
allows (Errno 36) or a folder that may not be looked into: here each becomes a PathError (a
ValueError) whose message says what is wrong in the learner's terms. Files of the system (/proc,
/sys, /dev) are refused as models, CSVs or folders: reading one can block forever (/proc/kmsg),
and a model saved as /dev/null was written into /dev (as /dev/null.pt), where root may write.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

NAME_MAX = 255  # bytes in one file or folder name (ext4, xfs, btrfs, tmpfs)
PATH_MAX = 4096  # bytes in a whole path (Linux)
SYSTEM = ("/proc", "/sys", "/dev")  # the kernel's and devices' files, never a learner's


class PathError(ValueError):
    """The typed path cannot be used; the message says why, for the learner to read."""


def shown(path: str | os.PathLike, limit: int = 72) -> str:
    """The path for a message: a long one keeps its start and end around "…"."""
    text = os.fspath(path)
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def expand(text: str | os.PathLike) -> Path:
    """The typed path with `~` and `~user` expanded; PathError when it cannot name a file on this system."""
    raw = os.fspath(text).strip()
    if not raw:
        raise PathError("type a file path")
    if "\x00" in raw:
        raise PathError("a path cannot hold the NUL character")
    try:
        path = Path(raw).expanduser()
    except RuntimeError:
        user = raw[1:].split("/", 1)[0]
        if user:
            raise PathError(f"there is no user {shown(user, 30)!r} here, so ~{shown(user, 30)} is no folder") from None
        raise PathError("your home folder is not known here (HOME is not set): type the whole path") from None
    check_lengths(path)
    return path


def check_lengths(path: Path) -> None:
    """PathError when a name in `path`, or the whole, is longer than the system takes (every look at it raises)."""
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            raise PathError(f"the name {shown(part, 40)} is {size} characters long; at most {NAME_MAX} are allowed")
    if len(os.fsencode(str(path))) > PATH_MAX:
        raise PathError(f"the path is {len(str(path))} characters long; at most {PATH_MAX} are allowed")


def _stat(path: Path) -> os.stat_result | None:
    """The file's status, None when there is none; PathError when it cannot be looked at."""
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PathError(f"{shown(path)} is a link that leads back to itself") from None
        why = exc.strerror or type(exc).__name__
        raise PathError(f"cannot look at {shown(path)}: {why.lower()}") from None


def _system(path: Path) -> str:
    """The system folder (/proc, /sys, /dev) the path lies in once its links are followed, else ""."""
    real = os.path.realpath(path)
    return next((top for top in SYSTEM if real == top or real.startswith(top + "/")), "")


def readable_file(text: str | os.PathLike) -> Path:
    """A regular file of the learner's that this process may read."""
    path = expand(text)
    status = _stat(path)
    if status is None:
        raise PathError(f"no such file: {shown(path)}")
    if stat.S_ISDIR(status.st_mode):
        raise PathError(f"{shown(path)} is a folder; choose a file in it")
    top = _system(path)
    if top:
        raise PathError(f"{shown(path)} is one of the system's files ({top}), not one you saved")
    if not stat.S_ISREG(status.st_mode):
        raise PathError(f"{shown(path)} is a device or a pipe, not a file")
    if not os.access(path, os.R_OK):
        raise PathError(f"you may not read {shown(path)} (no permission)")
    return path


def writable_file(text: str | os.PathLike, *, make_folder: bool = False) -> Path:
    """A file to create or replace, in an existing folder of the learner's that this process may write in
    (with make_folder, its missing folders are made first, where they may be)."""
    path = expand(text)
    status = _stat(path)
    if (status is not None and stat.S_ISDIR(status.st_mode)) or os.fspath(text).rstrip().endswith("/"):
        raise PathError(f"{shown(path)} is a folder; add a file name")
    if make_folder and _stat(path.parent) is None:
        folder_to_use(path.parent)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PathError(f"cannot make the folder {shown(path.parent)}: {exc.strerror or exc}") from None
    _writable_folder(path.parent)
    if status is not None and not stat.S_ISREG(status.st_mode):
        raise PathError(f"{shown(path)} is a device or a pipe, not a file")
    return path


def _writable_folder(folder: Path) -> None:
    status = _stat(folder)
    if status is None:
        raise PathError(f"folder {shown(folder)} does not exist")
    if not stat.S_ISDIR(status.st_mode):
        raise PathError(f"{shown(folder)} is not a folder")
    top = _system(folder)
    if top:
        raise PathError(f"{shown(folder)} is one of the system's folders ({top}): choose a folder of yours")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PathError(f"you may not write in the folder {shown(folder)} (no permission)")


def folder_to_use(text: str | os.PathLike) -> Path:
    """A folder to keep files in: an existing one this process may write in, or one it can create."""
    path = expand(text)
    status = _stat(path)
    if status is not None:
        if not stat.S_ISDIR(status.st_mode):
            raise PathError(f"{shown(path)} is not a folder")
        _writable_folder(path)
        return path
    parent = path.parent  # the nearest folder that exists must take the new ones
    while _stat(parent) is None and parent != parent.parent:
        parent = parent.parent
    _writable_folder(parent)
    return path
