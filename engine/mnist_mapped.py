"""The standardised MNIST images as one memory-mapped cache file: every process of a user shares its pages.

Each engine, the checker and the template would otherwise hold its own 220 MB of float32 images.
Mapped copy-on-write from one file in the cache folder, the pages are the kernel's page cache,
counted once however many processes read them; a process that writes to its tensors (learner
code may) gets private copies of those pages only. The file starts with a header (its key, the
mean and std, and a CRC-32 of the data, checked on every load), so a stale, truncated or damaged
file is rebuilt, never used.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import atomic

MAGIC = b"OPTCOURSE-MNIST-F32\n"
HEADER_BYTES = 4096  # the data starts on a page boundary
TRAIN, TEST = (60000, 28, 28), (10000, 28, 28)
_COUNT = (TRAIN[0] + TEST[0]) * 28 * 28


def _header(key: str, mean: float, std: float, crc: int) -> bytes:
    text = json.dumps({"key": key, "mean": mean, "std": std, "crc32": crc, "count": _COUNT}).encode()
    header = MAGIC + text + b"\n"
    assert len(header) <= HEADER_BYTES, "the header fits in its page"
    return header.ljust(HEADER_BYTES, b"\0")


def _read(path: Path, key: str) -> tuple[np.ndarray, float, float] | None:
    """The mapped data, mean and std; None if the file is missing, stale or damaged."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_BYTES)
        if not head.startswith(MAGIC):
            return None
        meta = json.loads(head[len(MAGIC) :].split(b"\n", 1)[0])
        if meta.get("key") != key or meta.get("count") != _COUNT:
            return None
        if path.stat().st_size != HEADER_BYTES + 4 * _COUNT:
            return None
        data = np.memmap(path, dtype=np.float32, mode="c", offset=HEADER_BYTES, shape=(_COUNT,))
        if zlib.crc32(data.data) != meta.get("crc32"):
            return None
        return data, float(meta["mean"]), float(meta["std"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(
    path: Path, key: str, build: Callable[[], tuple[np.ndarray, np.ndarray, float, float]]
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(train images, test images, mean, std), mapped from `path`; `build()` makes them when the file
    cannot be used, and they are written there for the next process (or used as they are if it cannot be)."""
    found = _read(path, key)
    if found is None:
        train, test, mean, std = build()
        data = np.concatenate([train.reshape(-1), test.reshape(-1)]).astype(np.float32, copy=False)

        def write(f) -> None:
            f.write(_header(key, mean, std, zlib.crc32(data.data)))
            f.write(data.data)

        with contextlib.suppress(OSError):  # an unwritable cache folder only costs memory
            atomic.write_with(path, write)
        found = _read(path, key)
        if found is None:
            return train, test, mean, std
    data, mean, std = found
    split = TRAIN[0] * 28 * 28
    return data[:split].reshape(TRAIN), data[split:].reshape(TEST), mean, std
