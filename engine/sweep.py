"""The Bonus's sweep: K copies of one run, differing in a setting or two, trained side by side.

Copies that share a batch size form one group, trained as Section 5 trains its copies: every
parameter of the group is one (K, ...) tensor, the first layer one wide matmul for all copies
and the others batched matmuls, so one forward and one backward pass serve every copy. The
backward is written out (engine.stacked_mlp.fill_grads: no autograd graph) and each copy's
gradient is exactly that of its own loss, written into stacked gradient tensors that stay
allocated. The optimizer then updates each copy as its own run would: it has one parameter
group per copy (its lr, weight decay, momentum or betas), whose parameters and gradients are
views into the stacked tensors (no copy), and the schedule is the library's, one for all groups.
Adam and AdamW are engine.stacked_adam's (torch's fused kernel, called as torch.optim calls it,
once per copy), the others torch.optim's. Each group draws its epochs' order and its augmentation from a
generator seeded as a run's, so copy k sees the same batches as a run of its settings alone.
Groups with other batch sizes are interleaved, so every copy's curve grows at the same pace.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

import torch

from .augment import augment
from .contracts.bonus import EVAL_BATCH, TrainConfig
from .contracts.sweep import (
    SweepCopy,
    SweepDiverged,
    SweepPlan,
    SweepProgress,
    SweepResult,
    SweepRow,
    SweepStarted,
    SweepSteps,
    SweepValidation,
    ranked,
)
from .device import device_name
from .events import Done, Event, Failed, Status
from .history import RunRecord, now_iso
from .model import count_params
from .stacked_adam import stacked_adam
from .stacked_mlp import Backprop, batched_logp, stack
from .streaming import LossStream
from .training import init_model, optimizers_ready
from .training_config import build_scheduler, course_split, grouped_optimizer

FLUSH_S = 0.15  # how often curves go to the screen (one host sync per group each time)


@torch.no_grad()
def evaluate_copies(
    params, x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor | None = None, scratch: Scratch | None = None
) -> tuple[list[float], list[float]]:
    """Each copy's exact mean NLL and accuracy over all of (x[idx], y), in chunks; one host sync at the end.

    The chunks are of one size, so every chunk's inputs (gathered by `idx` a chunk at a time, not
    the whole split at once) and layers reuse the same tensors (`scratch`: kept by the caller, from
    one scoring to the next)."""
    k = params[0].shape[0]
    most = max(256, EVAL_BATCH // k)  # a chunk's activations stay near a single model's EVAL_BATCH
    chunk = math.ceil(len(y) / max(1, math.ceil(len(y) / most)))
    loss = torch.zeros(k, dtype=torch.float64, device=x.device)
    correct = torch.zeros(k, dtype=torch.int64, device=x.device)
    scratch = Scratch() if scratch is None else scratch
    for start in range(0, len(y), chunk):
        yb = y[start : start + chunk]
        if idx is None:
            xb = x[start : start + chunk]
        else:
            rows = idx[start : start + chunk]
            xb = torch.index_select(x, 0, rows, out=scratch.rows_for((len(rows), *x.shape[1:]), x))
        nll, right = _scored(batched_logp(params, xb, scratch.layers, logits=True), yb)
        loss += nll
        correct += right
    n = max(1, len(y))
    return (loss / n).tolist(), (correct.double() / n).tolist()


def _scored(h: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each copy's summed NLL (float64) and count of right answers, from its logits h (K, n, 10).

    Worked out on h transposed to (K, 10, n), so each op runs along the n examples: log_softmax and
    argmax along the last dimension, ten wide, took ~1.7 ms of a 1,000-example chunk's ~27 (8 copies);
    these ~0.4. The NLL is logsumexp(h) - h[y] (not the log_softmax kernel's rounding: the figures
    agree to ~1e-7 of the loss), the prediction the first largest logit, as argmax of the log-probabilities."""
    k, n = h.shape[0], h.shape[1]
    ht = h.transpose(1, 2).contiguous()  # (K, 10, n)
    top, pred = ht.max(1)  # (K, n)
    lse = (ht - top[:, None, :]).exp_().sum(1).log_().add_(top)
    picked = ht.gather(1, y.view(1, 1, n).expand(k, 1, n)).squeeze(1)
    return (lse - picked).double().sum(1), (pred == y).sum(1)


