"""Engine restarts and learner runs, timed in the app's own executor (engines forked from the warm template).

Prints, each a median over --repeats tries on this machine:
- the next run's first event after a forced stop (a run stuck in computation, killed CANCEL_GRACE s
  after its cancel), after a crash (SIGSEGV), and after a learner's os._exit: timed from the moment the
  app knows (the restart counted, or the failed run's last batch) to the first batch of the next run;
- a run with the learner's code against the same run with the course's: time to its first event;
- a cold start for comparison: a new template (import torch, MNIST) to the first event, what every
  restart cost before engines were forked.

    .venv/bin/python benchmarks/bench_restart.py [--repeats 5]

Targets (issue 18): after a forced stop, a crash or a learner exit, the first event within 0.3 s;
a learner-code run starts within 0.1 s of the reference's start.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.context import EngineSettings  # noqa: E402
from engine.contracts.conditioning import MomentumDemoJob  # noqa: E402
from engine.exercises import catalog, workspace  # noqa: E402
from engine.template_client import stop_template  # noqa: E402
from tests.process.jobs import SEGV, CrashJob, StuckJob  # noqa: E402
from tui.engine_process import ProcessExecutor  # noqa: E402
from tui.runner import Run  # noqa: E402

_ids = iter(range(1, 1_000_000))
EXITING = "import os\n\ndef momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):\n    os._exit(3)\n"


class Node:
    """Stands for the screen a Run delivers to: records when each batch came."""

    def __init__(self) -> None:
        self.batches: queue.Queue = queue.Queue()
        self.events: list = []
        self.done = False

    def post_message(self, message) -> None:
        self.batches.put((time.perf_counter(), message.events, message.final))

    def _next(self) -> float:
        when, batch, self.done = self.batches.get(timeout=120)
        self.events += batch
        return when

    def first(self) -> float:
        return self._next()

    def final(self) -> list:
        while not self.done:
            self._next()
        return self.events


def start(executor, job) -> tuple[Run, Node, float]:
    node = Node()
    run = Run(next(_ids), job, node, "demo")  # type: ignore[arg-type]
    t0 = time.perf_counter()
    executor.start(run)
    return run, node, t0


def first_event(executor, job) -> float:
    _, node, t0 = start(executor, job)
    took = node.first() - t0
    node.final()
    return took


def learner(folder: Path, body: str) -> dict[str, str]:
    path = folder / "exercises.py"
    path.write_text(workspace.HEADER + "\n" + textwrap.dedent(body))
    return {"momentum_update": str(path)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-restart-"))
    settings = EngineSettings(device="cpu", threads=1)
    demo = MomentumDemoJob(steps=60)

    stop_template()
    t0 = time.perf_counter()
    executor = ProcessExecutor(settings, log_dir=folder)
    _, node, _ = start(executor, demo)
    cold = node.first() - t0  # from the executor's start: the template imports torch and maps MNIST first
    node.final()
    try:
        first_event(executor, demo)  # warm
        forced, crash, exits, mine, ours = [], [], [], [], []
        solution = learner(folder, catalog()["momentum_update"]["solution"])
        for _ in range(args.repeats):
            restarts = executor.restarts
            run, node, _ = start(executor, StuckJob())
            node.first()
            executor.cancel(run)
            while executor.restarts == restarts:
                time.sleep(0.001)
            forced.append(first_event(executor, demo))

            node = start(executor, CrashJob(sig=SEGV, after=1))[1]
            node.final()  # the app has been told
            crash.append(first_event(executor, demo))

            exiting = learner(folder, EXITING)
            start(executor, MomentumDemoJob(steps=60, learner=exiting))[1].final()
            exits.append(first_event(executor, MomentumDemoJob(steps=60, learner=solution)))

            ours.append(first_event(executor, demo))
            mine.append(first_event(executor, MomentumDemoJob(steps=60, learner=solution)))
    finally:
        executor.shutdown()
    med = lambda xs: statistics.median(xs)
    print(f"cold start (new template: torch, MNIST) to first event: {cold:6.3f} s   (every restart, before forks)")
    print(f"first event after a forced stop:   {med(forced):6.3f} s   target <= 0.3 s")
    print(f"first event after a crash:         {med(crash):6.3f} s   target <= 0.3 s")
    print(f"first event after a learner exit:  {med(exits):6.3f} s   target <= 0.3 s")
    print(f"first event, the course's code:    {med(ours):6.3f} s")
    print(f"first event, the learner's code:   {med(mine):6.3f} s   (+{med(mine) - med(ours):.3f} s, target <= 0.1 s)")


if __name__ == "__main__":
    main()
