"""The Bonus's sweep: typed values, its copies, the batched engine against runs alone, divergence, stop, storage."""

from __future__ import annotations

import dataclasses
import math
import pickle
from types import SimpleNamespace

import pytest

from engine.contracts.base import SettingError, too_large
from engine.contracts.bonus import HistoryFailed, TrainConfig
from engine.contracts.sweep import (
    SweepDiverged,
    SweepJob,
    SweepPlan,
    SweepResult,
    SweepStarted,
    SweepStored,
    SweepValidation,
    grid,
    parse_values,
    value_text,
)
from engine.events import Done
from engine.jobs import RunEnv, run_job
from engine.sweep import SweepSession
from engine.training import TrainingSession

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/engine/conftest.py


TINY = TrainConfig(lr=1e-3, train_limit=600, batch_size=50, epochs=2, val_every=5, hidden=(20,))


@pytest.mark.parametrize(
    "text, key, words",
    [
        ("", "lr", "at least two values"),
        ("   ", "lr", "at least two values"),
        ("1e-3", "lr", "one value is a single run"),
        ("1e-4..1e-4 x3", "lr", "one value"),
        ("abc, 1e-3", "lr", "'abc' is not a number"),
        ("1e-3, two", "lr", "'two' is not a number"),
        ("20, 1e-3", "lr", "learning rate 20 is out of range: it goes from 1e-6 to 10"),
        ("0..0.01 x5", "lr", "learning rate 0 is out of range"),
        ("1e-3, 1e-3", "lr", "1e-3 appears twice"),
        ("1e-4..1e-1 x40", "lr", "between 2 and 16"),
        ("1e-4..1e-1 xmany", "lr", "'many' is not a whole number"),
        ("1..2", "lr", "low..high xN"),
        ("0.5, 64", "batch_size", "0.5 is not a whole number"),
        ("64, 60000", "batch_size", "batch size 60,000 is out of range"),
        ("-0.1, 0.01", "weight_decay", "weight decay -0.1 is out of range"),
        ("0..0.01 x3 log", "weight_decay", "a log grid cannot start at 0"),
        (", ".join(str(i) for i in range(1, 18)), "batch_size", "at most 16 copies"),
        ("1e-3, " * 100, "lr", "characters"),
    ],
)
def test_bad_values_say_what_is_wrong(text, key, words):
    with pytest.raises(SettingError, match=words.replace("(", r"\(").replace(".", r"\.")):
        parse_values(text, key)


def test_values_lists_and_grids():
    assert parse_values("1e-4, 1e-3;1e-2  0.1", "lr") == (1e-4, 1e-3, 1e-2, 0.1)
    assert parse_values("1e-4..1e-1 x4", "lr") == pytest.approx((1e-4, 1e-3, 1e-2, 1e-1))  # log for lr
    assert parse_values("0..0.01 x5", "weight_decay") == pytest.approx((0, 0.0025, 0.005, 0.0075, 0.01))  # linear
    assert parse_values("1e-4..1e-2 x3 lin", "lr") == pytest.approx((1e-4, 5.05e-3, 1e-2))
    assert parse_values("16..256 x5", "batch_size") == (16, 32, 64, 128, 256)
    assert grid(1.0, 100.0, 3, log=True, integer=False) == (1.0, 10.0, 100.0)
    assert [value_text(v) for v in (1e-4, 2.68e-4, 0.01, 0.9, 128, 0.0)] == [
        "1e-4",
        "2.68e-4",
        "0.01",
        "0.9",
        "128",
        "0",
    ]


def test_momentum_is_beta1_for_adam_and_absent_from_plain_sgd():
    plan = SweepPlan(TrainConfig(optimizer="Adam"), (("momentum", (0.8, 0.95)),))
    assert [c.beta1 for c in plan.configs()] == [0.8, 0.95] and plan.problems() == []
    sgd = SweepPlan(TrainConfig(optimizer="SGD momentum"), (("momentum", (0.5, 0.9)),))
    assert [c.momentum for c in sgd.configs()] == [0.5, 0.9]
    assert "SGD has no momentum" in SweepPlan(TrainConfig(optimizer="SGD"), (("momentum", (0.5, 0.9)),)).problems()[0]


