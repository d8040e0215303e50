"""Checking the learner's file in a separate process, with a time limit and cancellation (no torch here).

Their code may loop forever, call os._exit or crash the interpreter: it runs in a child
process (engine.exercises.runner) that is killed when the time limit passes or the learner
cancels, so the app never hangs or dies because of it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import workspace
from .report import CheckReport

TIME_LIMIT = 20.0  # seconds for the learner's code, counted once torch and the data are loaded
STARTUP_LIMIT = 180.0  # importing torch and loading MNIST on a slow machine
OUTPUT_LINES = 12
_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the engine package


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _kill(proc: subprocess.Popen) -> None:
    """Kill the child and anything it started (it leads its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    proc.wait()


def _tail(out) -> str:
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "\n".join(lines[-OUTPUT_LINES:])


def check(
    path: Path,
    exercise: str,
    *,
    timeout: float = TIME_LIMIT,
    cancel: threading.Event | None = None,
    data_dir: str | os.PathLike | None = None,
    startup_timeout: float = STARTUP_LIMIT,
) -> CheckReport:
    """Run every check of `exercise` on the learner's file at `path`; never raises for their code's sake."""
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
    if workspace.is_stub(state, exercise):  # no need to start Python and torch to know it raises
        return CheckReport(
            exercise,
            "error",
            f"Your {exercise} is still the stub: it raises NotImplementedError. "
            "Write your code in place of the raise line (e), then check again.",
        )
    cancel = cancel or threading.Event()
    read_fd, write_fd = os.pipe()
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    with tempfile.TemporaryFile() as out:
        try:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "engine.exercises.runner",
                    str(path.resolve()),
                    exercise,
                    str(write_fd),
                    str(data_dir or ""),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                cwd=path.parent,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            os.close(read_fd)
            return CheckReport(exercise, "broken", f"The checker could not start: {exc}.")
        finally:
            os.close(write_fd)
        try:
            return _wait(proc, read_fd, out, exercise, timeout, startup_timeout, cancel)
        finally:
            _kill(proc)
            os.close(read_fd)


def _wait(proc, read_fd, out, exercise, timeout, startup_timeout, cancel) -> CheckReport:
    buffer = b""
    deadline = time.monotonic() + startup_timeout
    ready = False
    eof = False
    while True:
        if cancel.is_set():
            return CheckReport(exercise, "cancelled", "Check stopped.")
        if time.monotonic() > deadline:
            if not ready:
                return CheckReport(exercise, "broken", f"The checker did not start within {startup_timeout:.0f} s.")
            _kill(proc)
            return CheckReport(
                exercise,
                "timeout",
                f"Your code ran for more than {timeout:g} s and was stopped: is there a loop that never ends?",
                output=_tail(out),
            )
        if not eof and select.select([read_fd], [], [], 0.05)[0]:
            chunk = os.read(read_fd, 65536)
            eof = not chunk
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                message = json.loads(line)
                if message["phase"] == "ready":
                    ready, deadline = True, time.monotonic() + timeout
                elif message["phase"] == "done":
                    report = CheckReport.from_dict(message["report"])
                    output = _tail(out)
                    return CheckReport(**{**report.__dict__, "output": output}) if output else report
                elif message["phase"] == "broken":
                    return CheckReport(exercise, "broken", message["message"])
        elif eof:
            time.sleep(0.05)
        code = proc.poll()
        if code is not None and (eof or not select.select([read_fd], [], [], 0)[0]):
            if not ready:
                return CheckReport(
                    exercise, "broken", f"The checker ended before it started (exit code {code}).", output=_tail(out)
                )
            if code < 0:
                why = f"it was killed by {_signal_name(code)}" + (" (a crash)" if code == -signal.SIGSEGV else "")
            else:
                why = f"it exited with code {code} (os._exit or exit() at the top level?)"
            return CheckReport(
                exercise,
                "crashed",
                f"Your code ended the checking process before the checks finished: {why}.",
                output=_tail(out),
            )
