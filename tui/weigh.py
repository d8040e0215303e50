"""Whether a setting may start a run: its estimated memory and time on the engine's device, said beside it."""

from __future__ import annotations

from dataclasses import dataclass

from engine.contracts.base import Job
from engine.resources import Estimate


@dataclass(frozen=True)
class Verdict:
    """`start`: run the job now; `text`: what to show beside the setting ("" when nothing needs saying)."""

    start: bool
    text: str = ""
    error: bool = False  # a refusal, shown as an error, rather than a warning


class Gate:
    """Refused jobs never start; a warned job starts when it is asked for again unchanged (`again` says how).

    The rule is the job's own (Job.estimate, engine.resources' verdicts); the engine applies the
    refusal again with its device's real free memory, so a wrong guess here cannot start a run
    that does not fit.
    """

    def __init__(self, again: str) -> None:
        self.again = again  # e.g. "Enter or r runs it anyway"
        self._warned: Job | None = None

    def check(self, runner, job: Job) -> Verdict:
        """The verdict for starting `job` now (runner: tui.runner.EngineRunner, which knows the device)."""
        needs: Estimate | None = runner.estimate(job)
        warned, self._warned = self._warned, None
        text, refused = cost_note(needs)
        if not text:
            return Verdict(True)
        if refused:
            return Verdict(False, text, error=True)
        if warned == job:
            return Verdict(True, f"{text}; running it as asked")
        self._warned = job
        return Verdict(False, f"{text}. {self.again}.")


def cost_note(needs: Estimate | None) -> tuple[str, bool]:
    """(what to say beside a setting, whether it is a refusal); ("", False) for a light one.

    "⚠ needs about 2.4 GB of 4.0 GB free on this computer; about 53 min: a long run", or
    "too large: needs about 11.0 GB of 8.0 GB free on this computer; about 3 h: it would not fit. Choose ..."
    """
    if needs is None or needs.verdict == "ok":
        return "", False
    if needs.verdict == "refuse":
        return f"too large: {needs.summary}: {needs.reason}. {needs.advice}".strip(), True
    return f"⚠ {needs.summary}: {needs.reason}", False
