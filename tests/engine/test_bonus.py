"""The Bonus contract and its jobs: settings rules, picklable jobs and events, the model kept in the engine."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import pytest

from engine.contracts.base import SettingError
from engine.contracts.bonus import (
    BATCH_SIZE,
    DEFAULTS,
    EPOCHS,
    LR,
    OPTIMIZERS,
    BenchmarkNote,
    EvaluateJob,
    Evaluation,
    HistoryAdded,
    HistoryFailed,
    ModelHeld,
    SavedModel,
    SaveJob,
    TrainConfig,
    TrainJob,
    TrainStarted,
    TrainSteps,
    check_hidden,
)
from engine.events import Done, Failed
from engine.hidden import HiddenSizesError, parse_hidden
from engine.jobs import RunEnv, run_job

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/engine/conftest.py


QUICK = TrainConfig(lr=1e-3, train_limit=500, batch_size=50, epochs=1, val_every=5, hidden=(20,))


def engine_env(mnist=None) -> RunEnv:
    return RunEnv(SimpleNamespace(device="cpu", device_label="cpu", mnist=mnist, store={}))


def test_the_optimizers_and_the_courses_defaults():
    assert list(OPTIMIZERS) == ["SGD", "SGD momentum", "Nesterov", "RMSprop", "Adagrad", "Adam", "AdamW"]
    assert (DEFAULTS.optimizer, DEFAULTS.lr, DEFAULTS.batch_size, DEFAULTS.epochs, DEFAULTS.hidden) == (
        "Adam",
        1e-5,
        64,
        2,
        (200, 100, 50),
    )
    assert (LR.default, BATCH_SIZE.default, EPOCHS.default) == (DEFAULTS.lr, DEFAULTS.batch_size, DEFAULTS.epochs)
    assert isinstance(DEFAULTS.batch_size, int) and DEFAULTS.validate() == []


def test_jobs_and_events_cross_a_process_boundary():
    for job in (TrainJob(QUICK, evaluate_benchmark=False), EvaluateJob("/tmp/m.pt"), SaveJob("/tmp/m.pt", True, "t")):
        assert pickle.loads(pickle.dumps(job)) == job
    started = TrainStarted("cpu", 500, 10_000, 10_000, 10, 10, 16_090, QUICK.to_dict())
    for event in (started, ModelHeld("abc"), HistoryAdded(3), SavedModel("/tmp/m.pt"), BenchmarkNote("x")):
        assert pickle.loads(pickle.dumps(event)) == event


def test_a_job_refuses_settings_the_engine_cannot_use():
    with pytest.raises(SettingError, match="learning rate must be greater than 0"):
        TrainJob(TrainConfig(lr=0.0))
    with pytest.raises(SettingError, match="batch size must be a whole number from 1 to 50,000"):
        TrainJob(TrainConfig(batch_size=50_001))
    with pytest.raises(SettingError, match="hidden sizes: a layer needs at least 1 unit"):
        TrainJob(TrainConfig(hidden=(0,)))
    with pytest.raises(SettingError, match="type a file path"):
        SaveJob("  ")
    TrainJob(TrainConfig(optimizer="SGD", lr=100.0))  # past the slider: the engine's own rule is lr > 0


@pytest.mark.parametrize("sizes", [(200, 100, 50), (), (4096,), (1,) * 8])
def test_hidden_sizes_follow_the_typed_text_rule(sizes):
    assert check_hidden(sizes) == tuple(parse_hidden(", ".join(map(str, sizes))))


@pytest.mark.parametrize(
    "sizes, words",
    [((0,), "at least 1 unit"), ((5000,), "too wide"), ((10,) * 9, "too deep"), ((2.5,), "2.5"), ((True,), "True")],
)
def test_hidden_sizes_refused_with_the_reason(sizes, words):
    with pytest.raises(HiddenSizesError, match=words):
        check_hidden(sizes)
    assert words in TrainConfig(hidden=sizes).validate()[0]


def test_hidden_sizes_must_be_a_list():
    with pytest.raises(HiddenSizesError, match="not a list"):
        check_hidden(5)  # type: ignore[arg-type]


def test_saving_finds_no_model_in_a_fresh_engine():
    events = list(run_job(SaveJob("/tmp/never.pt", token="abc"), engine_env()))
    assert events == [Failed("the trained model is no longer in memory: train again")]


def test_train_keep_save_and_evaluate_through_the_jobs(mnist, tmp_path, runs_home):
    env = engine_env(mnist)
    events = list(run_job(TrainJob(QUICK, evaluate_benchmark=False), env))
    assert isinstance(events[0], ModelHeld) and events[-1] == Done("completed", events[-1].seconds)
    token = events[0].token
    evaluation = next(e for e in events if isinstance(e, Evaluation))
    assert evaluation.rows[0].model == "Your model"
    assert isinstance(events[events.index(evaluation) + 1], BenchmarkNote)
    [added] = [e for e in events if isinstance(e, HistoryAdded)]
    [record] = runs_home.list()
    assert record.id == added.run_id and record.status == "completed" and record.config["hidden"] == [20]
    # the model stays in the engine: a later job saves it by its token, and only by its token
    wrong = list(run_job(SaveJob(str(tmp_path / "x.pt"), token="not-it"), env))
    assert isinstance(wrong[0], Failed) and "no longer in memory" in wrong[0].message
    saved = list(run_job(SaveJob(str(tmp_path / "mine.pt"), token=token), env))
    assert saved[0] == SavedModel(str(tmp_path / "mine.pt")) and (tmp_path / "mine.json").is_file()
    again = list(run_job(SaveJob(str(tmp_path / "mine.pt"), token=token), env))
    assert isinstance(again[0], Failed) and "already exists" in again[0].message
    scored = list(run_job(EvaluateJob(str(tmp_path / "mine.pt"), evaluate_benchmark=False), env))
    row = next(e for e in scored if isinstance(e, Evaluation)).rows[0]
    assert row.test_acc == pytest.approx(record.final["test_acc"])
    assert any(isinstance(e, BenchmarkNote) for e in scored)


LONGER = TrainConfig(lr=1e-3, train_limit=2000, batch_size=20, epochs=3, val_every=1000, hidden=(20,))


def test_a_second_escape_skips_the_evaluation_and_the_run_is_stored(mnist, runs_home):
    env = engine_env(mnist)
    events = run_job(TrainJob(LONGER, evaluate_benchmark=False), env)
    next(events)  # ModelHeld
    seen = [next(e for e in events if isinstance(e, TrainSteps))]
    env.stop_event.set()  # Escape: stop after this batch
    env.skip()  # Escape again (protocol.Skip): no evaluation
    seen += list(events)
    assert not any(isinstance(e, Evaluation) for e in seen) and seen[-1].reason == "stopped"
    [added] = [e for e in seen if isinstance(e, HistoryAdded)]
    [record] = runs_home.list()
    assert record.id == added.run_id and record.status == "stopped" and record.final == {}
    assert 0 < len(runs_home.get(record.id).train_loss) < 300


def test_a_cancelled_run_lets_go_of_its_model_which_can_be_saved(mnist, tmp_path):
    env = engine_env(mnist)
    events = run_job(TrainJob(LONGER, evaluate_benchmark=False), env)
    token = next(events).token
    next(e for e in events if isinstance(e, TrainSteps))
    events.close()  # a hard cancel, as the runner does: the generator is closed at its next event
    saved = list(run_job(SaveJob(str(tmp_path / "early.pt"), token=token), env))
    assert saved[0] == SavedModel(str(tmp_path / "early.pt"))


@pytest.mark.parametrize("damage", ["garbage file", "folder under a file"])
def test_a_run_that_cannot_be_stored_says_so_and_why(mnist, fresh_home, monkeypatch, damage):
    """Issue 11, item 4: the run ended with "Done" and no word that it was not kept."""
    if damage == "garbage file":
        fresh_home.mkdir(parents=True, exist_ok=True)
        (fresh_home / "runs.sqlite3").write_bytes(b"this is not a database" * 100)
    else:
        (fresh_home.parent / "a-file").write_text("in the way")
        monkeypatch.setenv("OPTCOURSE_HOME", str(fresh_home.parent / "a-file" / "home"))
    events = list(run_job(TrainJob(QUICK, evaluate_benchmark=False), engine_env(mnist)))
    [failed] = [e for e in events if isinstance(e, HistoryFailed)]
    assert "runs.sqlite3" in failed.reason or "a-file" in failed.reason
    assert not any(isinstance(e, HistoryAdded) for e in events) and events[-1].reason == "completed"
    assert events.index(failed) < len(events) - 1  # reported before Done, so the screen shows it with the result


@pytest.fixture
def runs_home():
    from engine.history import RunHistory

    return RunHistory()


def test_a_value_that_is_not_a_number_is_said_once():
    """Nesterov checked its momentum again after the range check: a NaN momentum was reported twice."""
    assert TrainConfig(optimizer="Nesterov", momentum=float("nan")).validate() == [
        "momentum must be a finite number, got nan"
    ]
