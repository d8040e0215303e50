"""What every computation in one engine (process or thread) shares: the device and, loaded once, MNIST."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .settings import EngineSettings, Limits, default_threads

__all__ = ["EngineContext", "EngineSettings", "Limits", "default_threads"]

if TYPE_CHECKING:
    import torch

    from .data import Mnist


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