def test_plans_of_two_settings_and_their_limits():
    plan = SweepPlan(TINY, (("lr", (1e-3, 1e-2)), ("batch_size", (25, 50, 100))))
    assert plan.count == 6 and plan.labels()[1] == "lr 1e-3 · batch 50"
    assert [(c.lr, c.batch_size) for c in plan.configs()][:2] == [(1e-3, 25), (1e-3, 50)]
    too_many = SweepPlan(TINY, (("lr", grid(1e-4, 1e-1, 8, True, False)), ("weight_decay", (0.0, 1e-4, 1e-3))))
    assert "24 copies: a sweep trains at most 16" in too_many.problems()[0]
    assert "the same setting is swept twice" in SweepPlan(TINY, (("lr", (1e-3, 1e-2)),) * 2).problems()[0]
    with pytest.raises(SettingError, match="at most 16"):
        SweepJob(too_many)
    job = SweepJob(plan)
    assert pickle.loads(pickle.dumps(job)) == job


def test_the_estimate_weighs_the_whole_sweep():
    course = dataclasses.replace(TINY, hidden=(200, 100, 50))
    one = SweepJob(SweepPlan(course, (("lr", (1e-3, 1e-2)),))).estimate("cpu", free_bytes=64 << 30)
    many = SweepJob(SweepPlan(course, (("lr", grid(1e-4, 1e-1, 16, True, False)),))).estimate(
        "cpu", free_bytes=64 << 30
    )
    assert one is not None and many is not None
    assert many.peak_bytes > one.peak_bytes and many.seconds > 6 * one.seconds  # 8x the copies
    wide = dataclasses.replace(TINY, hidden=(4096, 4096, 4096), batch_size=2048)
    job = SweepJob(SweepPlan(wide, (("lr", grid(1e-4, 1e-1, 16, True, False)),)))
    refusal = too_large(job, "cpu", free_bytes=4 << 30)
    assert refusal is not None and "Sweep fewer values" in str(refusal)
    assert too_large(SweepJob(SweepPlan(wide, (("lr", (1e-3, 1e-2)),))), "cpu", free_bytes=4 << 30) is None


def run_sweep(plan, mnist, stop_after: int | None = None):
    """The session and its events; with `stop_after`, the job's stop flag is raised after that many batches."""
    asked = []

    def should_stop() -> bool:  # asked once before each batch
        asked.append(1)
        return stop_after is not None and len(asked) > stop_after

    session = SweepSession(plan, "cpu", mnist, should_stop=should_stop)
    return session, list(session.run())


def test_each_copy_trains_as_its_run_alone(mnist):
    """Batched copies (two batch sizes: two groups, interleaved), a schedule and augmentation: every copy's
    curve and validations equal those of a run of its settings on its own."""
    base = dataclasses.replace(TINY, optimizer="AdamW", schedule="one-cycle", augment="affine")
    plan = SweepPlan(base, (("lr", (1e-3, 4e-3)), ("batch_size", (50, 128))))  # 600 = 4 x 128 + 88
    session, events = run_sweep(plan, mnist)
    started = next(e for e in events if isinstance(e, SweepStarted))
    assert started.groups == 2 and started.total_steps == (24, 10, 24, 10)
    for i, config in enumerate(plan.configs()):
        alone = TrainingSession(config, "cpu", mnist, evaluate_benchmark=False, score=False)
        list(alone.run())
        mine, theirs = session.records[i], alone.record
        assert len(mine.train_loss) == len(theirs.train_loss)
        assert mine.train_loss == pytest.approx(theirs.train_loss, abs=1e-5) and mine.train_acc == theirs.train_acc
        assert mine.val_steps == theirs.val_steps and mine.val_acc == pytest.approx(theirs.val_acc, abs=2e-4)
        assert mine.val_loss == pytest.approx(theirs.val_loss, rel=1e-5)  # logsumexp - logit, not log_softmax
    rows = next(e for e in events if isinstance(e, SweepResult)).rows
    assert [r.val_acc for r in rows] == sorted((r.val_acc for r in rows), reverse=True)
    assert all(r.status == "completed" and r.steps == started.total_steps[r.copy] for r in rows)
    assert events[-1] == Done("completed", events[-1].seconds)


