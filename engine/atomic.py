"""Writing a file atomically: a temporary file in the same folder, fsync, then os.replace (no torch here).

A reader, or the next start after a crash or a kill mid-write, sees either the old file whole or
the new one whole, never half of one. The temporary file is removed when the write fails.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _temp_name(path: Path) -> Path:
    # A dot-name in the same folder: os.replace is atomic only within one file system.
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def write_with(path: str | os.PathLike, writer: Callable[[BinaryIO], object]) -> Path:
    """Call writer(binary file) on a temporary file next to `path`, fsync it, and replace `path` with it.

    For torch.save: `write_with(p, lambda f: torch.save(obj, f))`. Raises what the writer or the
    file system raises; `path` is then untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    # O_EXCL: never write through a name someone else made; 0o666 lets the umask decide, as open() does.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_folder(path.parent)
    return path


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a file system that cannot do this is left as it is."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Replace `path` with `data`, atomically."""
    return write_with(path, lambda f: f.write(data))


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Replace `path` with `text` (UTF-8 by default), atomically."""
    return write_bytes(path, text.encode(encoding))
