"""Calling the learner's code: any exception becomes a LearnerError carrying their own traceback lines."""

from __future__ import annotations

import errno
import os
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import CourseCase

_HERE = os.path.dirname(os.path.realpath(__file__)) + os.sep


class LearnerError(Exception):
    """The learner's code raised; `text` is a traceback of their file's lines only."""

    def __init__(self, text: str, summary: str):
        super().__init__(summary)
        self.text, self.summary = text, summary
        self.case: CourseCase | None = None  # the course's cell so far, when raised from it (cases.py)


def learner_traceback(exc: BaseException, filename: str | None) -> str:
    """The frames of `filename` (their file) and the exception line; the checker's own frames are left out."""
    frames = traceback.extract_tb(exc.__traceback__)
    if filename:
        wanted = os.path.realpath(filename)
        keep = [f for f in frames if os.path.realpath(f.filename) == wanted]
    else:  # their code came without a file: leave out at least the checker's own frames
        keep = [f for f in frames if not os.path.realpath(f.filename).startswith(_HERE)]
    frames = traceback.StackSummary.from_list(keep)
    for f in frames:  # the file name alone: the folder is long, and the learner knows it
        f.filename = os.path.basename(f.filename)
    lines = ["Traceback (your file's lines only):\n", *traceback.format_list(frames)] if frames else []
    if isinstance(exc, SyntaxError) and exc.filename:
        exc.filename = os.path.basename(exc.filename)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def describe(exc: BaseException) -> str:
    """One line for the summary: what their code raised."""
    if isinstance(exc, SystemExit):
        return "your code called exit() or sys.exit()"
    if isinstance(exc, KeyboardInterrupt):
        return "your code was interrupted"
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        from ..proctree import file_limit_text

        return f"OSError: a file it wrote reached the size limit ({file_limit_text()}) and was stopped there"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(text) > 90:  # the whole message is in the traceback below the summary
        text = text[:88].rstrip() + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def call(fn, *args, filename: str | None = None, **kwargs):
    """fn(*args, **kwargs), with anything it raises (exit() included) turned into a LearnerError."""
    try:
        return fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001  learner code may raise anything, exit() included
        if isinstance(exc, SystemExit):
            text = "Your code called exit() or sys.exit() (raise an exception instead, or return)."
            frames = learner_traceback(exc, filename)
            raise LearnerError(
                frames.rsplit("\n", 1)[0] + "\n" + text if "\n" in frames else text, describe(exc)
            ) from None
        raise LearnerError(learner_traceback(exc, filename), describe(exc)) from None