@dataclass
class Scratch:
    """What scoring in chunks writes into, kept from chunk to chunk: the gathered inputs, each layer's output."""

    rows: torch.Tensor | None = None
    layers: list[torch.Tensor] = field(default_factory=list)

    def rows_for(self, shape, like: torch.Tensor) -> torch.Tensor:
        if self.rows is None or self.rows.shape != torch.Size(shape):
            self.rows = torch.empty(shape, dtype=like.dtype, device=like.device)
        return self.rows


class CopyGroup:
    """Copies that share a batch size: their stacked parameters, optimizer, schedule, data order and curves."""

    def __init__(self, indices: list[int], configs: list[TrainConfig], device, mnist, train_idx) -> None:
        cfg = configs[0]
        self.indices, self.configs, self.mnist, self.train_idx = indices, configs, mnist, train_idx
        self.k, self.bs = len(configs), cfg.batch_size
        self.n = len(train_idx)
        self.bpe = math.ceil(self.n / self.bs)
        self.epochs, self.total = cfg.epochs, cfg.epochs * self.bpe
        self.val_every, self.augmented = cfg.val_every, cfg.augment == "affine"
        base = init_model(cfg.hidden, cfg.seed, device)  # every copy starts from a run's initial weights
        self.params = stack([list(base.parameters())] * self.k)  # some later weights transposed: see stack
        self.scratch = Scratch()  # the validation's inputs and layer outputs, reused from one to the next
        # torch.optim's parameters: leaf views of each copy's slice, sharing the stacked tensors' memory,
        # and their gradients views of the stacked gradients, set once (a diverged copy's become None).
        # Every optimizer here acts element by element, so a transposed weight (stacked_mlp.transposed) steps
        # as the run's does.
        self.views = [[torch.nn.Parameter(p[i]) for p in self.params] for i in range(self.k)]
        adam = stacked_adam(configs, self.views)
        self.opt = adam or grouped_optimizer(configs, self.views)
        # With the sweep's Adam, each copy's first-layer weight gradient is written just before that copy's
        # Adam step, into one (out, in) buffer all copies share, which stays in cache for the step: the
        # 8 copies' 5 MB of it no longer go out to memory and back at each batch.
        self.shared_first = adam is not None
        first = self.params[0]
        self.first_buffer = torch.empty_like(first[0])
        self.grads = [torch.zeros_like(p) for p in self.params[1:]]  # fill_grads writes every step's here
        self.grads.insert(0, first.new_empty((0 if self.shared_first else self.k, *first.shape[1:])))
        self.backprop = Backprop(self.params, self.grads)
        for i, views in enumerate(self.views):
            for view, grad in zip(views, self.grads):
                view.grad = grad[i] if grad.shape[0] else self.first_buffer
        self.schedule = build_scheduler(self.opt, configs, self.total)
        self.gen = torch.Generator(device=device).manual_seed(cfg.seed)
        # Each step's losses, log-probabilities and labels, kept (not copied) until the next flush turns them
        # into the curves' values in a few ops for all those steps: ~10 small ops less per step (each cost
        # 10-30 µs here, run between kernels that had flushed the caches).
        self._unsent: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        self._sent_at = time.monotonic()
        self.alive_mask = torch.ones(self.k, dtype=torch.bool, device=device)
        self.stream = LossStream(2 * self.k, FLUSH_S)  # series 2i: copy i's loss, 2i+1 its accuracy
        self.dead: set[int] = set()  # copies (positions in the group) whose loss was not finite
        self.step = self.epoch = self.batch = 0
        self.losses: list[list[float]] = [[] for _ in range(self.k)]
        self.accs: list[list[float]] = [[] for _ in range(self.k)]
        self.vals: list[list[tuple[int, float, float]]] = [[] for _ in range(self.k)]  # (step, loss, acc)
        self._perm: torch.Tensor | None = None

    @property
    def fraction(self) -> float:
        return self.step / max(1, self.total)

    @property
    def finished(self) -> bool:
        return self.step >= self.total or len(self.dead) == self.k

    def train_step(self) -> bool:
        """One batch for every copy; True when it ended a validation interval (or the epoch's last batch)."""
        if self.batch == 0:
            self.epoch += 1
            self._perm = self.train_idx[torch.randperm(self.n, generator=self.gen, device=self.train_idx.device)]
        assert self._perm is not None, "an epoch's order is drawn at its first batch"
        idx = self._perm[self.batch * self.bs : (self.batch + 1) * self.bs]
        x, y = self.mnist.train_x[idx], self.mnist.train_y[idx]
        if self.augmented:
            x = augment(x, self.gen)
        # A copy that blew up gets a zero gradient, so its NaNs reach no other copy's.
        losses, logp = self.backprop(x, y, self.alive_mask, first=not self.shared_first)  # (K,), (K, B, 10)
        if self.shared_first:
            self.opt.step(before=lambda i: self.backprop.first_grad(i, self.first_buffer))
        else:
            self.opt.step()
        if self.schedule is not None:
            self.schedule.step()
        self._unsent.append((losses, logp, y))
        self.step += 1
        self.batch += 1
        at_val = self.batch % self.val_every == 0
        if self.batch == self.bpe:
            self.batch = 0
        return at_val

    def due(self) -> bool:
        """Whether steps wait to be sent and the last flush was FLUSH_S ago (or many steps wait: a GPU's)."""
        return bool(self._unsent) and (len(self._unsent) >= 256 or time.monotonic() - self._sent_at >= FLUSH_S)

    def flush(self) -> Iterator[Event]:
        """Send each copy's steps not sent yet; a copy whose loss was not finite is reported and stops."""
        # Steps of one batch size at a time: an epoch's last batch may be shorter.
        for _, same in itertools.groupby(self._unsent, key=lambda step: len(step[2])):
            losses, logp, y = (torch.stack(t) for t in zip(*same))  # (S, K), (S, K, B, 10), (S, B)
            acc = (logp.argmax(-1) == y[:, None, :]).float().mean(2)
            self.stream.add_rows(torch.stack((losses, acc), 2).view(len(losses), -1))  # series 2i, 2i+1: copy i's
        self._unsent.clear()
        self._sent_at = time.monotonic()
        chunks = {c.series: c for c in self.stream.flush()}
        for i, copy in enumerate(self.indices):
            loss, acc = chunks.get(2 * i), chunks.get(2 * i + 1)
            if loss is None or acc is None:
                continue
            good = acc.values[: len(loss.values)]
            self.losses[i] += loss.values
            self.accs[i] += good
            if loss.values:
                yield SweepSteps(copy, loss.start + 1, loss.values, good)
            if loss.diverged_at is not None:
                self.dead.add(i)
                for view in self.views[i]:
                    view.grad = None  # the optimizer skips it from now on
                self.stream.alive[2 * i + 1] = False
                yield SweepDiverged(copy, loss.diverged_at)

    def validate(self, x, val_idx, y_val) -> Iterator[Event]:
        """The whole validation split, x[val_idx], for every live copy (one batched pass)."""
        vl, va = evaluate_copies(self.params, x, y_val, val_idx, self.scratch)
        epoch = self.epoch
        for i, copy in enumerate(self.indices):
            if i in self.dead or not math.isfinite(vl[i]):
                continue
            self.vals[i].append((self.step, vl[i], va[i]))
            yield SweepValidation(copy, self.step, epoch, vl[i], va[i])

    def validated_now(self) -> bool:
        live = [i for i in range(self.k) if i not in self.dead]
        return all(self.vals[i] and self.vals[i][-1][0] == self.step for i in live)

    def row(self, i: int, label: str, values: dict, stopped: bool) -> SweepRow:
        status = "diverged" if i in self.dead else "stopped" if stopped and self.step < self.total else "completed"
        last = self.vals[i][-1] if self.vals[i] and i not in self.dead else (self.step, math.nan, math.nan)
        k = min(self.val_every, len(self.losses[i])) or 1
        tail_l, tail_a = self.losses[i][-k:], self.accs[i][-k:]
        return SweepRow(
            self.indices[i],
            label,
            values,
            status,
            len(self.losses[i]),
            last[1],
            last[2],
            sum(tail_l) / k if tail_l else math.nan,
            sum(tail_a) / k if tail_a else math.nan,
        )


