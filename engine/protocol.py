"""The messages between the app, its engine processes and the template that forks them: plain frozen
dataclasses, pickled over sockets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .contracts.base import Job
from .settings import EngineSettings


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
class Skip:
    """Ask a run that is stopping politely to leave out what it would do last (the Bonus's evaluation)."""

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
    warm: bool = False  # forked after the template's warm-up: torch's first-use modules are shared, not its own


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
class Heartbeat:
    """Sent every HEARTBEAT_SECONDS, busy or idle: an engine the app has not heard from for 2 s is replaced."""


@dataclass(frozen=True)
class Poisoned:
    """The engine hit an error that may have left its device unusable (a CUDA fault): start a fresh one."""

    message: str


# -- app <-> template (engine.template) -------------------------------------------------------------
@dataclass(frozen=True)
class Spawn:
    """Fork an engine; the app's end of its socket follows as a passed file descriptor.

    `role`: "reference" (long-lived, never runs learner code), "learner" (one run, then discarded,
    under limits) or "check" (engine.exercises.runner on `args`). `env` and `cwd` are the app's, so
    the process behaves as if the app had started it.
    """

    request: int
    settings: EngineSettings
    role: str
    env: Mapping[str, str]
    cwd: str
    log: str
    args: tuple[str, ...] = ()  # a check's: the learner's file, the exercise, the data folder
    fds: int = 1  # file descriptors that follow: an engine's socket; a check's status and output pipes


@dataclass(frozen=True)
class Spawned:
    request: int
    pid: int  # -1: the system refused a new process


@dataclass(frozen=True)
class Exited:
    """An engine this app asked for has ended: `code` as subprocess's returncode (-N: killed by signal N)."""

    pid: int
    code: int


@dataclass(frozen=True)
class TemplateFailed:
    """The template could not import torch or the engine: no engine can start (the message says why)."""

    message: str
