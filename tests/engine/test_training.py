"""The Bonus section's training run: the course's split and protocol, optimizers, stop, divergence, saving."""

from __future__ import annotations

import math

import pytest
import torch

from engine.contracts.bonus import EpochProgress, Evaluation, LogLine, TrainConfig, TrainStarted, TrainSteps, Validation
from engine.evaluation import evaluate
from engine.events import Diverged, Done, Failed, Status
from engine.model import MLP, loss_fn
from engine.streaming import LossStream
from engine.training import TrainingSession, evaluate_saved, init_model, load_model
from engine.training_config import build_optimizer, build_scheduler, course_split

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/engine/conftest.py


SMALL = dict(lr=1e-3, train_limit=2000, batch_size=50, epochs=2, val_every=15)  # 40 batches an epoch


def run(config: TrainConfig, mnist, stop_after: int | None = None, **kw):
    session = TrainingSession(config, "cpu", mnist, evaluate_benchmark=False, **kw)
    events = []
    for ev in session.run():
        events.append(ev)
        if stop_after is not None and isinstance(ev, TrainSteps) and ev.first_step + len(ev.losses) > stop_after:
            session.stop()
    return session, events


def of(events, cls):
    return [e for e in events if isinstance(e, cls)]


def steps_curve(events):
    """The per-step losses and accuracies, checking TrainSteps chunks are contiguous from step 1."""
    losses, accs = [], []
    for ev in of(events, TrainSteps):
        assert ev.first_step == len(losses) + 1
        losses += ev.losses
        accs += ev.accs
    return losses, accs


def test_split_is_the_courses():
    train, val = course_split(2021)
    assert len(train) == 50_000 and len(val) == 10_000
    assert torch.equal(torch.sort(torch.cat([train, val])).values, torch.arange(60_000))
    with torch.random.fork_rng():  # the course: set_seed(2021), then random_split on the global generator
        torch.manual_seed(2021)
        a, b = torch.utils.data.random_split(range(60_000), [50_000, 10_000])
    assert a.indices == train.tolist() and b.indices == val.tolist()
    assert torch.equal(course_split(2021)[0], train)  # deterministic


