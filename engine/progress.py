"""The learner's progress and answers as small JSON files, written atomically, never fatal when damaged."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from . import paths

PROGRESS_FILE = "progress.json"
ANSWERS_FILE = "answers.json"
VERSION = 1


def atomic_write_text(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and os.replace it: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_aside(path: Path) -> Path:
    """Rename a damaged file to <name>.corrupt-<timestamp> (kept for the learner to inspect)."""
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    os.replace(path, target)
    return target


class JsonStore:
    """One JSON object on disk; a file that cannot be read as one is set aside and replaced by {}."""

    def __init__(self, path: Path):
        self.path = path
        self.notices: list[str] = []  # for the learner: what was set aside or could not be written
        self.data = self._load()

    def _load(self) -> dict:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self.notices.append(f"Could not read {self.path.name} ({exc.strerror}); starting afresh.")
            return {}
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError:
            try:
                moved = set_aside(self.path)
                self.notices.append(
                    f"{self.path.name} was damaged; it was set aside as {moved.name} and a fresh one started."
                )
            except OSError as exc:
                self.notices.append(f"{self.path.name} is damaged and could not be set aside ({exc.strerror}).")
            return {}
        return data

    def save(self) -> bool:
        try:
            atomic_write_text(self.path, json.dumps({"version": VERSION, **self.data}, indent=1, sort_keys=True))
            return True
        except OSError as exc:
            self.notices.append(f"Could not save {self.path.name} ({exc.strerror or exc}).")
            return False


def _str_list(value) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _str_dict(value, kind) -> dict:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, kind)}


class Progress:
    """Visited sections, the last one opened, passed exercises (with the passing code's digest),
    the "use my implementation" choices, and the answers to the questions."""

    def __init__(self, home: Path | None = None):
        self.home = Path(home) if home is not None else paths.data_dir()
        self._progress = JsonStore(self.home / PROGRESS_FILE)
        self._answers = JsonStore(self.home / ANSWERS_FILE)
        p, a = self._progress.data, self._answers.data
        self.visited: list[str] = _str_list(p.get("visited"))
        self.last_section: str | None = p.get("last_section") if isinstance(p.get("last_section"), str) else None
        self.passed: dict[str, str] = _str_dict(p.get("passed"), str)
        self.use_mine: dict[str, bool] = _str_dict(p.get("use_mine"), bool)
        self.answers: dict[str, str] = _str_dict(a.get("answers"), str)

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
