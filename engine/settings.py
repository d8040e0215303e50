"""What the command line chose for the engines, and the limits on learner code: plain values, no torch here
(the app, the checker and the template's clients import it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """What one run of learner code may use in its engine process (engine.server applies them)."""

    cpu_seconds: int = 600  # processor time, all threads together; then SIGXCPU ends it
    memory: int = 2 << 30  # bytes beyond what its job is estimated to need (on the CPU: CUDA reserves too much)
    file_bytes: int = 256 << 20  # the largest file it may write (a demo writes none)


@dataclass(frozen=True)
class EngineSettings:
    """What the command line chose for the engine: device, data folder, torch threads (None: the default)."""

    device: str = "auto"
    data_dir: Path | None = None
    threads: int | None = None
    device_label: str | None = None  # fixed text instead of the device's name (reproducible snapshots)
    free_memory: int | None = None  # bytes: instead of the device's own free memory (tests, a self-imposed limit)
    limits: Limits = Limits()  # on runs of learner code

    @property
    def expected_kind(self) -> str:
        """The device kind a run will use, before the engine has chosen: CUDA only when asked for by name."""
        return "cuda" if self.device == "cuda" else "cpu"


def default_threads(cores: int | None = None) -> int:
    """Torch threads for the engine: every core but one is left to torch when the UI shares the process."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)