@pytest.mark.parametrize(
    "name, cls, expect",
    [
        ("SGD", torch.optim.SGD, {"lr": 0.1, "momentum": 0, "nesterov": False, "weight_decay": 1e-4}),
        ("SGD momentum", torch.optim.SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": False}),
        ("Nesterov", torch.optim.SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": True}),
        ("RMSprop", torch.optim.RMSprop, {"lr": 0.1, "alpha": 0.95, "momentum": 0.8, "weight_decay": 1e-4}),
        ("Adagrad", torch.optim.Adagrad, {"lr": 0.1, "weight_decay": 1e-4}),
        ("Adam", torch.optim.Adam, {"lr": 0.1, "betas": (0.85, 0.99), "weight_decay": 1e-4}),
        ("AdamW", torch.optim.AdamW, {"lr": 0.1, "betas": (0.85, 0.99), "weight_decay": 1e-4}),
    ],
)
def test_each_optimizer_is_the_torch_class(name, cls, expect):
    cfg = TrainConfig(optimizer=name, lr=0.1, momentum=0.8, alpha=0.95, beta1=0.85, beta2=0.99, weight_decay=1e-4)
    opt = build_optimizer(cfg, MLP(hidden_dims=[3]).parameters())
    assert type(opt) is cls
    group = opt.param_groups[0]
    for key, value in expect.items():
        assert group[key] == value, key


def test_graph_mode_optimizers_are_capturable():
    cfg = TrainConfig(optimizer="AdamW")
    group = build_optimizer(cfg, MLP(hidden_dims=[3]).parameters(), capturable=True).param_groups[0]
    assert group["capturable"] and not group["fused"]
    assert build_optimizer(cfg, MLP(hidden_dims=[3]).parameters()).param_groups[0]["fused"]  # fast kernel otherwise


def test_defaults_are_the_courses_and_valid():
    cfg = TrainConfig()
    assert (cfg.optimizer, cfg.lr, cfg.batch_size, cfg.epochs, cfg.hidden, cfg.seed) == (
        "Adam",
        1e-5,
        64,
        2,
        (200, 100, 50),
        2021,
    )
    assert cfg.validate() == []
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    "change, words",
    [
        ({"lr": 0.0}, "greater than 0"),
        ({"lr": math.nan}, "finite"),
        ({"lr": math.inf}, "finite"),
        ({"batch_size": 0}, "batch size"),
        ({"batch_size": 50_001}, "batch size"),
        ({"epochs": 201}, "epochs"),
        ({"schedule": "linear"}, "unknown schedule"),
        ({"augment": "elastic"}, "unknown augmentation"),
        ({"beta1": 1.0}, "beta1"),
        ({"beta2": -0.1}, "beta2"),
        ({"momentum": 1.0}, "momentum"),
        ({"alpha": 1.5}, "alpha"),
        ({"weight_decay": -1.0}, "weight decay"),
        ({"hidden": (0,)}, "at least 1 unit"),
        ({"hidden": (5000,)}, "too wide"),
        ({"optimizer": "LBFGS"}, "unknown optimizer"),
    ],
)
def test_validation_messages(change, words, mnist):
    cfg = TrainConfig(**change)
    errors = cfg.validate()
    assert len(errors) == 1 and words in errors[0]
    events = list(TrainingSession(cfg, "cpu", mnist).run())
    assert isinstance(events[-1], Failed) and words in events[-1].message


def test_protocol_curves_validation_and_logs(mnist):
    cfg = TrainConfig(**SMALL)
    session, events = run(cfg, mnist)
    started = of(events, TrainStarted)[0]
    assert (started.n_train, started.n_val, started.batches_per_epoch, started.total_steps) == (2000, 10_000, 40, 80)
    losses, accs = steps_curve(events)
    assert len(losses) == 80 and all(0 <= a <= 1 for a in accs)
    assert sum(losses[-15:]) / 15 < 0.6 * sum(losses[:15]) / 15  # the loss falls
    vals = of(events, Validation)
    # batch_id % 15 == 14 within each epoch; step_idx counts across epochs from 1; then the final weights'
    assert [(v.epoch, v.batch, v.step) for v in vals] == [
        (1, 15, 15),
        (1, 30, 30),
        (2, 15, 55),
        (2, 30, 70),
        (2, 40, 80),
    ]
    assert vals[-1].acc > 0.8
    logs = [e.text for e in of(events, LogLine)]
    assert (
        len(logs) == 9 and logs[0].startswith("[VALID] Epoch 1 - Batch 15 - Loss: ") and logs[1].startswith("[TRAIN]")
    )
    assert logs[-1] == f"[VALID] Epoch 2 - Batch 40 - Loss: {vals[-1].loss:.3f} - Acc: {100 * vals[-1].acc:.3f}%"
    want = sum(losses[40:55]) / 15, sum(accs[40:55]) / 15  # the running mean of the last 15 batches
    assert logs[5] == f"[TRAIN] Epoch 2 - Batch 15 - Loss: {want[0]:.3f} - Acc: {100 * want[1]:.3f}%"
    assert logs[4] == f"[VALID] Epoch 2 - Batch 15 - Loss: {vals[2].loss:.3f} - Acc: {100 * vals[2].acc:.3f}%"
    assert of(events, EpochProgress)[-1].batch == 40
    ev = of(events, Evaluation)[0]
    assert [r.model for r in ev.rows] == ["Your model"] and ev.rows[0].test_acc > 0.8
    assert events[-1] == Done("completed", events[-1].seconds)
    rec = session.record
    assert rec.status == "completed" and list(rec.train_loss) == losses and list(rec.val_steps) == [15, 30, 55, 70, 80]
    assert rec.final["test_acc"] == ev.rows[0].test_acc
    # the table's validation figures are the final weights' (the last validation), scored on the whole split
    assert (
        (ev.rows[0].val_loss, ev.rows[0].val_acc)
        == (vals[-1].loss, vals[-1].acc)
        == (
            rec.final["val_loss"],
            rec.final["val_acc"],
        )
    )
    val_idx = course_split(2021)[1]
    assert (vals[-1].loss, vals[-1].acc) == pytest.approx(
        evaluate(session.model, mnist.train_x, mnist.train_y, val_idx)
    )
    # the final train metrics are exact means over the examples trained on
    train_idx = course_split(2021)[0][:2000]
    with torch.no_grad():
        assert ev.rows[0].train_loss == pytest.approx(
            float(loss_fn(session.model(mnist.train_x[train_idx]), mnist.train_y[train_idx])), rel=1e-4
        )


def test_same_seed_same_curve(mnist):
    cfg = TrainConfig(**{**SMALL, "epochs": 1, "train_limit": 600})
    a = steps_curve(run(cfg, mnist)[1])
    b = steps_curve(run(cfg, mnist)[1])
    c = steps_curve(run(TrainConfig(**{**SMALL, "epochs": 1, "train_limit": 600, "seed": 7}), mnist)[1])
    assert a == b and a != c
    assert steps_curve(run(cfg, mnist, cuda_graph=True)[1]) == a  # the CUDA-graph flag is ignored off CUDA


def test_stop_mid_epoch_keeps_a_consistent_result(mnist):
    cfg = TrainConfig(**{**SMALL, "train_limit": None, "epochs": 1, "val_every": 200})
    session, events = run(cfg, mnist, stop_after=20)
    losses, _ = steps_curve(events)
    assert 20 <= session.steps_done < 1000 == of(events, TrainStarted)[0].total_steps
    assert len(losses) == session.steps_done == len(session.record.train_loss)
    assert of(events, Evaluation) and session.record.final
    assert events[-1].reason == "stopped" and session.record.status == "stopped"


def test_a_stop_between_epochs_validates_the_last_batch_of_the_epoch_that_ran(mnist):
    """Stopped before epoch 2's first batch: the final weights' validation is epoch 1's batch 40, step 40."""
    held: dict = {}
    cfg = TrainConfig(**SMALL)  # 40 batches an epoch, validations at batches 15 and 30
    stop = lambda: held["session"].steps_done >= 40  # asked before each batch
    session = held["session"] = TrainingSession(cfg, "cpu", mnist, evaluate_benchmark=False, should_stop=stop)
    events = list(session.run())
    assert session.steps_done == 40 and events[-1].reason == "stopped"
    assert [(v.epoch, v.batch, v.step) for v in of(events, Validation)] == [(1, 15, 15), (1, 30, 30), (1, 40, 40)]


def test_divergence_is_an_event(mnist):
    cfg = TrainConfig(optimizer="SGD", lr=100.0, train_limit=1000, batch_size=50, epochs=2)
    session, events = run(cfg, mnist)
    diverged = of(events, Diverged)
    assert len(diverged) == 1 and events[-1].reason == "diverged"
    losses, _ = steps_curve(events)
    assert all(math.isfinite(v) for v in losses) and len(losses) == diverged[0].iteration
    assert not of(events, Evaluation) and session.record.status == "diverged"
    with pytest.raises(ValueError, match="diverged"):
        session.save("/tmp/never.pt")


def test_init_is_torch_default_distribution_and_seeded():
    a, b = init_model([20], 3, "cpu"), init_model([20], 3, "cpu")
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    w = a.main[0].weight.detach()
    assert w.abs().max() <= 1 / math.sqrt(784) and w.std() == pytest.approx(1 / math.sqrt(3 * 784), rel=0.05)


def test_evaluate_is_the_exact_mean(mnist):
    model = init_model([10], 0, "cpu")
    x, y = mnist.test_x[:1000], mnist.test_y[:1000]
    loss, acc = evaluate(model, x, y, batch_size=300)  # uneven batches still give the data-set mean
    with torch.no_grad():
        logp = model(x)
    assert loss == pytest.approx(float(loss_fn(logp, y)), rel=1e-5)
    assert acc == float((logp.argmax(1) == y).float().mean())


def test_save_load_and_evaluate_saved(mnist, tmp_path):
    cfg = TrainConfig(**{**SMALL, "epochs": 1})
    session, _ = run(cfg, mnist)
    path = session.save(tmp_path / "mine")
    assert path.name == "mine.pt" and (tmp_path / "mine.json").is_file()
    with pytest.raises(FileExistsError):
        session.save(path)
    model, info = load_model(path, "cpu")
    assert info["config"]["hidden"] == [200, 100, 50] and info["final"] == session.record.final
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), session.model.parameters()))
    events = list(evaluate_saved(path, "cpu", mnist, evaluate_benchmark=False))
    assert isinstance(events[0], Status) and events[-1].reason == "completed"
    row = of(events, Evaluation)[0].rows[0]
    assert row.test_acc == pytest.approx(session.record.final["test_acc"])


