"""The checking process's surroundings: its capped output, and ending it with everything it started.

A check runs in its own session (start_new_session), so killing its process group ends what it
forked. A process that calls setsid() leaves that group, and one whose parent exits is handed to
init; so each check also marks its processes with an environment token, and the runner becomes
the "subreaper" of its orphans (Linux). At the end, the group, every descendant and every process
carrying the token is killed, until none is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

TOKEN_VAR = "OPTCOURSE_CHECK_TOKEN"
MEMORY_VAR = "OPTCOURSE_CHECK_MEMORY"  # bytes the learner's code may add to the checking process
HEAD_BYTES = TAIL_BYTES = 16 * 1024  # what is kept of a check's output: its start and its end
HEAD_LINES = 4
OUTPUT_LINES = 12  # lines shown in all (head + tail)
LINE_CHARS = 300  # a single line longer than this is cut in what is shown


class OutputCap:
    """The first and last bytes of a stream, and how much there was: bounded memory whatever is printed."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.lines = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.lines += chunk.count(b"\n")
        room = HEAD_BYTES - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk[-TAIL_BYTES:]
            del self.tail[:-TAIL_BYTES]

    def text(self) -> str:
        """The non-empty lines, all of them when few; else the first and the last ones and what was cut."""
        decode = lambda b: [ln for ln in b.decode("utf-8", "replace").splitlines() if ln.strip()]
        cut = self.total - len(self.head) - len(self.tail)
        if cut == 0:  # everything is here: split it by lines
            head = tail = decode(self.head + self.tail)
        else:  # the first line of the tail may be the end of a longer one
            head, tail = decode(self.head), decode(self.tail)
        if cut == 0 and len(head) <= OUTPUT_LINES:
            return "\n".join(map(_short, head))
        shown = head[:HEAD_LINES] + tail[-(OUTPUT_LINES - HEAD_LINES) :]
        hidden = max(0, self.lines - len(shown))
        note = f"… {_size(self.total)} printed in all ({self.lines:,} lines): {hidden:,} lines not shown …"
        return "\n".join([*map(_short, shown[:HEAD_LINES]), note, *map(_short, shown[HEAD_LINES:])])


def _short(line: str) -> str:
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _proc_ids() -> list[int]:
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:  # no /proc (macOS): the process group is all that can be ended
        return []


def _parent(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        return int(text.rsplit(")", 1)[1].split()[1])  # the name in parentheses may hold spaces
    except (OSError, ValueError, IndexError):
        return None


def _has_token(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def alive(pid: int) -> bool:
    """Whether a process still runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def leftovers(root: int, token: str) -> set[int]:
    """The live processes a check started: descendants of `root` and anything carrying the token."""
    me = os.getpid()
    pids = _proc_ids()
    parents = {pid: _parent(pid) for pid in pids}
    found = {root} if root in parents else set()
    grew = True
    while grew:  # descendants, whatever their session or group
        new = {p for p, parent in parents.items() if parent in found and p not in found}
        found |= new
        grew = bool(new)
    marker = f"{TOKEN_VAR}={token}".encode()
    found |= {p for p in pids if p not in found and _has_token(p, marker)}
    found.discard(me)
    return {p for p in found if alive(p)}


def end_check(proc: subprocess.Popen, token: str, seconds: float = 3.0) -> None:
    """Kill the checking process, its process group and everything it started; then reap it.

    Each round looks for what is left *before* killing, while the tree is still whole, and rounds
    go on until nothing is left (one that forked meanwhile, or is slow to die, is found again).
    """
    deadline = time.monotonic() + seconds
    killed: set[int] = set()
    while True:
        left = leftovers(proc.pid, token)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed |= left - {proc.pid}
        if proc.poll() is None:
            proc.kill()
        if not (left - {proc.pid}) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    proc.wait()
    # A killed process is not gone at once: while it exits, its parent may already be reaped and
    # its environment read empty, so the search above no longer finds it. Wait for the ones we
    # killed to be dead (zombies, or reaped), so that nothing the check started outlives this call.
    while any(alive(pid) for pid in killed) and time.monotonic() < deadline + 1.0:
        time.sleep(0.01)


def become_subreaper() -> None:
    """In the checking process: orphans of the learner's code become our children, not init's (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def memory_in_use() -> int:
    """This process's address space in bytes (what RLIMIT_AS counts), 0 when unknown."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def limit_memory(allowance: int) -> bool:
    """Let this process's address space grow by at most `allowance` bytes from now (False if not possible)."""
    try:
        import resource

        used = memory_in_use()
        if not used:
            return False
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = used + allowance
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return True
    except (ImportError, ValueError, OSError):
        return False
