"""Plain-data events that long computations yield; no tensors, so any consumer can read them."""

from __future__ import annotations

from dataclasses import dataclass

from .visible import visible


@dataclass(frozen=True)
class Event:
    """Base class of everything an engine generator yields."""


@dataclass(frozen=True)
class Status(Event):
    """A line of text describing what is happening now (loading data, building the surface...)."""

    text: str


@dataclass(frozen=True)
class Progress(Event):
    """`done` of `total` units of work finished; `label` names the unit."""

    done: int
    total: int
    label: str = ""


@dataclass(frozen=True)
class Diverged(Event):
    """A run produced a non-finite value at `iteration` (counted from 0); `label` names the run."""

    iteration: int
    label: str = ""


@dataclass(frozen=True)
class Failed(Event):
    """The computation could not run; `message` says why and what to do, for a person to read.

    It may quote the learner's code (an exception's message): its control characters are made visible."""

    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", visible(self.message))


@dataclass(frozen=True)
class Done(Event):
    """The computation ended: reason is "completed", "diverged" or "stopped"."""

    reason: str = "completed"
    seconds: float = 0.0
