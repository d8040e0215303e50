"""Editing the learner's file in the app: load it with a fingerprint, save it atomically unless it changed meanwhile.

The file on disk is the single source of truth: an editor remembers the fingerprint of what it
loaded, and `save` refuses (status "conflict") when the file on disk no longer has that
fingerprint, so an edit made elsewhere is never overwritten without the learner saying so; a file
deleted meanwhile is written again.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import syntax

MAX_EDIT_BYTES = 256 * 1024  # larger files are refused: typing in a bigger TextArea lags (0.35 s a key at 1 MB)
HIGHLIGHT_BYTES = 64 * 1024  # tree-sitter reparses the whole file at each key: ~40 ms at 64 KB
# tree-sitter-python looks ahead over a run of comment lines at each of them: a key costs ~25 ms after 80
# such lines, ~450 ms after 300 (the 2 MB comment block froze the app); longer runs go unhighlighted.
MAX_COMMENT_RUN = 100


@dataclass(frozen=True)
class Loaded:
    """The file's text (empty when it could not be read) and the fingerprint of its bytes."""

    text: str
    fingerprint: str | None  # None: the file does not exist (or could not be read)
    error: str = ""  # why it cannot be edited here, with the way out
    plain: str = ""  # why it is shown without highlighting ("" when it is highlighted)
    link: str = ""  # where the file really is, when the path is a symbolic link


@dataclass(frozen=True)
class Saved:
    status: str  # "saved" | "conflict" (changed on disk since it was loaded) | "error"
    fingerprint: str | None = None  # of the file on disk after the attempt
    message: str = ""
    recreated: bool = False  # the file had been deleted since it was loaded: it is written again


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def size_text(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def paste_refusal(size: int) -> str:
    """What the editor says of a paste that would make the file larger than it edits."""
    return (
        f"Not pasted: the file would be {size_text(size)}, and this editor edits up to {size_text(MAX_EDIT_BYTES)}. "
        "Paste less, or edit the file in another editor."
    )


def inode(path: Path) -> tuple[int, int] | None:
    """The file's (device, inode) now; None if there is none: another one means it was replaced."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def fingerprint(path: Path) -> str | None:
    """The digest of the file's bytes now (of its size and time for a file too large to edit: reading it all
    every poll would cost the UI); None if it does not exist or cannot be read."""
    try:
        st = os.stat(path)
        if st.st_size > MAX_EDIT_BYTES:
            return f"stat:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
        return _digest(Path(path).read_bytes())
    except OSError:
        return None


def link_target(path: Path) -> str:
    """Where a symbolic link at `path` points (resolved), else ""."""
    return str(Path(path).resolve()) if Path(path).is_symlink() else ""


def load(path: Path) -> Loaded:
    """Read the file as UTF-8 text, keeping its line endings (the editor writes them back as they were)."""
    path = Path(path)
    link = link_target(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_EDIT_BYTES:
            return Loaded(
                "",
                fingerprint(path),
                f"{path.name} is {size_text(size)}; the app's editor opens files up to {size_text(MAX_EDIT_BYTES)}: "
                "edit it in another editor, or shorten it",
                link=link,
            )
        data = path.read_bytes()
    except FileNotFoundError:
        return Loaded("", None, f"{path.name} does not exist", link=link)
    except OSError as exc:
        return Loaded("", None, f"cannot read {path.name}: {exc.strerror or exc}", link=link)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Loaded(
            "",
            _digest(data),
            f"{path.name} is not UTF-8 text (byte {exc.start}): save it as UTF-8 in another editor, "
            "or move it away to get a fresh copy with every stub",
            link=link,
        )
    return Loaded(text, _digest(data), plain=highlight_problem(text), link=link)


def highlight_problem(text: str) -> str:
    """Why highlighting `text` would make typing lag, or ""."""
    if len(text.encode("utf-8")) > HIGHLIGHT_BYTES:
        return f"larger than {size_text(HIGHLIGHT_BYTES)}"
    run = longest = 0
    for line in text.splitlines():
        run = run + 1 if line.lstrip().startswith("#") or not line.strip() else 0
        longest = max(longest, run)
    if longest > MAX_COMMENT_RUN:
        return f"a block of {longest} comment lines"
    return ""


def save(path: Path, text: str, expected: str | None, *, force: bool = False) -> Saved:
    """Write `text` if the file still has the fingerprint `expected` (or `force`), atomically.

    Written through a temporary file in the same folder, flushed to disk and renamed over the
    old one, so a reader (the checker, the learner's own editor) never sees half a file; the
    file's permission bits are kept. A symbolic link stays a link: its file is written.
    """
    link = Path(path)
    path = link.resolve() if link.is_symlink() else link  # through a link to its file, never over the link
    current = fingerprint(path)
    if not force and current != expected and current is not None:  # one deleted meanwhile is written again
        return Saved("conflict", current, f"{path.name} changed on disk since it was loaded")
    data = text.encode("utf-8")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o644  # a new file: what an editor would make (os.umask is process-wide, not asked)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        what = f"{path}, the file {link.name} links to" if path != link else path.name
        return Saved("error", current, f"could not save {what}: {exc.strerror or exc}")
    return Saved("saved", _digest(data), recreated=current is None and expected is not None)


def function_line(text: str, name: str) -> int | None:
    """The 0-based line of `def name(` in `text` (top level), also when the file does not parse."""
    try:
        tree = syntax.parse(text)
    except SyntaxError:
        pattern = re.compile(rf"^(async\s+)?def\s+{re.escape(name)}\s*\(")
        return next((i for i, line in enumerate(text.splitlines()) if pattern.match(line)), None)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return (node.decorator_list[0] if node.decorator_list else node).lineno - 1
    return None


def start_line(text: str, name: str) -> int | None:
    """Where the learner's work on `name` is: the first line of it still raising NotImplementedError (the stub's
    placeholder), else its `def` line; None when the file has no such function. 0-based."""
    lines = text.splitlines()
    first = function_line(text, name)
    if first is None:
        return None
    end = next(
        (i for i in range(first + 1, len(lines)) if re.match(r"(async\s+)?def\s|class\s|@", lines[i])), len(lines)
    )
    pattern = re.compile(r"\s*raise\s+NotImplementedError\b")
    return next((i for i in range(first, end) if pattern.match(lines[i])), first)
