"""Jobs that misbehave on purpose, for the engine-process tests (imported by the engine process too)."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

from engine.contracts.base import Job
from engine.events import Done, Status


@dataclass(frozen=True)
class TickJob(Job):
    """Yields a Status every `every` seconds, `n` times (None: forever), honouring a polite stop."""

    compute = "tests.process.jobs:ticks"
    n: int | None = None
    every: float = 0.01


def ticks(job: TickJob, env):
    i = 0
    while job.n is None or i < job.n:
        if env.stop_requested():
            yield Done("stopped")
            return
        yield Status(f"tick {i}")
        time.sleep(job.every)
        i += 1


@dataclass(frozen=True)
class StuckJob(Job):
    """Sends one event, then computes forever without yielding (as a learner's endless loop would)."""

    compute = "tests.process.jobs:stuck"


def stuck(job: StuckJob, env):
    yield Status("about to get stuck")
    while True:
        sum(range(10_000))


@dataclass(frozen=True)
class CrashJob(Job):
    """Sends a few events, then the process dies: by `signal` or by os._exit(`code`)."""

    compute = "tests.process.jobs:crash"
    code: int = 0
    sig: int = 0
    after: int = 3


def crash(job: CrashJob, env):
    for i in range(job.after):
        yield Status(f"event {i}")
        time.sleep(0.06)  # each in its own batch
    if job.sig:
        os.kill(os.getpid(), job.sig)
        time.sleep(10)  # a process-directed signal may reach another thread a moment later
    os._exit(job.code)


@dataclass(frozen=True)
class PidJob(Job):
    compute = "tests.process.jobs:pid"


def pid(job: PidJob, env):
    yield Status(str(os.getpid()))


SEGV = int(signal.SIGSEGV)


@dataclass(frozen=True)
class ThreadsJob(Job):
    """Parallel work in a forked engine: its torch threads, and the OS threads it runs on once done."""

    compute = "tests.process.jobs:threads"


def threads(job: ThreadsJob, env):
    import torch

    a = torch.randn(1000, 1000)
    for _ in range(3):
        a = (a @ a).tanh()  # an OpenMP parallel region: hangs in a fork whose parent had started the pool
    yield Status(f"{torch.get_num_threads()} {len(os.listdir('/proc/self/task'))}")