@pytest.mark.parametrize("content", [b"", b"not a model", b"PK\x03\x04broken zip"])
def test_bad_model_files_give_clear_errors(tmp_path, content, mnist):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match="not a readable model file"):
        load_model(bad, "cpu")
    events = list(evaluate_saved(bad, "cpu", mnist))
    assert isinstance(events[-1], Failed) and "bad.pt" in events[-1].message


def test_wrong_state_dicts_give_clear_errors(tmp_path):
    torch.save({"weight": torch.zeros(3)}, tmp_path / "w.pt")
    with pytest.raises(ValueError, match="not an MLP of this course"):
        load_model(tmp_path / "w.pt", "cpu")
    torch.save(MLP(784, 5, [4]).state_dict(), tmp_path / "five.pt")
    with pytest.raises(ValueError, match="10 digit classes"):
        load_model(tmp_path / "five.pt", "cpu")
    with pytest.raises(ValueError, match="no such file"):
        load_model(tmp_path / "missing.pt", "cpu")


@pytest.mark.parametrize("when", ["before", "during"])
def test_a_skipped_evaluation_keeps_what_was_trained(mnist, when):
    """Escape twice: stop training and skip the evaluation (asked before it, or while it runs)."""
    cfg = TrainConfig(**{**SMALL, "epochs": 1})
    session = TrainingSession(cfg, "cpu", mnist, evaluate_benchmark=False)
    events = []
    for ev in session.run():
        events.append(ev)
        if when == "before" and isinstance(ev, TrainSteps) and ev.first_step + len(ev.losses) > 10:
            session.skip_evaluation()
        if when == "during" and isinstance(ev, Status) and ev.text.startswith("evaluating"):
            session.skip_evaluation()  # the evaluation sees it before its first chunk
    assert not of(events, Evaluation) and events[-1].reason == ("stopped" if when == "before" else "completed")
    assert any(isinstance(e, Status) and "evaluation skipped" in e.text for e in events)
    losses, _ = steps_curve(events)
    assert len(losses) == session.steps_done == len(session.record.train_loss) >= 10
    assert session.record.final == {} and session.record.status == events[-1].reason


