"""The learner's progress and answers as small JSON files, written atomically, never fatal when damaged."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from . import paths
from .atomic import write_text as atomic_write_text

PROGRESS_FILE = "progress.json"
ANSWERS_FILE = "answers.json"
VERSION = 1

__all__ = ["ANSWERS_FILE", "PROGRESS_FILE", "JsonStore", "Progress", "atomic_write_text", "clear_progress"]


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


class JsonStore:
    """One JSON object on disk; a file that cannot be read as one is set aside and replaced by {}.

    `clean(data)` returns the entries it can use and a list of those it cannot; a file with any
    such entry is set aside too, and the usable entries are written back at once.
    """

    def __init__(self, path: Path, clean: Cleaner | None = None):
        self.path = path
        self.notices: list[str] = []  # for the learner: what was set aside or could not be written
        self._unreadable = ""  # the file exists but could not be read: never save over it
        self.data = self._load(clean)

    def _where(self) -> str:
        return f"{self.path.name} (in {self.path.parent})"

    def _set_aside(self, why: str) -> bool:
        try:
            moved = set_aside(self.path)
        except OSError as exc:
            self._unreadable = f"it is damaged and could not be set aside ({exc.strerror or exc})"
            self.notices.append(
                f"{self._where()} is damaged: {why}; it could not be set aside ({exc.strerror or exc}), "
                "so nothing will be saved over it. Move it away, then restart."
            )
            return False
        self.notices.append(
            f"{self._where()} was damaged: {why}. It was set aside as {moved.name} and a fresh one started"
        )
        return True

    def _load(self, clean: Cleaner | None) -> dict:
        try:
            raw = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):  # not there (yet): saving will say if it cannot be
            return {}
        except OSError as exc:
            self._unreadable = exc.strerror or str(exc)
            self.notices.append(
                f"{self._where()} could not be read ({self._unreadable}); changes will not be saved over it "
                "until it can be read (check its permissions, then restart)."
            )
            return {}
        try:
            data = _decode(raw)
        except ValueError as exc:
            if self._set_aside(str(exc)):
                self.notices[-1] += "."
            return {}
        if clean is None:
            return data
        kept, problems = clean(data)
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        if problems and self._set_aside("; ".join(problems[:3]) + more):
            notice = len(self.notices) - 1
            self.data = kept
            self.notices[notice] += " with the readable entries." if self.save() else "."
        return kept

    def save(self) -> bool:
        if self._unreadable:
            return False  # the learner was told once at start-up why
        try:
            atomic_write_text(self.path, json.dumps({"version": VERSION, **self.data}, indent=1, sort_keys=True))
            return True
        except OSError as exc:
            self.notices.append(f"Could not save {self._where()} ({exc.strerror or exc}).")
            return False


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


class Progress:
    """Visited sections, the last one opened, passed exercises (with the passing code's digest),
    the "use my implementation" choices, and the answers to the questions."""

    def __init__(self, home: Path | None = None):
        self.home = Path(home) if home is not None else paths.data_dir()
        self._progress = JsonStore(self.home / PROGRESS_FILE, clean_progress)
        self._answers = JsonStore(self.home / ANSWERS_FILE, clean_answers)
        p, _ = clean_progress(self._progress.data)
        self.visited: list[str] = p["visited"]
        self.last_section: str | None = p["last_section"]
        self.passed: dict[str, str] = p["passed"]
        self.use_mine: dict[str, bool] = p["use_mine"]
        self.answers: dict[str, str] = clean_answers(self._answers.data)[0]["answers"]

    @property
    def notices(self) -> list[str]:
        return self._progress.notices + self._answers.notices

    def take_notices(self) -> list[str]:
        """The notices not yet shown (each is returned once)."""
        out = self.notices
        self._progress.notices.clear()
        self._answers.notices.clear()
        return out

    # -- changes (each saved at once) -----------------------------------------------------
    def save(self) -> bool:
        self._progress.data = {
            "visited": self.visited,
            "last_section": self.last_section,
            "passed": self.passed,
            "use_mine": self.use_mine,
        }
        return self._progress.save()

    def visit(self, key: str) -> None:
        if key not in self.visited:
            self.visited.append(key)
        self.last_section = key
        self.save()

    def mark_passed(self, exercise_id: str, digest: str) -> None:
        self.passed[exercise_id] = digest
        self.save()

    def set_use_mine(self, exercise_id: str, value: bool) -> None:
        self.use_mine[exercise_id] = value
        self.save()

    def set_answer(self, question_id: str, text: str) -> bool:
        if self.answers.get(question_id, "") == text:
            return True
        if text.strip():
            self.answers[question_id] = text
        else:
            self.answers.pop(question_id, None)
        self._answers.data = {"answers": self.answers}
        return self._answers.save()

    def answered(self, question_ids) -> int:
        return sum(1 for q in question_ids if self.answers.get(q, "").strip())

    # -- reset --------------------------------------------------------------------------
    def files(self) -> list[Path]:
        return [self._progress.path, self._answers.path]


def clear_progress(home: Path | None = None) -> list[Path]:
    """Delete the progress and answers files; returns those that existed (the exercise file is not touched)."""
    home = Path(home) if home is not None else paths.data_dir()
    removed = []
    for name in (PROGRESS_FILE, ANSWERS_FILE):
        p = home / name
        if p.exists():
            p.unlink()
            removed.append(p)
    return removed