class SweepSession:
    """One sweep: run() in the engine thread; stop() from any thread ends every copy after its batch."""

    def __init__(self, plan: SweepPlan, device, mnist, *, should_stop: Callable[[], bool] | None = None) -> None:
        self.plan, self.device, self.mnist = plan, torch.device(device), mnist
        self._stop = threading.Event()
        self._should_stop = should_stop or (lambda: False)
        self.records: list[RunRecord] = []
        self.result: SweepResult | None = None

    def stop(self) -> None:
        self._stop.set()

    def stopping(self) -> bool:
        return self._stop.is_set() or self._should_stop()

    def run(self) -> Iterator[Event]:
        """SweepStarted, then every copy's curves and validations as they train, SweepResult, Done."""
        plan, dev, mnist = self.plan, self.device, self.mnist
        errors = plan.problems()
        if errors:
            yield Failed("; ".join(errors))
            return
        t0 = time.monotonic()
        configs, labels, combos = plan.configs(), plan.labels(), plan.combos()
        base = configs[0]
        if not optimizers_ready():
            yield Status("preparing PyTorch's optimizers (once per session: a few seconds)")
        yield Status(f"preparing {len(configs)} copies")
        train_idx, val_idx = (t.to(dev) for t in course_split(base.seed))
        if base.train_limit:
            train_idx = train_idx[: base.train_limit]
        val = (mnist.train_x, val_idx, mnist.train_y[val_idx])  # the inputs are gathered a chunk at a time
        by_batch: dict[int, list[int]] = {}
        for i, c in enumerate(configs):
            by_batch.setdefault(c.batch_size, []).append(i)
        groups = [CopyGroup(ix, [configs[i] for i in ix], dev, mnist, train_idx) for ix in by_batch.values()]
        where = {copy: (g, i) for g in groups for i, copy in enumerate(g.indices)}
        yield SweepStarted(
            device_name(dev),
            len(train_idx),
            len(val_idx),
            tuple(SweepCopy(i, labels[i], combos[i], configs[i].to_dict()) for i in range(len(configs))),
            tuple(where[i][0].total for i in range(len(configs))),
            count_params(784, 10, list(base.hidden)),
            len(groups),
        )
        stopped = yield from self._train(groups, val)
        rows = [where[i][0].row(where[i][1], labels[i], combos[i], stopped) for i in range(len(configs))]
        self.result = SweepResult(ranked(rows))
        yield self.result
        seconds = time.monotonic() - t0
        self.records = [self._record(where[i][0], where[i][1], configs[i], rows[i], seconds) for i in range(len(rows))]
        yield Done("stopped" if stopped else "completed", seconds)

    def _train(self, groups: list[CopyGroup], val: tuple) -> Generator[Event, None, bool]:
        """Step the groups, the copies furthest behind first, until all finish or a stop; True if stopped.
        Then each group's pending curves and final validation (what each copy is judged on)."""
        stopped = False
        t_train = time.monotonic()
        examples = 0
        last_progress = 0.0
        while active := [g for g in groups if not g.finished]:
            if self.stopping():
                stopped = True
                break
            g = min(active, key=lambda group: group.fraction)  # the copies furthest behind go next
            at_val = g.train_step()
            examples += g.bs * (g.k - len(g.dead))
            if at_val or g.due() or g.finished:
                yield from g.flush()
                if at_val and len(g.dead) < g.k:
                    yield from g.validate(*val)
            now = time.monotonic()
            if now - last_progress >= FLUSH_S:
                last_progress = now
                yield self._progress(groups, examples, now - t_train)
        for g in groups:
            yield from g.flush()
            if g.step and len(g.dead) < g.k and not g.validated_now():
                yield from g.validate(*val)
        yield self._progress(groups, examples, time.monotonic() - t_train)
        return stopped

    def _progress(self, groups: list[CopyGroup], examples: int, seconds: float) -> SweepProgress:
        done = sum(g.step * g.k for g in groups)
        total = sum(g.total * g.k for g in groups)
        fraction = done / max(1, total)
        behind = min(groups, key=lambda g: g.fraction)
        rate = examples / max(seconds, 1e-9)
        eta = seconds * (1 - fraction) / fraction if fraction > 0 else math.inf
        return SweepProgress(fraction, max(1, behind.epoch), behind.epochs, rate, eta)

    def _record(self, g: CopyGroup, i: int, config: TrainConfig, row: SweepRow, seconds: float) -> RunRecord:
        vals = g.vals[i]
        final = {k: getattr(row, k) for k in ("val_loss", "val_acc") if math.isfinite(getattr(row, k))}
        return RunRecord(
            id=None,
            created=now_iso(),
            config=config.to_dict(),
            device=device_name(self.device),
            seconds=round(seconds, 3),  # the whole sweep's: its copies trained together
            status=row.status,
            train_loss=tuple(g.losses[i]),
            train_acc=tuple(g.accs[i]),
            val_steps=tuple(s for s, _, _ in vals),
            val_loss=tuple(v for _, v, _ in vals),
            val_acc=tuple(a for _, _, a in vals),
            final=final,
        )