def lrs_and_beta1(schedule: str, optimizer: str = "AdamW", steps: int = 100, lr: float = 0.01):
    cfg = TrainConfig(optimizer=optimizer, lr=lr, schedule=schedule)
    opt = build_optimizer(cfg, MLP(hidden_dims=[3]).parameters())
    sched = build_scheduler(opt, [cfg], steps)
    out = []
    for _ in range(steps):
        group = opt.param_groups[0]
        out.append((group["lr"], group.get("betas", (group.get("momentum"),))[0]))
        opt.step()
        if sched is not None:
            sched.step()
    return out


def test_schedules_follow_their_closed_forms():
    """The lr used at step t (0-based) of T = 100, from torch.optim.lr_scheduler, against the formulas."""
    T, lr = 100, 0.01
    assert lrs_and_beta1("constant") == [(lr, 0.9)] * T
    step = [v for v, _ in lrs_and_beta1("step")]
    assert step == pytest.approx([lr] * 50 + [lr / 10] * 25 + [lr / 100] * 25)  # x0.1 at 50% and 75%
    cosine = [v for v, _ in lrs_and_beta1("cosine")]
    assert cosine == pytest.approx([lr * (1 + math.cos(math.pi * t / T)) / 2 for t in range(T)])
    cycle = lrs_and_beta1("one-cycle")
    up = 0.2 * T - 1  # torch's OneCycleLR: the peak is at step pct_start * total - 1
    start, low = lr / 25, lr / 25 / 1e4

    def expected(t: int) -> tuple[float, float]:
        if t <= up:  # cosine from lr/25 up to lr, and beta1 from 0.95 down to 0.85
            f = (1 + math.cos(math.pi * t / up)) / 2
            return lr + (start - lr) * f, 0.85 + 0.1 * f
        f = (1 + math.cos(math.pi * (t - up) / (T - 1 - up))) / 2
        return low + (lr - low) * f, 0.95 - 0.1 * f

    assert [v for v, _ in cycle] == pytest.approx([expected(t)[0] for t in range(T)], rel=1e-6)
    assert [b for _, b in cycle] == pytest.approx([expected(t)[1] for t in range(T)], rel=1e-6)
    sgd = lrs_and_beta1("one-cycle", optimizer="SGD momentum")
    assert {b for _, b in sgd} == {0.9}  # the learner's momentum stays as set


