"""The learner's exercise file: created once from the stubs, never overwritten, read without running it."""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .. import paths
from ..atomic import write_text as atomic_write_text
from . import EXERCISE_IDS, catalog, syntax

FILE_NAME = "exercises.py"

HEADER = '''"""Your solutions to the coding exercises of W1D5 "Optimization techniques".

Complete each function below and save the file, then press c on the
exercise's tab in optcourse-tui to check it. The imports and zero_grad
at the top are the course's helpers: the stubs use them.
"""

import numpy as np
import torch


def zero_grad(params):
    """Zero the gradients in place: loss.backward() adds to .grad, it does not replace it."""
    for par in params:
        if par.grad is not None:
            par.grad.data.zero_()
'''


def default_folder() -> Path:
    return paths.data_dir() / "workspace"


def workspace_file(folder: Path | None = None) -> Path:
    """Where the learner's file lives: FOLDER/exercises.py (default: the user data folder's workspace/)."""
    return Path(folder if folder is not None else default_folder()).expanduser() / FILE_NAME


def render() -> str:
    """The fresh file: the helpers, then every stub under a comment naming its exercise."""
    parts = [HEADER]
    for ex_id in EXERCISE_IDS:
        ex = catalog()[ex_id]
        parts.append(f"\n\n# {'-' * 4} {ex['title']} {'-' * max(4, 84 - len(ex['title']))}\n")
        parts.append("\n" + ex["stub"].strip("\n") + "\n")
    return "".join(parts)


@dataclass(frozen=True)
class WorkspaceState:
    """What is in the learner's file, read with ast (their code is not run)."""

    path: Path
    created: bool = False  # made just now from the stubs
    missing: tuple[str, ...] = ()  # exercises whose function the file does not define
    syntax_error: str = ""  # "line 12: invalid syntax", when the file cannot be parsed
    digests: dict[str, str] = field(default_factory=dict)  # function name -> digest of its code

    def has(self, name: str) -> bool:
        return name in self.digests


def ensure(folder: Path | None = None) -> WorkspaceState:
    """Create the file from the stubs if it does not exist (never overwrite it), then read it."""
    path = workspace_file(folder)
    created = False
    if not path.exists():
        # A link to a file not there yet: the file is made where it points, and the link stays a link.
        atomic_write_text(path.resolve() if path.is_symlink() else path, render())
        created = True
    state = read(path)
    return WorkspaceState(path, created, state.missing, state.syntax_error, state.digests)


def read(path: Path) -> WorkspaceState:
    """Which exercise functions the file defines, and a digest of each (changes when their code changes)."""
    try:
        source = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return WorkspaceState(Path(path), missing=EXERCISE_IDS, syntax_error="")
    except (OSError, UnicodeDecodeError) as exc:
        return WorkspaceState(Path(path), syntax_error=f"cannot read the file: {exc}")
    try:
        tree = syntax.parse(source, filename=str(path))
    except SyntaxError as exc:
        return WorkspaceState(Path(path), syntax_error=f"line {exc.lineno}: {exc.msg}")
    digests = _digests(tree)
    missing = tuple(e for e in EXERCISE_IDS if e not in digests)
    return WorkspaceState(Path(path), missing=missing, digests=digests)


def _digests(tree: ast.Module) -> dict[str, str]:
    """Function name -> digest of its code; ast.dump ignores comments, blank lines and formatting."""
    return {
        node.name: hashlib.sha256(ast.dump(node).encode()).hexdigest()[:16]
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


@cache
def _stub_digest(name: str) -> str | None:
    return _digests(syntax.parse(catalog()[name]["stub"])).get(name)


def is_stub(state: WorkspaceState, name: str) -> bool:
    """Whether the file's function `name` is still the untouched stub."""
    return name in state.digests and state.digests[name] == _stub_digest(name)


def digest_of(path: Path, name: str) -> str | None:
    """The digest of function `name` in the file now (None if it is not there or the file does not parse)."""
    return read(path).digests.get(name)
