"""Checking the learner's file in a separate process, with a time limit and cancellation (no torch here).

Their code may loop forever, call os._exit or crash the interpreter: it runs in a child
process (engine.exercises.runner) that is killed when the time limit passes or the learner
cancels, so the app never hangs or dies because of it.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import signal
import threading
import time
import traceback
from pathlib import Path

from . import forked, workspace
from .processes import FILE_VAR, MEMORY_VAR, TOKEN_VAR, OutputCap, end_check
from .report import CheckReport

TIME_LIMIT = 20.0  # seconds for the learner's code, counted once torch and the data are loaded
STARTUP_LIMIT = 180.0  # importing torch and loading MNIST on a slow machine
MEMORY_LIMIT = 2 << 30  # bytes the learner's code may add to the checking process (the checks need ~50 MB)
DRAIN_SECONDS = 0.5  # after the check ends, how long to collect what it printed last
_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the engine package


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def check(
    path: Path,
    exercise: str,
    *,
    timeout: float = TIME_LIMIT,
    cancel: threading.Event | None = None,
    data_dir: str | os.PathLike | None = None,
    startup_timeout: float = STARTUP_LIMIT,
    memory_limit: int = MEMORY_LIMIT,
    file_limit: int | None = None,
) -> CheckReport:
    """Run every check of `exercise` on the learner's file at `path`; never raises for their code's sake.

    What the check prints is kept only in part (its start and end, OutputCap); the learner's code
    may add at most `memory_limit` bytes to the process and write no file past `file_limit` bytes (default:
    engine.context.Limits'); at the end the process and everything it
    started is killed (processes.end_check).
    """
    path = Path(path)
    state = workspace.read(path)
    if not path.exists():
        return CheckReport(exercise, "missing", f"{path.name} does not exist: press e to create and edit it.")
    if not state.syntax_error and exercise in state.missing:
        return CheckReport(
            exercise,
            "missing",
            f"{path.name} has no function {exercise}: add it back (its "
            "signature is on this tab); your file was left as it is.",
        )
    if state.syntax_error:  # no need to start Python and torch to know it cannot be imported
        return _unparsable(path, exercise, state.syntax_error)
    if workspace.is_stub(state, exercise):  # no need to start Python and torch to know it raises
        return CheckReport(
            exercise,
            "error",
            f"Your {exercise} is still the stub: it raises NotImplementedError. "
            "Write your code in place of the raise line (e), then check again.",
        )
    cancel = cancel or threading.Event()
    read_fd, write_fd = os.pipe()
    token = secrets.token_hex(8)  # marks every process this check starts, however it detaches
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        **{TOKEN_VAR: token, MEMORY_VAR: str(int(memory_limit)), FILE_VAR: str(file_limit or "")},
    )
    try:  # forked from the warm template (torch and MNIST loaded), else started afresh
        proc = forked.start(path, exercise, write_fd, env, str(data_dir or ""), token)
        if proc is None:
            proc = forked.popen(path, exercise, write_fd, env, str(data_dir or ""))
    except OSError as exc:
        os.close(read_fd)
        return CheckReport(exercise, "broken", f"The checker could not start: {exc}.")
    finally:
        os.close(write_fd)
    assert proc.stdout is not None, "stdout=PIPE gives a pipe"
    out = OutputCap()
    try:
        return _wait(proc, read_fd, out, exercise, timeout, startup_timeout, cancel)
    finally:
        end_check(proc, token)
        os.close(read_fd)
        proc.stdout.close()


def _unparsable(path: Path, exercise: str, why: str) -> CheckReport:
    """The learner's file cannot be read or parsed: say so, where, and what to do, without running it."""
    if why.startswith("cannot read the file"):
        detail = "it is not UTF-8 text" if "codec can't decode" in why else why.removeprefix("cannot read the file: ")
        return CheckReport(
            exercise,
            "error",
            f"Your file {path.name} cannot be read ({detail}). Save it as UTF-8 text in a text editor (the app's "
            "own editor cannot open it), or move it away to get a fresh copy with every stub; then check again.",
        )
    try:  # the caret under the place Python stopped, as the learner would see it
        compile(path.read_bytes(), path.name, "exec")
        text = ""
    except (SyntaxError, ValueError) as exc:
        text = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
    except OSError:
        text = ""
    return CheckReport(
        exercise,
        "error",
        f"Your file {path.name} has a syntax error ({why.removeprefix('line None: ')}): "
        "fix it (e opens it in your editor), then check again.",
        error=text,
    )


def _drain(proc, out: OutputCap, seconds: float = DRAIN_SECONDS) -> str:
    """What is left in the output pipe (bounded in time: a grandchild may go on printing), then the text."""
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and select.select([fd], [], [], 0.02)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out.feed(chunk)
    return out.text()


def _wait(proc, read_fd, out: OutputCap, exercise, timeout, startup_timeout, cancel) -> CheckReport:
    buffer = b""
    deadline = time.monotonic() + startup_timeout
    ready = False
    eof = out_eof = False
    out_fd = proc.stdout.fileno()
    while True:
        if cancel.is_set():
            return CheckReport(exercise, "cancelled", "Check stopped.")
        if time.monotonic() > deadline:
            return _overdue(proc, out, exercise, ready, timeout, startup_timeout)
        readable = _readable([fd for fd, done in ((read_fd, eof), (out_fd, out_eof)) if not done])
        if out_fd in readable:  # drained as it comes, so a check that prints a lot never blocks
            chunk = os.read(out_fd, 65536)
            out_eof = not chunk
            out.feed(chunk)
        if read_fd in readable:
            chunk = os.read(read_fd, 65536)
            eof = not chunk
            messages, buffer = _messages(buffer + chunk)
            for message in messages:
                if message["phase"] == "ready":
                    ready, deadline = True, time.monotonic() + timeout
                elif (report := _finished(proc, out, exercise, message)) is not None:
                    return report
        code = proc.poll()
        if code is not None and (eof or not select.select([read_fd], [], [], 0)[0]):
            return _ended(proc, out, exercise, code, ready)


def _readable(fds: list[int]) -> list[int]:
    """Those of `fds` with something to read within 50 ms (after 50 ms when none is left to watch)."""
    if not fds:
        time.sleep(0.05)
        return []
    return select.select(fds, [], [], 0.05)[0]


def _messages(buffer: bytes) -> tuple[list[dict], bytes]:
    """The runner's messages in the complete lines of `buffer`, and what is left of it."""
    messages = []
    while b"\n" in buffer:
        line, buffer = buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
            message["phase"]
        except (ValueError, KeyError, TypeError):  # not the runner's (their code wrote there)
            continue
        messages.append(message)
    return messages, buffer


def _finished(proc, out: OutputCap, exercise, message: dict) -> CheckReport | None:
    """The report a "done" or "broken" message ends the check with; None for any other phase."""
    if message["phase"] == "done":
        report = CheckReport.from_dict(message["report"])
        output = _drain(proc, out)
        return CheckReport(**{**report.__dict__, "output": output}) if output else report
    if message["phase"] == "broken":
        return CheckReport(exercise, "broken", message.get("message", "the checker failed"))
    return None


def _overdue(proc, out: OutputCap, exercise, ready: bool, timeout, startup_timeout) -> CheckReport:
    if not ready:
        return CheckReport(exercise, "broken", f"The checker did not start within {startup_timeout:.0f} s.")
    return CheckReport(
        exercise,
        "timeout",
        f"Your code ran for more than {timeout:g} s and was stopped: is there a loop that never ends?",
        output=_drain(proc, out, 0.1),
    )


def _ended(proc, out: OutputCap, exercise, code: int, ready: bool) -> CheckReport:
    """The report when the checking process ended before it sent one."""
    if not ready:
        return CheckReport(
            exercise,
            "broken",
            f"The checker ended before it started (exit code {code}).",
            output=_drain(proc, out),
        )
    if code < 0:
        why = f"it was killed by {_signal_name(code)}" + (" (a crash)" if code == -signal.SIGSEGV else "")
    else:
        why = f"it exited with code {code} (os._exit or exit() at the top level?)"
    return CheckReport(
        exercise,
        "crashed",
        f"Your code ended the checking process before the checks finished: {why}.",
        output=_drain(proc, out),
    )
