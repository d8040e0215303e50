"""The ways a file on a learner's disk gets damaged, applied to a good copy of it."""

from __future__ import annotations

import random
from pathlib import Path

NON_UTF8 = b"\xff\xfe\x00garbage"  # the issue's `printf '\xff\xfe\x00garbage'`


def garbage(n: int = 4096, seed: int = 11) -> bytes:
    """Reproducible random bytes (never valid JSON, SQLite, gzip or a torch file)."""
    return random.Random(seed).randbytes(n)


# Each takes the good bytes and returns the damaged ones.
KINDS = {
    "non-UTF-8": lambda good: NON_UTF8,
    "truncated": lambda good: good[: max(1, len(good) // 2)],
    "zero length": lambda good: b"",
    "garbage": lambda good: garbage(max(64, min(len(good), 8192))),
}


def damage(path: Path, kind: str) -> bytes:
    """Replace the file with its damaged version; return the damaged bytes (to check they were kept)."""
    bad = KINDS[kind](path.read_bytes())
    path.write_bytes(bad)
    return bad
