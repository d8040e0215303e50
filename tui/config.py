"""What the command line chose, handed to the app and its screens (no engine imports here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.context import EngineSettings


@dataclass(frozen=True)
class AppConfig:
    device: str = "auto"  # auto | cpu | cuda
    data_dir: Path | None = None
    section: str | None = None  # the section to open at start
    workspace: Path | None = None  # the learner's exercise folder (None: the user data folder)
    device_label: str | None = None  # fixed device text, for reproducible snapshots
    warm_up: bool = True  # import torch and load MNIST in the background at start
    engine: str = "process"  # "process": the engine in its own process (the app); "thread": in this one (tests)
    threads: int | None = None  # torch threads in the engine (None: its default, see engine.context)

    def engine_settings(self) -> EngineSettings:
        data_dir = self.data_dir.expanduser().resolve() if self.data_dir is not None else None
        return EngineSettings(self.device, data_dir, self.threads, device_label=self.device_label)
