"""A program on a pseudo-terminal for tests of the real app: type into it, read what it drew, see how it ended."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """A program on a 100x30 pseudo-terminal; `out` is everything it wrote."""

    def __init__(self, args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = dict(
            os.environ,
            TERM="xterm-256color",
            OPTCOURSE_HOME=str(tmp_path / "home"),
            PYTHONPATH=str(ROOT),
            TEXTUAL_ANIMATIONS="none",
            **(env or {}),
        )
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True
        )
        os.close(slave)
        self.out = b""

    def send(self, keys: bytes) -> None:
        """Type `keys` (as the terminal sends them)."""
        os.write(self.master, keys)

    def read_until(self, wanted: bytes, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while wanted not in self.out and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the program closed the terminal
                    return wanted in self.out
                if not chunk:
                    break
                self.out += chunk
        return wanted in self.out

    def finish(self, seconds: float = 20) -> int:
        """Read until the program has ended (its output included), and return its exit status."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.out += chunk
            elif self.proc.poll() is not None:
                break
        try:
            return self.proc.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            os.close(self.master)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
