"""The old progress.json and answers.json, read once to move them into progress.sqlite3 (engine.progress).

A file that cannot be read as JSON is set aside as <name>.corrupt-<time> with a notice, as it
always was; its readable entries are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROGRESS_FILE = "progress.json"
ANSWERS_FILE = "answers.json"
# The kinds of item engine.progress keeps (others, such as the editor's cursor, go through its get/put).
VISITED, LAST, PASSED, USE_MINE, ANSWER = "visited", "last_section", "passed", "use_mine", "answer"


def set_aside(path: Path) -> Path:
    """Rename a damaged file to <name>.corrupt-<timestamp> (kept for the learner to inspect)."""
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    os.replace(path, target)
    return target


def kind_of(value) -> str:
    """A JSON value's kind in plain words: "a list", "a number", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    kinds: dict[type, str] = {str: "a string", list: "a list", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)


def _decode(raw: bytes) -> dict:
    """The JSON object in `raw`; ValueError saying in plain words why it is not one."""
    if not raw.strip():
        raise ValueError("it is empty" if not raw else "it holds only blank space")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"it is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError(f"it holds {kind_of(data)}, not an object")
    return data


Cleaner = Callable[[dict], tuple[dict, list[str]]]


@dataclass
class OldFile:
    """What one old JSON file held: its usable entries, what to tell the learner, and whether it was read."""

    path: Path
    data: dict = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    read: bool = True  # False: it exists but could not be read now (it stays where it is, for the next start)


def read_old(path: Path, clean: Cleaner, into: str) -> OldFile:
    """Read `path` for moving it into `into` (a file name): a damaged file is set aside with a notice."""
    old = OldFile(path)
    where = f"{path.name} (in {path.parent})"
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return old
    except OSError as exc:
        old.read = False
        old.notices.append(
            f"{where} could not be read ({exc.strerror or exc}), so it was not moved into {into} yet: "
            "check its permissions, then restart."
        )
        return old
    try:
        data = _decode(raw)
        old.data, problems = clean(data)
    except ValueError as exc:
        problems = [str(exc)]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        why = "; ".join(problems[:3]) + more
        try:
            moved = set_aside(path)
        except OSError as exc:
            old.read = False
            old.notices.append(
                f"{where} is damaged: {why}; it could not be set aside ({exc.strerror or exc}). "
                "Move it away, then restart."
            )
            return old
        kept = " its readable entries were kept" if any(old.data.values()) else " a fresh one started"
        old.notices.append(f"{where} was damaged: {why}. It was set aside as {moved.name};{kept} (in {into}).")
    return old


def _str_list(value, name: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{name} is {kind_of(value)}, not a list")
        return []
    for i, v in enumerate(value):
        if not isinstance(v, str):
            problems.append(f"{name}[{i}] is {kind_of(v)}, not a section name")
    return [v for v in value if isinstance(v, str)]


def _str_dict(value, name: str, kind: type, what: str, problems: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{name} is {kind_of(value)}, not an object")
        return {}
    for k, v in value.items():
        if not isinstance(v, kind):
            problems.append(f"{name}[{k!r}] is {kind_of(v)}, not {what}")
    return {k: v for k, v in value.items() if isinstance(v, kind)}


def clean_progress(data: dict) -> tuple[dict, list[str]]:
    """The usable entries of progress.json, and what is wrong with the others."""
    problems: list[str] = []
    last = data.get("last_section")
    if last is not None and not isinstance(last, str):
        problems.append(f"last_section is {kind_of(last)}, not a section name")
        last = None
    kept = {
        "visited": _str_list(data.get("visited"), "visited", problems),
        "last_section": last,
        "passed": _str_dict(data.get("passed"), "passed", str, "a digest (a string)", problems),
        "use_mine": _str_dict(data.get("use_mine"), "use_mine", bool, "true/false", problems),
    }
    return kept, problems


def clean_answers(data: dict) -> tuple[dict, list[str]]:
    """The usable answers of answers.json, and what is wrong with the others."""
    problems: list[str] = []
    return {"answers": _str_dict(data.get("answers"), "answers", str, "text", problems)}, problems


def read_olds(home: Path, into: str) -> tuple[list[OldFile], list[tuple[str, str, str]]]:
    """The old files in `home` that are there (or were just set aside), and the (kind, key, value) rows they hold."""
    olds = [read_old(home / PROGRESS_FILE, clean_progress, into), read_old(home / ANSWERS_FILE, clean_answers, into)]
    olds = [o for o in olds if (o.read and o.path.exists()) or o.notices]
    rows: list[tuple[str, str, str]] = []
    for old in olds:
        data = old.data
        rows += [(VISITED, key, "") for key in data.get("visited", [])]
        if data.get("last_section"):
            rows.append((LAST, "", data["last_section"]))
        rows += [(PASSED, k, v) for k, v in data.get("passed", {}).items()]
        rows += [(USE_MINE, k, "1" if v else "0") for k, v in data.get("use_mine", {}).items()]
        rows += [(ANSWER, k, v) for k, v in data.get("answers", {}).items() if v.strip()]
    return olds, rows


def retire(olds: list[OldFile]) -> None:
    """Rename each old file that was read to <name>.migrated (-1, -2... beside an earlier one), never read again."""
    for old in olds:
        if not (old.read and old.path.exists()):
            continue
        target = base = old.path.with_name(old.path.name + ".migrated")
        n = 1
        while target.exists():
            target, n = base.with_name(f"{base.name}-{n}"), n + 1
        with contextlib.suppress(OSError):  # another window moved it first
            os.replace(old.path, target)
