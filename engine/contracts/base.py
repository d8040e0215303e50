"""What every section contract builds on: the Job base class (a frozen request for one computation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Job:
    """A request for one engine computation: plain values only, so it crosses a process boundary.

    `compute` names the generator function ("module:function") that runs it as
    `function(job, env) -> Iterator[Event]`, imported only in the engine (where torch lives).
    `learner` maps exercise ids to the learner's file for demos that use their own code.
    """

    compute: ClassVar[str] = ""
    learner: Mapping[str, str] = field(default_factory=dict, kw_only=True)

    def describe(self) -> str:
        """A short name for logs and progress lines."""
        return type(self).__name__
