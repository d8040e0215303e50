"""What every computation in one engine (process or thread) shares: the device and, loaded once, MNIST."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from .data import Mnist


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


class EngineContext:
    """The device (chosen at once) and MNIST on it (loaded on first use, once, from any thread)."""

    def __init__(self, settings: EngineSettings):
        from .device import device_name, select_device

        self.settings = settings
        if settings.threads:
            import torch

            torch.set_num_threads(settings.threads)
        self.device: torch.device = select_device(settings.device)
        self.device_label: str = settings.device_label or device_name(self.device)
        self._lock = threading.Lock()
        self._mnist: Mnist | None = None
        self._subset: tuple[Any, Any] | None = None
        self.store: dict[str, Any] = {}  # objects kept between runs of this engine (the Bonus's trained model)

    @property
    def device_kind(self) -> str:
        """ "cpu" or "cuda": the device whose free memory free_memory() tells."""
        return self.device.type

    def free_memory(self) -> int | None:
        """Bytes a run could allocate on the device now: the settings' figure if they give one; on CUDA the
        driver's free memory plus what PyTorch holds unused in its cache; on the CPU the OS's available RAM."""
        if self.settings.free_memory is not None:
            return self.settings.free_memory
        if self.device.type == "cuda":
            import torch

            free, _total = torch.cuda.mem_get_info(self.device)
            return free + torch.cuda.memory_reserved(self.device) - torch.cuda.memory_allocated(self.device)
        from .resources import available_ram

        return available_ram()

    @property
    def mnist(self) -> Mnist:
        with self._lock:
            if self._mnist is None:
                from .data import load_mnist

                self._mnist = load_mnist(self.settings.data_dir, self.device)
            return self._mnist

    @property
    def subset(self):
        """The course's 500-example subset (X, y) on the device."""
        mnist = self.mnist
        with self._lock:
            if self._subset is None:
                from .data import course_subset

                self._subset = course_subset(mnist)
            return self._subset


def default_threads(cores: int | None = None) -> int:
    """Torch threads for the engine: every core but one is left to torch when the UI shares the process."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)
