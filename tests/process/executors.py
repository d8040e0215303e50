"""The app's engine executor in the process tests: start a job as a screen would, collect its batches, wait."""

from __future__ import annotations

import queue
import time

from engine.context import EngineSettings
from tui.engine_process import ProcessExecutor
from tui.runner import Run

from .jobs import PidJob


class Collector:
    """What a screen would receive: batches in order, the final flag on the last."""

    def __init__(self) -> None:
        self.batches: queue.Queue = queue.Queue()
        self.events: list = []

    def post_message(self, message) -> None:  # as the screen (node) a Run delivers to
        self.batches.put((message.events, message.final))

    def until_final(self, timeout: float = 60.0) -> list:
        deadline = time.monotonic() + timeout
        while True:
            events, final = self.batches.get(timeout=max(0.01, deadline - time.monotonic()))
            self.events += events
            if final:
                return self.events

    def first(self, timeout: float = 60.0) -> list:
        events, _ = self.batches.get(timeout=timeout)
        self.events += events
        return events


_ids = iter(range(1, 1_000_000))


def start(executor, job) -> tuple[Run, Collector]:
    got = Collector()
    run = Run(next(_ids), job, got, "demo")  # type: ignore[arg-type]
    executor.start(run)
    return run, got


def make_executor(tmp_path, renew_cold: bool = False, **settings) -> ProcessExecutor:
    """The app's executor; by default its reference engine is never swapped unseen (the tests compare its pid)."""
    restarts: list[str] = []
    settings = {"device": "cpu", "threads": 1, **settings}
    ex = ProcessExecutor(
        EngineSettings(**settings), on_restart=restarts.append, log_dir=tmp_path, renew_cold=renew_cold
    )
    ex.restart_reasons = restarts  # type: ignore[attr-defined]
    return ex


def wait_until(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def engine_pid(executor) -> int:
    return int(start(executor, PidJob())[1].until_final()[0].text)
