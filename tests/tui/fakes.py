"""Stand-ins for the engine in Pilot tests: an executor whose runs never answer, a recorder of a screen's runs,
a computation held until the test lets it go."""

from __future__ import annotations

import threading

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


def held(compute, gate: threading.Event, after: int = 0):
    """`compute` (a generator function: a section's events) holding back every event after its first `after` until
    the test sets `gate`: a run still running when the test looks, however loaded the machine (set it in a
    `finally`; the bound only keeps a broken test from hanging)."""

    def events(*args, **kwargs):
        for i, event in enumerate(compute(*args, **kwargs)):
            if i == after:
                gate.wait(120)
            yield event

    return events


def record_restyles(app) -> list:
    """Every node the app's stylesheet restyles from now on (wraps Stylesheet.update_nodes), in order."""
    nodes: list = []
    update = app.stylesheet.update_nodes

    def counting(batch, animate=False):
        batch = list(batch)
        nodes.extend(batch)
        return update(batch, animate=animate)

    app.stylesheet.update_nodes = counting
    return nodes
