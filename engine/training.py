"""The Bonus section's training run: the course's protocol with torch.optim, on device-resident tensors.

Protocol (the course's "Train your own model"): the 60k training images split 50,000 / 10,000 as
random_split after set_seed(2021); minibatches of a fresh random permutation each epoch;
step_idx counts batches across epochs from 1; after batch b of an epoch (b % val_every == 0)
the whole validation split is scored and the mean train loss/accuracy of the last val_every
batches is logged. Differences, for speed only: the data are normalised tensors already on the
device, batches are gathered by index (no DataLoader, no workers) and augmented as whole batches on the
device (engine.augment), and per-step metrics stay on the device until they are sent a few times a
second. The learning-rate schedule (engine.training_config.build_scheduler) steps after every batch.
After the last batch the validation split is scored once more, so every run ends with a validation
point taken from its final weights; the test set is scored only for the final table.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .augment import augment
from .contracts.benchmark import benchmark_row
from .contracts.bonus import (
    EpochProgress,
    EvalRow,
    Evaluation,
    LogLine,
    TrainConfig,
    TrainStarted,
    train_line,
)
from .device import device_name
from .evaluation import EvaluationSkipped, evaluate
from .events import Done, Event, Failed, Status
from .history import RunRecord, now_iso
from .model import MLP, count_params, loss_fn
from .model_io import load_model, save_model
from .seeding import SEED
from .streaming import LossStream
from .training_config import build_optimizer, build_scheduler, course_split
from .training_curves import YOUR_MODEL, RunCurves

__all__ = ["TrainingSession", "evaluate_saved", "init_model", "load_model", "optimizers_ready"]

FINAL = ("train_loss", "val_loss", "test_loss", "train_acc", "val_acc", "test_acc")  # a run's record.final
FLUSH_S = 0.12  # how often per-step metrics go to the screen (one host sync each time)


def init_model(hidden, seed: int, device) -> MLP:
    """The MLP with PyTorch's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases,
    drawn from a generator seeded with `seed` (not the global one: other threads may be using it)."""
    model = MLP(784, 10, list(hidden))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.main:
            if isinstance(layer, torch.nn.Linear):
                bound = 1 / math.sqrt(layer.in_features)
                layer.weight.uniform_(-bound, bound, generator=g)
                layer.bias.uniform_(-bound, bound, generator=g)
    return model.to(device)


def optimizers_ready() -> bool:
    """Whether torch.optim's first optimizer has been made in this process: making one imports
    torch._dynamo (~900 modules: 1.3 s here with compiled bytecode, 5.3 s without, more from a cold disk),
    the whole of a first run's extra time once MNIST is cached. The engine does it while idle (warm_up)."""
    import sys

    return "torch._dynamo" in sys.modules


def warm_up() -> None:
    """Pay the one-time cost of torch.optim's first optimizer now, not in the learner's first run."""
    build_optimizer(TrainConfig(optimizer="SGD"), [torch.zeros(1, requires_grad=True)], fused=False)


def _eval_rows(
    label: str, model, mnist, train_idx, val: tuple[float, float], skip: Callable[[], bool] | None = None
) -> EvalRow:
    """The final table's row: the training split and the test set scored now, the validation split's
    figures as the run's last validation found them (same weights)."""
    tl, ta = evaluate(model, mnist.train_x, mnist.train_y, train_idx, skip=skip)
    sl, sa = evaluate(model, mnist.test_x, mnist.test_y, skip=skip)
    return EvalRow(label, tl, sl, ta, sa, val_loss=val[0], val_acc=val[1])


@dataclass
class _Setup:
    """What one run trains with, made once before its first batch."""

    dev: torch.device
    train_idx: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    n: int  # training examples
    bpe: int  # batches per epoch
    total: int  # batches in all
    model: MLP
    opt: torch.optim.Optimizer
    schedule: Any
    step_fn: Callable
    gen: torch.Generator
    metrics: torch.Tensor


