"""The checking process's surroundings: its capped output, and ending it with everything it started.

A check runs in its own session (start_new_session), marked by a token in its environment, and the
runner becomes the subreaper of its orphans: at the end, engine.proctree.end_tree kills the group,
every descendant and every process carrying the token, until none is left (as for engine processes).
"""

from __future__ import annotations

from ..proctree import TOKEN_VAR, alive, become_subreaper, end_tree, limit_memory

__all__ = ["FILE_VAR", "MEMORY_VAR", "TOKEN_VAR", "OutputCap", "alive", "become_subreaper", "end_check", "limit_memory"]
MEMORY_VAR = "OPTCOURSE_CHECK_MEMORY"  # bytes the learner's code may add to the checking process
FILE_VAR = "OPTCOURSE_CHECK_FILE_BYTES"  # the largest file it may write (default: engine.context.Limits')
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


def end_check(proc, token: str, seconds: float = 3.0) -> None:
    """Kill the checking process (a subprocess.Popen or a forked.ForkedCheck), its process group and everything
    it started (proctree.end_tree); reap it."""
    end_tree(proc.pid, token, seconds)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
