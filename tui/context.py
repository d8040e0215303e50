"""The engine side of the app: device and data, created once, lazily, off the UI thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import AppConfig

if TYPE_CHECKING:  # only for type checkers: importing torch here would slow the first screen
    import torch

    from engine.data import Mnist


@dataclass
class EngineContext:
    """What every computation needs: the torch device, its description and MNIST on that device."""

    device: torch.device
    device_label: str
    mnist: Mnist
    _subset: tuple[Any, Any] | None = None

    @property
    def subset(self):
        """The course's 500-example subset (X, y) on the device."""
        if self._subset is None:
            from engine.data import course_subset

            self._subset = course_subset(self.mnist)
        return self._subset


def limit_cpu_threads() -> None:
    """Leave one core to the UI thread: torch's intra-op threads spin and would starve redraws.

    The demos' tensors are small, so one fewer compute thread costs little and keeps keys responsive.
    """
    import os

    import torch

    cores = os.cpu_count() or 1
    torch.set_num_threads(max(1, min(torch.get_num_threads(), cores - 1)))


class EngineHolder:
    """Builds the EngineContext on first use from any thread; errors are kept and raised again."""

    def __init__(self, config: AppConfig):
        self.config = config
        self._lock = threading.Lock()
        self._context: EngineContext | None = None
        self.device_label: str | None = config.device_label

    def get(self) -> EngineContext:
        with self._lock:
            if self._context is None:
                from engine.data import load_mnist
                from engine.device import device_name, select_device

                device = select_device(self.config.device)
                limit_cpu_threads()
                self.device_label = self.config.device_label or device_name(device)
                mnist = load_mnist(self.config.data_dir, device)
                self._context = EngineContext(device, self.device_label, mnist)
            return self._context
