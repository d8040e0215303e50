"""The job protocol: a Job names its compute function; run_job turns errors into Failed and always ends."""

from __future__ import annotations

import pickle
import queue
import time
from dataclasses import dataclass

import pytest

from engine.context import EngineSettings
from engine.contracts.base import Job, Range, SettingError
from engine.contracts.conditioning import MomentumDemoJob
from engine.events import Done, Failed, Status
from engine.jobs import RunEnv, run_job
from engine.protocol import Batch, Cancel, Ended, Start
from engine.resources import estimate
from engine.server import EngineServer


@dataclass(frozen=True)
class CountJob(Job):
    compute = "tests.engine.test_jobs:count_events"
    n: int = 3
    fail_at: int | None = None


def count_events(job: CountJob, env: RunEnv):
    for i in range(job.n):
        if i == job.fail_at:
            raise RuntimeError("boom")
        if env.stop_requested():
            yield Done("stopped")
            return
        yield Status(f"step {i}")


def test_a_job_that_ends_without_done_gets_one():
    events = list(run_job(CountJob(2), RunEnv(None)))
    assert [type(e) for e in events] == [Status, Status, Done] and events[-1].reason == "completed"


def test_an_exception_becomes_a_readable_failed_event():
    events = list(run_job(CountJob(3, fail_at=1), RunEnv(None)))
    assert isinstance(events[-1], Failed) and "RuntimeError: boom" in events[-1].message
    assert "test_jobs.py" in events[-1].message  # where it happened, not a traceback


def test_a_polite_stop_is_seen_by_the_compute_function():
    env = RunEnv(None)
    env.stop_event.set()
    assert list(run_job(CountJob(3), env)) == [Done("stopped")]


def test_a_bad_compute_name_is_a_failed_event_not_a_crash():
    @dataclass(frozen=True)
    class Broken(Job):
        compute = "no_colon_here"

    events = list(run_job(Broken(), RunEnv(None)))
    assert isinstance(events[-1], Failed) and "module:function" in events[-1].message


@dataclass(frozen=True)
class SlowCountJob(Job):
    compute = "tests.engine.test_jobs:slow_count"
    n: int = 40


def slow_count(job: SlowCountJob, env: RunEnv):
    for i in range(job.n):
        yield Status(f"step {i}")
        time.sleep(0.005)


def _serve(job: Job, cancel_after_first: bool = False) -> list:
    """What an engine sends for `job` (the app's engines and the tests' LocalExecutor batch alike)."""
    sent: queue.Queue = queue.Queue()
    server = EngineServer(sent.put, EngineSettings(), context=lambda: None, heartbeat=False)
    server.start_flushing()
    server.handle(Start(1, job))
    messages = []
    try:
        while not messages or not isinstance(messages[-1], Ended):
            messages.append(sent.get(timeout=30))
            if cancel_after_first and len(messages) == 1:
                server.handle(Cancel(1))
    finally:
        server.close()
    return messages


def test_the_engine_batches_a_runs_events_in_time_and_marks_the_last_batch():
    messages = _serve(SlowCountJob())
    batches = [m for m in messages if isinstance(m, Batch)]
    events = [e for b in batches for e in b.events]
    assert [e.text for e in events[:-1]] == [f"step {i}" for i in range(40)] and isinstance(events[-1], Done)
    assert [b.final for b in batches] == [False] * (len(batches) - 1) + [True]
    assert 1 < len(batches) < 40  # grouped by time (BATCH_SECONDS), not one message per event
    assert isinstance(messages[-1], Ended)


def test_a_cancelled_run_sends_nothing_more():
    messages = _serve(SlowCountJob(n=400), cancel_after_first=True)
    assert [type(m) for m in messages] == [Batch, Ended] and not messages[0].final


def test_running_out_of_memory_is_said_in_the_learners_terms():
    @dataclass(frozen=True)
    class Hungry(Job):
        compute = "tests.engine.test_jobs:out_of_memory"
        message: str = ""

        def estimate(self, device="cpu", free_bytes=None):
            return estimate([4096, 4096], 4096, free_bytes=free_bytes) if "CUDA" in self.message else None

    cpu = "[enforce fail at alloc_cpu.cpp:127] data. DefaultCPUAllocator: can't allocate memory: you tried to "
    cpu += "allocate 8589934592 bytes. Error code 12 (Cannot allocate memory)"
    cuda = "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.11 GiB"
    for message, needed in ((cpu, "about 8.0 GB needed"), (cuda, "needed")):
        [failed] = list(run_job(Hungry(message), RunEnv(None)))
        assert failed.message.startswith("not enough memory for these settings (") and needed in failed.message
        assert failed.message.endswith("free): try smaller hidden sizes or batch")
        assert "alloc_cpu" not in failed.message and "CUDA" not in failed.message
    [failed] = list(run_job(Hungry("MemoryError"), RunEnv(None)))
    assert failed.message.startswith("not enough memory for these settings")


def out_of_memory(job, env: RunEnv):
    if job.message == "MemoryError":
        raise MemoryError
    raise RuntimeError(job.message)
    yield


def test_jobs_cross_a_process_boundary():
    job = MomentumDemoJob(120, 0.5, 0.48, learner={"momentum_update": "/tmp/x.py"})
    assert pickle.loads(pickle.dumps(job)) == job


def test_a_job_refuses_values_outside_its_contract():
    with pytest.raises(SettingError, match="between 50 and 500"):
        MomentumDemoJob(steps=900)
    with pytest.raises(SettingError, match="must be a number"):
        MomentumDemoJob(lr=float("nan"))
    MomentumDemoJob(lr=17.0)  # past the slider but a typed value may go there (the theory's best lr)


def test_range_checks_whole_numbers_and_typed_limits():
    r = Range("steps", 300, 50, 500, 5, integer=True)
    assert r.check(120) == 120 and isinstance(r.check(120.0), int)
    with pytest.raises(SettingError, match="whole number"):
        r.check(120.5)
    with pytest.raises(SettingError):
        r.check(True)
    wide = Range("lr", 0.1, 1e-3, 5.0, 0.1, scale="log", typed_max=100.0)
    assert wide.check(50.0) == 50.0 and wide.highest == 100.0