def test_the_run_follows_its_schedule(mnist, monkeypatch):
    """Step: lr x 0.1 after half the run's 40 steps and again after three quarters. A progress event says the lr
    of the next step, and comes after every batch here (a loaded machine's clock made one come after the 20th
    now and then: its 1e-4 was right, the old test's bound was not)."""
    monkeypatch.setattr(LossStream, "due", lambda self: bool(self._pending))
    cfg = TrainConfig(**{**SMALL, "epochs": 1, "schedule": "step"})
    _, events = run(cfg, mnist)
    progress = of(events, EpochProgress)
    assert [p.batch for p in progress] == list(range(1, 41))
    want = [1e-3] * 19 + [1e-4] * 10 + [1e-5] * 11
    assert [p.lr for p in progress] == pytest.approx(want)


def test_augmentation_moves_images_within_its_ranges(mnist):
    from engine.augment import augment

    x = mnist.train_x[:256]
    same = augment(x, torch.Generator().manual_seed(0), 0.0, 0.0, 0.0)
    assert torch.allclose(same, x, atol=1e-5)  # the identity map samples every pixel at its centre
    moved = augment(x, torch.Generator().manual_seed(0), 0.0, 0.0, 2.0)
    again = augment(x, torch.Generator().manual_seed(0), 0.0, 0.0, 2.0)
    assert torch.equal(moved, again) and not torch.allclose(moved, x)  # seeded, and it does move them
    grid = torch.arange(28.0)

    def centre(images):  # of the ink (pixels above the background), in pixels
        ink = (images - images.amin()).clamp(min=0)
        mass = ink.sum((1, 2))
        return (ink.sum(1) * grid).sum(1) / mass, (ink.sum(2) * grid).sum(1) / mass

    (x0, y0), (x1, y1) = centre(x), centre(moved)
    assert (x1 - x0).abs().max() <= 2.05 and (y1 - y0).abs().max() <= 2.05  # shifts of at most 2 px
    assert (x1 - x0).abs().max() > 1.0  # and they are not all tiny


def test_an_augmented_run_trains_and_is_reproducible(mnist):
    cfg = TrainConfig(**{**SMALL, "epochs": 1, "train_limit": 600, "augment": "affine"})
    a, b = steps_curve(run(cfg, mnist)[1]), steps_curve(run(cfg, mnist)[1])
    plain = steps_curve(run(TrainConfig(**{**SMALL, "epochs": 1, "train_limit": 600}), mnist)[1])
    assert a == b and a != plain and sum(a[0][-10:]) < sum(a[0][:10])  # seeded, augmented, and it learns
