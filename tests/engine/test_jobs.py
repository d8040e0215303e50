"""The job protocol: a Job names its compute function; run_job turns errors into Failed and always ends."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import pytest

from engine.contracts.base import Job, Range, SettingError
from engine.contracts.conditioning import MomentumDemoJob
from engine.events import Done, Failed, Status
from engine.jobs import RunEnv, batched, run_job


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


def test_batched_groups_by_time_and_marks_the_last_batch():
    ticks = iter(range(100))
    batches = list(batched(iter(range(7)), lambda: False, seconds=2.5, clock=lambda: next(ticks)))
    assert [e for b, _ in batches for e in b] == list(range(7))
    assert [final for _, final in batches] == [False] * (len(batches) - 1) + [True]
    assert len(batches) > 1


def test_batched_stops_when_cancelled():
    seen: list[int] = []
    for batch, _ in batched(iter(range(100)), lambda: len(seen) >= 3, seconds=0.0):
        seen.extend(batch)
    assert len(seen) == 3


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
