"""Stand-ins for the engine in Pilot tests: an executor whose runs never answer, a recorder of a screen's runs,
a slowed computation."""

from __future__ import annotations

import time

from textual.widgets import Static


class IdleExecutor:
    """Every run stays in flight and says nothing until it is cancelled (as a slow engine would)."""

    def __init__(self) -> None:
        self.started: list = []
        self.cancelled: list[int] = []

    def start(self, run) -> None:
        self.started.append(run.job)

    def request_stop(self, run) -> None:
        pass

    def skip(self, run) -> None:
        pass

    def cancel(self, run) -> None:
        self.cancelled.append(run.id)

    def warm_up(self, ready) -> None:
        pass

    def wait_ready(self, timeout: float = 60.0) -> tuple[str | None, str | None]:
        return "cpu (test)", None

    def device_memory(self) -> tuple[str, int | None]:
        return "cpu", None  # as an engine that has not said yet: the screens read the RAM themselves

    def shutdown(self) -> None:
        pass


def record_runs(screen, jobs: list | None = None) -> list[str]:
    """Replace the screen's start_run by a recorder, so control tests check what would run without training.

    Returns the groups of the runs asked for; `jobs`, when given, collects the jobs themselves.
    """
    calls: list[str] = []

    def record(job, group="demo"):
        calls.append(group)
        if jobs is not None:
            jobs.append(job)

    screen.start_run = record
    return calls


def text_of(node, selector: str) -> str:
    """The text a Static under `node` shows."""
    return str(node.query_one(selector, Static).render())


def slowed(compute, delay: float):
    """`compute` (a generator function: a section's events) pausing `delay` s before each event, so a run lasts
    long enough to interrupt; monkeypatch it in place of the real one."""

    def events(*args, **kwargs):
        for event in compute(*args, **kwargs):
            time.sleep(delay)
            yield event

    return events
