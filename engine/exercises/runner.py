"""The checking process: loads the data, imports the learner's file, runs the checks, reports on a pipe.

Run as `python -m engine.exercises.runner FILE EXERCISE STATUS_FD [DATA_DIR]` by the checker;
it writes JSON lines to STATUS_FD: {"phase": "ready"} once torch and the data are loaded
(the learner's time limit starts there), then {"phase": "done", "report": {...}} or
{"phase": "broken", "message": "..."}. Their prints go to this process's stdout.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

from ..proctree import file_limit_as_error, limit_file_size, no_core_files
from ..settings import Limits
from .processes import FILE_VAR, MEMORY_VAR, become_subreaper, limit_memory


def _send(fd: int, message: dict) -> None:
    os.write(fd, (json.dumps(message) + "\n").encode())


def load_module(path: str, name: str = "learner_exercises"):
    """Import the learner's file as a fresh module (LearnerError if importing it raises)."""
    from .calling import call

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, "a .py file always has a source loader"
    module = importlib.util.module_from_spec(spec)
    call(spec.loader.exec_module, module, filename=path)
    return module


def _memory_report(report, allowance: int):
    """A check that ran out of the memory it may use, said in the learner's terms."""
    from .report import CheckReport

    text = f"{report.summary}\n{report.error}"
    if allowance <= 0 or ("MemoryError" not in text and "can't allocate memory" not in text):
        return report
    size = f"{allowance / 2**30:.1f} GB" if allowance >= 2**30 else f"{allowance / 2**20:.0f} MB"
    summary = (
        f"Your code needed more memory than a check may use ({size}) and was stopped: "
        "is a tensor much larger than you meant (a full matrix where a vector would do, or a copy per step)?"
    )
    return CheckReport(**{**report.__dict__, "summary": summary})


def main(argv: list[str]) -> int:
    path, ex, fd = argv[0], argv[1], int(argv[2])
    data_dir = argv[3] if len(argv) > 3 and argv[3] else None
    become_subreaper()  # what their code forks and leaves behind stays ours, so the checker can end it
    file_limit_as_error()  # a write past the limit fails with a message instead of killing the check
    limit_file_size(int(os.environ.get(FILE_VAR) or Limits().file_bytes))
    no_core_files()
    try:
        import torch

        # The checks are tiny: one thread avoids the start-up cost of a thread pool per operation,
        # which dominates on a busy machine, and leaves the other cores to the app.
        torch.set_num_threads(1)
        from engine.data import course_subset, load_mnist

        from .calling import LearnerError
        from .cases import check_function
        from .report import CheckReport

        subset = course_subset(load_mnist(data_dir, "cpu"))
    except Exception as exc:  # noqa: BLE001  the data or the install is broken, not their code: a report says so
        _send(fd, {"phase": "broken", "message": f"the checker could not start: {type(exc).__name__}: {exc}"})
        return 1
    allowance = int(os.environ.get(MEMORY_VAR) or 0)
    if allowance > 0:  # from here on, what their code allocates counts against the limit
        limit_memory(allowance)
    _send(fd, {"phase": "ready"})
    try:
        module = load_module(path)
    except LearnerError as exc:
        report = CheckReport(ex, "error", f"Your file could not be imported: {exc.summary}.", error=exc.text)
        _send(fd, {"phase": "done", "report": _memory_report(report, allowance).to_dict()})
        return 0
    fn = getattr(module, ex, None)
    if not callable(fn):
        report = CheckReport(
            ex, "missing", f"Your file defines no function {ex}: add it back (its signature is on the Exercise tab)."
        )
    else:
        report = check_function(ex, fn, subset, filename=path)
    if allowance > 0:
        report = _memory_report(report, allowance)
    sys.stdout.flush()
    _send(fd, {"phase": "done", "report": report.to_dict()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
