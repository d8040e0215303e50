"""The learner's own functions, imported in-process for the demos once their exercise has passed."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .calling import LearnerError, call

_counter = itertools.count(1)


class LearnerCodeError(RuntimeError):
    """The learner's file cannot give the function; the message says why (shown in a demo's status line)."""


def load_learner_function(workspace_file: str | Path, name: str) -> Callable[..., Any]:
    """Import the learner's file afresh (so their latest edits count) and return its function `name`."""
    path = Path(workspace_file)
    if not path.is_file():
        raise LearnerCodeError(f"your exercise file {path.name} is missing; the reference {name} is used instead")
    module_name = f"optcourse_learner_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None, "a .py file always has a source loader"
    module = importlib.util.module_from_spec(spec)
    try:
        call(spec.loader.exec_module, module, filename=str(path))
    except LearnerError as exc:
        raise LearnerCodeError(f"your exercise file {path.name} could not be imported ({exc.summary})") from None
    finally:
        sys.modules.pop(module_name, None)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise LearnerCodeError(f"your exercise file has no function {name}")
    return fn


def load_learner_functions(paths: dict[str, str]) -> dict[str, Callable[..., Any]]:
    """{name: path} (from app.learner_functions) -> {name: the learner's function}."""
    return {name: load_learner_function(path, name) for name, path in paths.items()}