def test_a_diverging_copy_is_reported_and_the_others_go_on(mnist):
    sgd = TrainConfig(optimizer="SGD momentum", train_limit=1000, batch_size=50, epochs=1, val_every=5)
    plan = SweepPlan(sgd, (("lr", (0.05, 100.0)),))
    session, events = run_sweep(plan, mnist)
    [diverged] = [e for e in events if isinstance(e, SweepDiverged)]
    assert diverged.copy == 1
    rows = next(e for e in events if isinstance(e, SweepResult)).rows
    assert [(r.copy, r.status) for r in rows] == [(0, "completed"), (1, "diverged")]
    assert rows[0].steps == 20 and rows[0].val_acc > 0.3 and math.isnan(rows[1].val_acc)  # 10% is chance
    assert all(math.isfinite(v) for v in session.records[1].train_loss)  # cut before its first bad step
    assert max(e.step for e in events if isinstance(e, SweepValidation) and e.copy == 0) == 20
    assert events[-1].reason == "completed"


def test_stop_ends_every_copy_with_a_final_validation(mnist):
    plan = SweepPlan(dataclasses.replace(TINY, val_every=100), (("lr", (1e-3, 1e-2)), ("batch_size", (25, 50))))
    session, events = run_sweep(plan, mnist, stop_after=9)  # 6 batches of 25 and 3 of 50: the same share
    assert events[-1].reason == "stopped"
    rows = next(e for e in events if isinstance(e, SweepResult)).rows
    assert sorted((r.copy, r.status, r.steps) for r in rows) == [
        (0, "stopped", 6),
        (1, "stopped", 3),
        (2, "stopped", 6),
        (3, "stopped", 3),
    ]
    for record in session.records:  # judged on the weights it ended with
        assert record.val_steps[-1] == len(record.train_loss) and record.final["val_acc"] == record.val_acc[-1]


def test_the_job_keeps_the_copies_as_one_group(mnist):
    from engine.history import RunHistory

    env = RunEnv(SimpleNamespace(device="cpu", device_label="cpu", mnist=mnist, store={}))
    events = list(run_job(SweepJob(SweepPlan(TINY, (("lr", (1e-3, 1e-2)),))), env))
    [stored] = [e for e in events if isinstance(e, SweepStored)]
    assert events[-1].reason == "completed" and events.index(stored) == len(events) - 2
    records = {r.id: r for r in RunHistory().list()}
    assert sorted(records) == sorted(stored.run_ids)
    tags = [records[i].config["sweep"] for i in stored.run_ids]
    assert {t["group"] for t in tags} == {stored.group} and [t["label"] for t in tags] == ["lr 1e-3", "lr 0.01"]
    assert all("test_acc" not in records[i].final and records[i].final["val_acc"] > 0 for i in stored.run_ids)


def test_a_sweep_that_cannot_be_stored_says_why(mnist, fresh_home):
    fresh_home.mkdir(parents=True, exist_ok=True)
    (fresh_home / "runs.sqlite3").write_bytes(b"not a database" * 100)
    env = RunEnv(SimpleNamespace(device="cpu", device_label="cpu", mnist=mnist, store={}))
    events = list(run_job(SweepJob(SweepPlan(dataclasses.replace(TINY, epochs=1), (("lr", (1e-3, 1e-2)),))), env))
    [failed] = [e for e in events if isinstance(e, HistoryFailed)]
    assert "runs.sqlite3" in failed.reason and events[-1].reason == "completed"
