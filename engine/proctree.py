"""Ending a process together with everything it started, and the limits put on processes that run learner code.

One mechanism for the exercise checker and the engine processes. A process that calls setsid()
leaves its parent's process group, and one whose parent exits is handed to init: so a process
that runs learner code is made the "subreaper" of its descendants' orphans (Linux), and every
process the app starts carries a token in its environment, which exec'd descendants inherit.
Ending a process kills, round after round until none is left, its descendants (found in /proc
while the tree is still whole), every process carrying the token, and then the process itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

TOKEN_VAR = "OPTCOURSE_RUN_TOKEN"  # marks every process a check or an app's engines start
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _proc_ids() -> list[int]:
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:  # no /proc (macOS): the process group is all that can be ended
        return []


def parent_of(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        return int(text.rsplit(")", 1)[1].split()[1])  # the name in parentheses may hold spaces
    except (OSError, ValueError, IndexError):
        return None


def state_of(pid: int) -> str:
    """The kernel's one-letter state of a process (R, S, D, T stopped, Z zombie...), "" if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def exit_status(pid: int) -> int | None:
    """How a dead process that its parent has not yet reaped (a zombie) ended, as subprocess's returncode
    (-N: killed by signal N); None if it is not a zombie, or gone. Its parent may be busy: this needs no parent."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        if fields[0] != "Z" or len(fields) < 50:
            return None
        status = int(fields[49])  # field 52, exit_code: the status waitpid would report (Linux 3.5+)
    except (OSError, ValueError, IndexError):
        return None
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def oom_kills() -> int | None:
    """How many processes the kernel has killed for lack of memory since boot (Linux 4.13+), None if unknown."""
    try:
        for line in Path("/proc/vmstat").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _has_token(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def alive(pid: int) -> bool:
    """Whether a process still runs (a zombie, dead but not yet reaped, does not count)."""
    state = state_of(pid)
    if state:
        return state not in ("Z", "X")
    if Path("/proc/self/stat").exists():
        return False
    try:  # no /proc
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def children_of(pid: int) -> set[int]:
    return {p for p in _proc_ids() if parent_of(p) == pid}


def leftovers(root: int, token: str | None = None, *, include_root: bool = True) -> set[int]:
    """The live processes `root` started: its descendants, whatever their session or group, and any
    process carrying `token` (when given); `root` itself too unless include_root is False."""
    me = os.getpid()
    pids = _proc_ids()
    parents = {pid: parent_of(pid) for pid in pids}
    found = {root} if root in parents else set()
    grew = True
    while grew:
        new = {p for p, parent in parents.items() if parent in found and p not in found}
        found |= new
        grew = bool(new)
    if token:
        marker = f"{TOKEN_VAR}={token}".encode()
        found |= {p for p in pids if p not in found and _has_token(p, marker)}
    found.discard(me)
    if not include_root:
        found.discard(root)
    return {p for p in found if alive(p)}


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def end_tree(root: int, token: str | None = None, seconds: float = 3.0, *, group: bool = True) -> None:
    """Kill `root`, its process group (`group`), its descendants and the token's processes; return once
    they are dead (zombies count as dead: their parents reap them).

    Each round looks for what is left *before* killing, while the tree is whole: a descendant
    orphaned by the kill would otherwise be handed to a subreaper or init and lost from view.
    Rounds go on until nothing is left (one that forked meanwhile is found again), or `seconds` pass.
    """
    deadline = time.monotonic() + seconds
    killed: set[int] = set()
    while True:
        left = leftovers(root, token)
        if group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(root, signal.SIGKILL)
        for pid in left:
            _kill(pid)
        _kill(root)
        killed |= left
        if not (left - {root}) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    # A killed process is not gone at once: while it exits, its parent may already be reaped and
    # its environment read empty, so the search above no longer finds it. Wait for the ones we
    # killed to be dead, so that nothing the process started outlives this call.
    while any(alive(pid) for pid in killed) and time.monotonic() < deadline + 1.0:
        time.sleep(0.005)


def _prctl(option: int, value: int) -> bool:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):  # no C library to load, or no prctl in it: not Linux
        return False


def become_subreaper() -> bool:
    """Orphans of this process's descendants become its children, not init's (Linux)."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent() -> bool:
    """This process is killed when its parent exits (Linux; call right after fork)."""
    return _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


def memory_in_use() -> int:
    """This process's address space in bytes (what RLIMIT_AS counts), 0 when unknown."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _lower(which: int, value: int) -> bool:
    try:
        import resource

        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))
        return True
    except (ImportError, ValueError, OSError):
        return False


def limit_memory(allowance: int) -> bool:
    """Let this process's address space grow by at most `allowance` bytes from now (False if not possible)."""
    import resource

    used = memory_in_use()
    return bool(used) and _lower(resource.RLIMIT_AS, used + allowance)


def limit_file_size(limit: int) -> bool:
    """No file this process (or what it starts) writes may grow past `limit` bytes. With SIGXFSZ ignored
    (file_limit_as_error, from the main thread), a write beyond it fails with EFBIG ("File too large")."""
    import resource

    return _lower(resource.RLIMIT_FSIZE, limit)


def file_limit_as_error() -> None:
    """A write past RLIMIT_FSIZE raises OSError(EFBIG) instead of SIGXFSZ killing the process unexplained."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def no_core_files() -> bool:
    """A process that learner code ends by a signal (SIGXCPU, SIGSEGV) leaves no core file in the learner's folder."""
    import resource

    return _lower(resource.RLIMIT_CORE, 0)


def limit_cpu(seconds: int) -> bool:
    """At most `seconds` of processor time (all threads) from this process's start; then SIGXCPU ends it."""
    import resource

    return _lower(resource.RLIMIT_CPU, seconds)


def file_limit_text() -> str:
    """This process's file size limit, for messages: "256.0 MB" ("no limit" when there is none)."""
    try:
        import resource

        from .resources import human_bytes

        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        return "no limit" if soft == resource.RLIM_INFINITY else human_bytes(soft)
    except (ImportError, ValueError, OSError):
        return "the limit"
