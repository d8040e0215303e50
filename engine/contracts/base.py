"""What every section contract builds on: the Job base class (a frozen request for one computation)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from ..resources import Estimate

COURSE_SEED = 2021  # the course's set_seed(2021): every seeded draw of the engine starts from it


@dataclass(frozen=True)
class Job:
    """A request for one engine computation: plain values only, so it crosses a process boundary.

    `compute` names the generator function ("module:function") that runs it as
    `function(job, env) -> Iterator[Event]`, imported only in the engine (where torch lives).
    `learner` maps exercise ids to the learner's file for demos that use their own code.
    """

    compute: ClassVar[str] = ""
    keeps: ClassVar[bool] = False  # leaves something in its engine for later runs (the Bonus's model)
    learner: Mapping[str, str] = field(default_factory=dict, kw_only=True)

    def describe(self) -> str:
        """A short name for logs and progress lines."""
        return type(self).__name__

    def estimate(self, device: str = "cpu", free_bytes: int | None = None) -> Estimate | None:
        """What this job will need on `device` ("cpu" or "cuda") against its free memory (engine.resources).

        None: the job is too small to matter. Jobs whose settings scale memory or time override it;
        the screen asks before starting a job, the engine again before running it (too_large).
        `free_bytes` None: the OS's available RAM on the CPU, unknown on a GPU.
        """
        return None


class SettingError(ValueError):
    """A value a learner typed or chose that a job cannot use; the message says why, in their terms."""


class TooLarge(SettingError):
    """A setting the device cannot hold: its estimate needs more than the free memory allows (the message says it)."""


def too_large(job: Job, device: str = "cpu", free_bytes: int | None = None) -> TooLarge | None:
    """The refusal of `job` on `device` with `free_bytes` free, or None if it may run: the one rule, for the
    screens (before a run starts) and the engine (before it allocates, with the device's real free memory)."""
    needs = job.estimate(device, free_bytes)
    return TooLarge(needs.message) if needs is not None and needs.verdict == "refuse" else None


@dataclass(frozen=True)
class Range:
    """One numeric setting: its default, the slider's ends and step, and how far typed values may go.

    `scale="log"` steps in decades (step = a fraction of a decade). Typed values may lie outside
    the slider, within [typed_min, typed_max] (both default to the slider's ends).
    """

    name: str
    default: float
    minimum: float
    maximum: float
    step: float
    scale: str = "linear"
    integer: bool = False
    typed_min: float | None = None
    typed_max: float | None = None

    @property
    def lowest(self) -> float:
        return self.minimum if self.typed_min is None else self.typed_min

    @property
    def highest(self) -> float:
        return self.maximum if self.typed_max is None else self.typed_max

    def check(self, value) -> float:
        """The value if a job can use it, else SettingError with the allowed range."""
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok:
            raise SettingError(f"{self.name} must be a number, got {value!r}")
        if self.integer and value != int(value):
            raise SettingError(f"{self.name} must be a whole number, got {value:g}")
        if not self.lowest <= value <= self.highest:
            raise SettingError(f"{self.name} must be between {self.lowest:g} and {self.highest:g}, got {value:g}")
        return int(value) if self.integer else float(value)

    def stepper_args(self) -> dict:
        """Keyword arguments for tui.widgets.stepper.Stepper (value, ends, step, scale, integer)."""
        return {
            "value": self.default,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "scale": self.scale,
            "integer": self.integer,
        }


# A demo's run seed: the initial weights and minibatches it draws (the course's seed unless the learner draws
# another), so two runs with the same settings and seed give the same curves, and a learner's correct
# function gives the reference's curves.
RUN_SEED = Range("seed", COURSE_SEED, 0, 9999, 1, integer=True)
