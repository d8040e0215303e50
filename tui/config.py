"""What the command line chose, handed to the app and its screens (no engine imports here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.settings import EngineSettings


@dataclass(frozen=True)
class AppConfig:
    device: str = "auto"  # auto | cpu | cuda
    data_dir: Path | None = None
    section: str | None = None  # the section to open at start
    workspace: Path | None = None  # the learner's exercise folder (None: the user data folder)
    device_label: str | None = None  # fixed device text, for reproducible snapshots
    warm_up: bool = True  # import torch and load MNIST in the background at start
    engine: str = "process"  # "process": the engine in its own process (the app); "thread": in this one (tests)
    threads: int | None = None  # torch threads in the engine (None: every core but one, engine.context.default_threads)
    free_memory: int | None = None  # bytes the engine may assume free on its device (None: ask the device; tests)
    player_speed: float | None = None  # iterations/s a new player starts at (None: tui.playback.starting_speed's rule)

    def engine_settings(self) -> EngineSettings:
        data_dir = self.data_dir.expanduser().resolve() if self.data_dir is not None else None
        from engine.settings import default_threads

        # One core stays with the interface: measured on 2 cores, a second torch thread spinning
        # against the UI's redraws made Section 7 7x slower (benchmarks/bench_in_app.py).
        threads = self.threads or default_threads()
        return EngineSettings(
            self.device, data_dir, threads, device_label=self.device_label, free_memory=self.free_memory
        )
