"""The messages between the app and its engine process: plain frozen dataclasses, pickled over a socket."""

from __future__ import annotations

from dataclasses import dataclass, field

from .contracts.base import Job


# -- app -> engine ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    run_id: int
    job: Job


@dataclass(frozen=True)
class Stop:
    """Ask a run to finish politely (env.stop_requested() turns true)."""

    run_id: int


@dataclass(frozen=True)
class Cancel:
    """Stop a run now: no more of its events are sent; Ended follows once its thread has let go."""

    run_id: int


@dataclass(frozen=True)
class Shutdown:
    pass


# -- engine -> app ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ready:
    """The engine has imported torch and chosen its device (MNIST may still be loading)."""

    device_label: str
    pid: int
    threads: int
    device_kind: str = "cpu"  # "cpu" or "cuda": what the screens estimate settings against
    free_memory: int | None = None  # bytes free on the device as the engine started (a guess for the screens)


@dataclass(frozen=True)
class DataReady:
    """MNIST is loaded (error: why it could not be, for a person to read)."""

    error: str | None = None


@dataclass(frozen=True)
class StartFailed:
    """The engine could not start (no such device...): the message says what to do."""

    message: str


@dataclass(frozen=True)
class Batch:
    run_id: int
    events: list = field(default_factory=list)
    final: bool = False


@dataclass(frozen=True)
class Ended:
    """The run's thread has finished (completed, failed or cancelled): the engine holds nothing of it."""

    run_id: int


@dataclass(frozen=True)
class Poisoned:
    """The engine hit an error that may have left its device unusable (a CUDA fault): start a fresh one."""

    message: str
