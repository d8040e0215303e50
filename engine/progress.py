"""The learner's progress, answers and choices: one SQLite row per item, so windows never undo each other's changes.

Each change is a small UPSERT of one (kind, key) row in its own transaction, never a rewrite of
everything from one process's memory: two windows (or two browser tabs of `serve`, each its own
process) on one data folder each keep what they wrote. The database uses write-ahead logging and
waits up to `timeout` seconds for another writer. A window reads the rows again with `refresh`
(the app does so whenever it shows a screen), so it picks up what the others wrote.

Nothing read from disk raises: a damaged file is set aside as <name>.corrupt-<time> (its
readable rows kept), a locked, read-only or full one is named in a notice with the fix, and a
change that could not be written is kept in memory and written with the next one that can be.
The old progress.json and answers.json are moved in once and kept beside as <name>.migrated.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from . import paths
from .progress_json import (
    ANSWER,
    ANSWERS_FILE,
    LAST,
    PASSED,
    PROGRESS_FILE,
    USE_MINE,
    VISITED,
    read_olds,
    retire,
    set_aside,
)

DB_FILE = "progress.sqlite3"
TIMEOUT = 5.0  # seconds to wait for another window's write
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS items"
    " (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key))"
)
UPSERT = (
    "INSERT INTO items (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value"
)

__all__ = ["ANSWERS_FILE", "DB_FILE", "PROGRESS_FILE", "ProgressStore", "clear_progress"]


def problem_of(exc: BaseException) -> str:
    """What kind of trouble a sqlite3 or OS error means: locked, readonly, full, damaged, folder, cantopen or other."""
    if isinstance(exc, OSError):
        return "folder"
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "locked"
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return "readonly"
    if name.startswith("SQLITE_FULL") or "is full" in text:
        return "full"
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in text or "malformed" in text:
        return "damaged"
    if "no such column" in text or "no such table" in text or "has no column" in text:
        return "damaged"  # another program's table of that name
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "cantopen"
    return "other"


class ProgressStore:
    """Visited sections, the last one opened, passed exercises (with the passing code's digest), the
    "use my implementation" choices, the answers to the questions, and any other (kind, key) -> text.

    `notices` collects, for the learner, what was set aside or could not be written (each said once).
    """

    def __init__(self, home: Path | None = None, timeout: float = TIMEOUT):
        self.home = Path(home) if home is not None else paths.data_dir()
        self.path = self.home / DB_FILE
        self.timeout = timeout
        self.notices: list[str] = []
        self._told: set[str] = set()
        self._items: dict[str, dict[str, str]] = {}
        self._unsaved: dict[tuple[str, str], str | None] = {}  # changes not written yet (a lock, a full disk)
        self._old: list[tuple[str, str, str]] = []  # rows of the old JSON files not moved in yet
        self._broken = ""  # damaged and could not be set aside: nothing is written to it
        self.writing = False  # a write is under way (a signal handler must not start another)
        self._db: sqlite3.Connection | None = None
        self._db_ident: tuple[int, int] | None = None
        self._move_old_files()
        self.refresh()

    @property
    def where(self) -> str:
        return f"{self.path.name} (in {self.path.parent})"

    def take_notices(self) -> list[str]:
        """The notices not yet shown (each is returned once)."""
        out, self.notices = self.notices, []
        return out

    def _tell(self, text: str) -> None:
        if text not in self._told:
            self._told.add(text)
            self.notices.append(text)

    # -- reading ----------------------------------------------------------------------------------
    @property
    def visited(self) -> list[str]:
        return list(self._items.get(VISITED, {}))

    @property
    def last_section(self) -> str | None:
        return self._items.get(LAST, {}).get("")

    @property
    def passed(self) -> dict[str, str]:
        return dict(self._items.get(PASSED, {}))

    @property
    def use_mine(self) -> dict[str, bool]:
        return {k: v == "1" for k, v in self._items.get(USE_MINE, {}).items()}

    @property
    def answers(self) -> dict[str, str]:
        return dict(self._items.get(ANSWER, {}))

    def get(self, kind: str, key: str, default: str | None = None) -> str | None:
        return self._items.get(kind, {}).get(key, default)

    def items(self, kind: str) -> dict[str, str]:
        return dict(self._items.get(kind, {}))

    def all_items(self) -> dict[str, dict[str, str]]:
        return {kind: dict(items) for kind, items in self._items.items()}

    def answered(self, question_ids) -> int:
        answers = self._items.get(ANSWER, {})
        return sum(1 for q in question_ids if answers.get(q, "").strip())

    def refresh(self) -> None:
        """Read every row again (what other windows wrote); a file that cannot be read keeps what is known."""
        rows = self._read()
        if rows is None:
            return
        items: dict[str, dict[str, str]] = {}
        bad = 0
        for row in rows:
            if len(row) != 3 or not all(isinstance(v, str) for v in row):
                bad += 1
                continue
            items.setdefault(row[0], {})[row[1]] = row[2]
        for kind, key, old in self._old:  # not moved in yet: shown all the same
            items.setdefault(kind, {}).setdefault(key, old)
        for (kind, key), change in self._unsaved.items():
            self._apply(items, kind, key, change)
        self._items = items
        if bad:
            self._tell(
                f"{self.where} holds {bad} entr{'y' if bad == 1 else 'ies'} that are not text; they were ignored."
            )

    @staticmethod
    def _apply(items: dict, kind: str, key: str, value: str | None) -> None:
        if value is None:
            items.get(kind, {}).pop(key, None)
        else:
            items.setdefault(kind, {})[key] = value

    def _read(self) -> list[tuple] | None:
        if not self.path.exists():
            return []
        try:
            return self._conn().execute("SELECT kind, key, value FROM items ORDER BY rowid").fetchall()
        except (sqlite3.Error, OSError) as exc:
            self.close()
            kind = problem_of(exc)
            if kind == "damaged":
                return self._set_aside(str(exc))
            if kind in ("readonly", "cantopen"):
                return self._read_only(exc)
            self._tell(self._explain(exc, "your progress could not be read now"))
            return None

    def _read_only(self, exc: BaseException) -> list[tuple] | None:
        """The rows of a file that can be read but not written, with a notice saying so and the fix."""
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.timeout)
            try:
                rows = conn.execute("SELECT kind, key, value FROM items ORDER BY rowid").fetchall()
            finally:
                conn.close()
        except sqlite3.Error as again:
            self._tell(self._explain(again if problem_of(again) != "other" else exc, "your progress could not be read"))
            return None
        self._tell(self._explain(exc, "changes cannot be kept"))
        return rows

    # -- writing ----------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """The open connection (kept: a commit is then ~0.3 ms, reopening costs a checkpoint and an fsync),
        opened again when the file at `path` is no longer the one it has open (set aside by another window)."""
        ident = _identity(self.path)
        if self._db is None or ident != self._db_ident:
            self.close()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            try:
                conn.execute(SCHEMA)
                conn.execute("SELECT kind, key, value FROM items LIMIT 0")  # another program's table: left as it is
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(
                    "PRAGMA synchronous=NORMAL"
                )  # with WAL: never corrupt; a power cut may lose the last write
            except BaseException:
                conn.close()
                raise
            self._db, self._db_ident = conn, _identity(self.path)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def put(self, kind: str, key: str, value: str | None, what: str = "a change") -> bool:
        """Set (or, with None, forget) one item and write it; False when it could not be written (a notice says why;
        the change is kept here and written with the next one that can be)."""
        self._apply(self._items, kind, key, value)
        self._unsaved[(kind, key)] = value
        return self._flush(what)

    def _flush(self, what: str, retry: bool = True) -> bool:
        if self._broken:
            self._tell(self._broken)
            return False
        self.writing = True
        try:
            self._write_rows(list(self._unsaved.items()))
        except (sqlite3.Error, OSError) as exc:
            if retry and problem_of(exc) == "damaged" and self._set_aside(str(exc)) is not None:
                return self._flush(what, retry=False)
            self._tell(
                self._explain(exc, f"{what} was not saved yet (kept while the app runs, saved with the next change)")
            )
            return False
        finally:
            self.writing = False
        self._unsaved.clear()
        self._told.clear()  # a problem that comes back is said again
        if self._old:
            self._move_old_files()
        return True

    def _write_rows(self, changes, *, replace: bool = True) -> None:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for (kind, key), value in changes:
                if value is None:
                    conn.execute("DELETE FROM items WHERE kind = ? AND key = ?", (kind, key))
                elif replace:
                    conn.execute(UPSERT, (kind, key, value))
                else:
                    conn.execute("INSERT OR IGNORE INTO items VALUES (?, ?, ?)", (kind, key, value))
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            self.close()
            raise

    def _explain(self, exc: BaseException, what: str) -> str:
        """Why the file cannot be used, what that means now, and the fix, for a learner."""
        kind = problem_of(exc)
        if kind == "folder":
            return (
                f"Could not save {self.where}: its folder cannot be made ({getattr(exc, 'strerror', None) or exc}); "
                f"{what}. Move the file in the way, or set OPTCOURSE_HOME to a folder you can write."
            )
        if kind == "locked":
            return (
                f"{self.where} is locked by another program (another optcourse-tui?) for more than {self.timeout:g} s; "
                f"{what}. If it lasts, close the other program."
            )
        if kind == "readonly":
            return f"{self.where} is read-only: {what}. Make it writable (chmod u+w {self.path})."
        if kind == "full":
            return f"The disk holding {self.where} is full: {what}. Free some space."
        if kind == "cantopen":
            return (
                f"{self.where} cannot be opened ({exc}): {what}. Check that you may read and write it and its "
                f"folder (ls -l {self.path}), or set OPTCOURSE_HOME to another folder."
            )
        return f"{self.where} could not be used ({exc}): {what}."

    # -- a damaged file ---------------------------------------------------------------------------
    def _salvage(self) -> list[tuple[str, str, str]]:
        """The rows that can still be read from a damaged file (often none)."""
        rows: list[tuple[str, str, str]] = []
        with contextlib.suppress(sqlite3.Error, OSError):
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.timeout)
            try:
                cursor = conn.execute("SELECT kind, key, value FROM items ORDER BY rowid")
                while (row := cursor.fetchone()) is not None:
                    if all(isinstance(v, str) for v in row):
                        rows.append(row)
            finally:
                conn.close()
        return rows

    def _set_aside(self, why: str) -> list[tuple] | None:
        """Move a damaged file away and start a fresh one with its readable rows; the rows, or None if it could not."""
        self.close()
        rows = self._salvage()
        try:
            moved = set_aside(self.path)
        except OSError as exc:
            self._broken = (
                f"{self.where} is damaged ({why}) and could not be set aside ({exc.strerror or exc}): nothing is saved "
                "in it. Move it away, then restart."
            )
            self._tell(self._broken)
            return None
        for extra in ("-wal", "-shm"):  # its write-ahead log belongs with it
            with contextlib.suppress(OSError):
                os.replace(self.path.with_name(self.path.name + extra), moved.with_name(moved.name + extra))
        known = [((k, key), v) for k, d in self._items.items() for key, v in d.items()]
        try:
            self._write_rows([((k, key), v) for k, key, v in rows] + known)
        except (sqlite3.Error, OSError) as exc:
            self._tell(self._explain(exc, "a fresh one could not be started"))
        kept = f" with its {len(rows)} readable entries" if rows else ""
        self._tell(f"{self.where} was damaged: {why}. It was set aside as {moved.name} and a fresh one started{kept}.")
        return rows

    # -- the old JSON files -----------------------------------------------------------------------
    def _move_old_files(self) -> None:
        """Move progress.json and answers.json in (never over a newer row), then rename them <name>.migrated."""
        olds, rows = read_olds(self.home, DB_FILE)
        for old in olds:
            for notice in old.notices:
                self._tell(notice)
        if not olds:
            self._old = []
            return
        try:
            self._write_rows([((k, key), v) for k, key, v in rows], replace=False)
        except (sqlite3.Error, OSError) as exc:
            self._old = rows
            self._tell(self._explain(exc, f"the old {PROGRESS_FILE} and {ANSWERS_FILE} were not moved into it yet"))
            return
        self._old = []
        retire(olds)

    # -- changes -----------------------------------------------------------------------------------
    def visit(self, key: str) -> None:
        if key not in self._items.get(VISITED, {}):
            self.put(VISITED, key, "", "the section visited")
        self.put(LAST, "", key, "the section visited")

    def mark_passed(self, exercise_id: str, digest: str) -> None:
        self.put(PASSED, exercise_id, digest, "the exercise passed")

    def set_use_mine(self, exercise_id: str, value: bool) -> None:
        self.put(USE_MINE, exercise_id, "1" if value else "0", "your reference/yours choice")

    def set_answer(self, question_id: str, text: str) -> bool:
        if self.answers.get(question_id, "") == text:
            return True
        return self.put(ANSWER, question_id, text if text.strip() else None, "your answer")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def clear_progress(home: Path | None = None) -> tuple[int, list[str]]:
    """Forget every item and any old JSON file not moved in yet (the exercise file is not touched).

    Returns how many items were forgotten, and notices (a damaged or locked file) for the terminal.
    """
    home = Path(home) if home is not None else paths.data_dir()
    cleared = 0
    for name in (PROGRESS_FILE, ANSWERS_FILE):
        with contextlib.suppress(FileNotFoundError):
            (home / name).unlink()
            cleared += 1
    progress = ProgressStore(home)
    for kind, items in progress.all_items().items():
        for key in items:
            progress.put(kind, key, None, "clearing your progress")
            cleared += 1
    progress.close()
    return cleared, progress.take_notices()
