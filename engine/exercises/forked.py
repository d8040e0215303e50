"""A check forked from the warm engine template (engine.template): torch and MNIST are already loaded, so it
starts in a blink instead of importing them again (~3 s). It looks to the checker like a subprocess.Popen.

Where no template can be reached, checker.check starts `python -m engine.exercises.runner` as before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path

from ..settings import EngineSettings
from ..template_client import TemplateClient, TemplateError

_lock = threading.Lock()
_client: TemplateClient | None = None
_codes: dict[int, int] = {}
_ended = threading.Condition()


def _exited(pid: int, code: int) -> None:
    with _ended:
        _codes[pid] = code
        _ended.notify_all()


def _template() -> TemplateClient:
    global _client
    with _lock:
        if _client is None or _client.closed:
            from .. import paths

            _client = TemplateClient(_exited, paths.cache_dir() / "engine.log")
        return _client


class ForkedCheck:
    """The forked checking process: its pid, its output pipe (`stdout`), and its exit code once the template
    has reaped it (poll, wait); what subprocess.Popen offers checker._wait and end_check."""

    def __init__(self, pid: int, stdout) -> None:
        self.pid = pid
        self.stdout = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        with _ended:
            if self.returncode is None and self.pid in _codes:
                self.returncode = _codes.pop(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = 5.0) -> int | None:
        with _ended:
            _ended.wait_for(lambda: self.pid in _codes or self.returncode is not None, timeout)
        return self.poll()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGKILL)


def start(path: Path, exercise: str, status_fd: int, env: dict[str, str], data_dir: str, token: str):
    """Fork the check from the template (None if none can be reached): status lines on `status_fd`, its output
    read from the returned process's `stdout`."""
    out_r, out_w = os.pipe()
    try:
        pid = _template().spawn(
            EngineSettings(device="cpu", threads=1),
            "check",
            [status_fd, out_w],
            token,
            args=(str(path.resolve()), exercise, data_dir),
            env=env,
            cwd=str(path.parent),
        )
    except (TemplateError, OSError):
        os.close(out_r)
        return None
    finally:
        os.close(out_w)
    return ForkedCheck(pid, open(out_r, "rb", buffering=0))


def popen(path: Path, exercise: str, status_fd: int, env: dict[str, str], data_dir: str) -> subprocess.Popen:
    """The checking process started afresh: `python -m engine.exercises.runner` (imports torch and MNIST)."""
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "engine.exercises.runner", str(path.resolve()), exercise, str(status_fd), data_dir],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,  # read as it comes, only its start and end kept
        stderr=subprocess.STDOUT,
        pass_fds=(status_fd,),
        cwd=path.parent,
        env=env,
        start_new_session=True,
    )