class TrainingSession:
    """One training run: run() in the engine; stop() and skip_evaluation() from any thread.

    `should_stop` (the job's polite-stop flag) is asked before each batch, as stop() is.
    """

    def __init__(
        self,
        config: TrainConfig,
        device,
        mnist,
        *,
        evaluate_benchmark: bool = True,
        cuda_graph: bool = False,
        should_stop: Callable[[], bool] | None = None,
        score: bool = True,
    ):
        """`score` False: no final table (benchmarks/bench_sweep.py times training alone)."""
        self.config, self.device, self.mnist = config, torch.device(device), mnist
        self.evaluate_benchmark, self.score = evaluate_benchmark, score
        self.cuda_graph = cuda_graph  # optional, CUDA only: replay one captured training step per batch
        self.model: MLP | None = None
        self.record: RunRecord | None = None
        self.steps_done = 0
        self._stop = threading.Event()
        self._skip = threading.Event()
        self._should_stop = should_stop or (lambda: False)
        self._final: dict = {}

    def stop(self) -> None:
        """Ask the run to end after the current batch; what was learned is kept and still evaluated."""
        self._stop.set()

    def skip_evaluation(self) -> None:
        """Ask the run to end after the current batch without evaluating (or to stop evaluating now);
        what was trained is kept, and its record has no final metrics."""
        self._skip.set()
        self._stop.set()

    def stopping(self) -> bool:
        return self._stop.is_set() or self._should_stop()

    def save(self, path, overwrite: bool = False) -> Path:
        """The trained weights to `path` (.pt) and the config and final metrics to the .json next to it."""
        if self.model is None or self.steps_done == 0:
            raise ValueError("nothing to save yet: train the model first")
        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            raise ValueError("this model diverged (its weights are not finite); there is nothing worth saving")
        info = {"config": self.config.to_dict(), "steps": self.steps_done, "final": self._final, "saved": now_iso()}
        return save_model(self.model, path, info, overwrite=overwrite)

    def run(self) -> Iterator[Event]:
        """Train, then evaluate (also after stop(), not after skip_evaluation()); yields the events of
        engine.contracts.bonus, ends with Done."""
        cfg = self.config
        errors = cfg.validate()
        if errors:
            yield Failed("; ".join(errors))
            return
        t_start = time.monotonic()
        if not optimizers_ready():
            yield Status("preparing PyTorch's optimizers (once per session: a few seconds)")
        yield Status("preparing the data split, the model and the optimizer")
        s = yield from self._setup()
        # Series 0 is the loss, 1 the accuracy; both are cut where the loss first is not finite.
        curves = RunCurves(LossStream(2, FLUSH_S))
        t_train = time.monotonic()
        reason, epoch, batch, step = "completed", 0, 0, 0  # step: the course's step_idx, across epochs
        for epoch in range(1, cfg.epochs + 1):
            reason, batch, step = yield from self._epoch(s, curves, epoch, step, t_train)
            if reason != "completed":
                break
        if reason != "diverged":
            yield from curves.flush()
            reason = "diverged" if curves.diverged else reason
        if reason != "diverged" and step > 0 and not curves.validated_at(step) and not self._skip.is_set():
            if batch == 0:  # stopped at the start of an epoch: its last batch was the previous epoch's
                epoch, batch = epoch - 1, s.bpe
            yield from self._validate(s, curves, step, epoch, batch)  # the final weights': what the run is judged on
        train_seconds = time.monotonic() - t_start
        if reason != "diverged" and step > 0 and self.score:
            yield from self._evaluate(s.model, s.train_idx, curves.last_validation(step))
        self.record = RunRecord(
            id=None,
            created=now_iso(),
            config=cfg.to_dict(),
            device=device_name(s.dev),
            seconds=round(train_seconds, 3),
            status=reason,
            train_loss=tuple(curves.losses),
            train_acc=tuple(curves.accs),
            val_steps=tuple(curves.val_steps),
            val_loss=tuple(curves.val_loss),
            val_acc=tuple(curves.val_acc),
            final=dict(self._final),
        )
        yield Done(reason, time.monotonic() - t_start)

    def _setup(self) -> Generator[Event, None, _Setup]:
        """The split, the model, its optimizer and schedule (then TrainStarted), the step function and the
        batch order's generator."""
        cfg, dev, mnist = self.config, self.device, self.mnist
        train_idx, val_idx = (t.to(dev) for t in course_split(cfg.seed))
        if cfg.train_limit:
            train_idx = train_idx[: cfg.train_limit]
        n, bs = len(train_idx), cfg.batch_size
        bpe = math.ceil(n / bs)
        total = cfg.epochs * bpe
        self.model = model = init_model(cfg.hidden, cfg.seed, dev)
        opt = build_optimizer(cfg, model.parameters(), capturable=self._graphed())
        schedule = build_scheduler(opt, [cfg], total)
        yield TrainStarted(
            device_name(dev),
            n,
            len(val_idx),
            len(mnist.test_y),
            bpe,
            total,
            count_params(784, 10, list(cfg.hidden)),
            cfg.to_dict(),
        )
        return _Setup(
            dev=dev,
            train_idx=train_idx,
            x_val=mnist.train_x[val_idx],
            y_val=mnist.train_y[val_idx],
            n=n,
            bpe=bpe,
            total=total,
            model=model,
            opt=opt,
            schedule=schedule,
            step_fn=self._make_step(model, opt, bs),
            # One generator, on the device, draws each epoch's order and then each batch's augmentation,
            # in the order scripts/train_benchmark.py draws them from its own.
            gen=torch.Generator(device=dev).manual_seed(cfg.seed),
            metrics=torch.zeros(total, 2, device=dev),  # per-step (loss, acc): each step writes its own row
        )

    def _epoch(
        self, s: _Setup, curves: RunCurves, epoch: int, step: int, t_train: float
    ) -> Generator[Event, None, tuple[str, int, int]]:
        """One epoch's batches; returns (reason, batches run in it, steps so far): "completed", "stopped"
        (asked before a batch) or "diverged" (the loss was not finite)."""
        cfg, mnist, bs = self.config, self.mnist, self.config.batch_size
        perm = s.train_idx[torch.randperm(s.n, generator=s.gen, device=s.dev)]
        for b in range(s.bpe):
            if self.stopping():
                return "stopped", b, step
            idx = perm[b * bs : (b + 1) * bs]
            x = mnist.train_x[idx]
            s.step_fn(augment(x, s.gen) if cfg.augment == "affine" else x, mnist.train_y[idx], s.metrics[step])
            if s.schedule is not None:
                s.schedule.step()
            curves.stream.add(s.metrics[step])
            step += 1
            self.steps_done = step
            at_val = (b + 1) % cfg.val_every == 0
            if at_val or curves.stream.due() or step == s.total:
                yield from curves.flush()
                if curves.diverged:
                    return "diverged", b + 1, step
                rate = step * bs / max(time.monotonic() - t_train, 1e-9)
                eta = (s.total - step) * bs / max(rate, 1e-9)
                lr = float(s.opt.param_groups[0]["lr"])
                yield EpochProgress(epoch, cfg.epochs, b + 1, s.bpe, rate, eta, lr)
            if at_val:
                yield from self._validate(s, curves, step, epoch, b + 1)
                yield LogLine(train_line(epoch, b + 1, *curves.mean_of_last(cfg.val_every)))
        return "completed", s.bpe, step

    def _validate(self, s: _Setup, curves: RunCurves, step: int, epoch: int, batch: int) -> Iterator[Event]:
        loss, acc = evaluate(s.model, s.x_val, s.y_val)
        s.model.train()
        yield from curves.validated(step, epoch, batch, loss, acc)

    def _evaluate(self, model, train_idx, val: tuple[float, float]) -> Iterator[Event]:
        """The final table (your model, then the benchmark), unless the evaluation is skipped."""
        skip = self._skip.is_set
        skipped = Status("evaluation skipped: what was trained is kept")
        if skip():
            yield skipped
            return
        yield Status("evaluating on the training and test sets")
        try:
            rows: tuple[EvalRow, ...] = (_eval_rows(YOUR_MODEL, model, self.mnist, train_idx, val, skip),)
        except EvaluationSkipped:
            yield skipped
            return
        self._final = {k: getattr(rows[0], k) for k in FINAL}
        if self.evaluate_benchmark:
            try:
                rows += (benchmark_row(),)
            except ValueError as exc:
                yield Status(str(exc))
        yield Evaluation(rows)

    def _graphed(self) -> bool:
        from .training_graph import graph_supported

        # A captured step replays its learning rate as it was captured: schedules run the plain loop.
        cfg = self.config
        return (
            self.cuda_graph
            and self.device.type == "cuda"
            and graph_supported(cfg.optimizer)
            and cfg.schedule == "constant"
        )

    def _make_step(self, model, opt, batch_size):
        """step(x, y, out) trains on one batch and writes (loss, acc) into the device tensor `out`."""
        if self._graphed():
            from .training_graph import GraphedStep

            return GraphedStep(model, opt, batch_size, self.mnist.train_x.shape[1:], self.device)

        def step(x, y, out):
            logp = model(x)
            loss = loss_fn(logp, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                out[0] = loss.detach()
                out[1] = (logp.argmax(dim=1) == y).float().mean()

        return step


def evaluate_saved(path, device, mnist, *, evaluate_benchmark: bool = True) -> Iterator[Event]:
    """Score a saved model as the course's final table: Status, Evaluation(saved model, benchmark), Done."""
    t0 = time.monotonic()
    device = torch.device(device)
    yield Status(f"loading {Path(path).name}")
    try:
        model, info = load_model(path, device)
    except ValueError as exc:
        yield Failed(str(exc))
        return
    seed = int((info.get("config") or {}).get("seed", SEED)) if isinstance(info.get("config"), dict) else SEED
    train_idx, val_idx = (t.to(device) for t in course_split(seed))
    yield Status("evaluating on the training, validation and test sets")
    val = evaluate(model, mnist.train_x, mnist.train_y, val_idx)
    rows: tuple[EvalRow, ...] = (_eval_rows(f"Saved model ({Path(path).stem})", model, mnist, train_idx, val),)
    if evaluate_benchmark:
        try:
            rows += (benchmark_row(),)
        except ValueError as exc:
            yield Status(str(exc))
    yield Evaluation(rows)
    yield Done("completed", time.monotonic() - t0)
