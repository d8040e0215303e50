"""Section 7: the stacked update rules against torch.optim and hand computation, both paths, divergence."""

from __future__ import annotations

import copy
import math
import pickle
import textwrap
from types import SimpleNamespace

import pytest
import torch

from engine.contracts.adaptive import OPTIMIZERS, CompareConfig, CompareJob, Losses
from engine.contracts.base import COURSE_SEED, SettingError
from engine.events import Diverged, Done, Progress
from engine.jobs import RunEnv, run_job
from engine.model import MLP, loss_fn
from engine.sections.adaptive import (
    StackedMLP,
    StackedUpdates,
    compare_optimizers,
    initial_model,
)

B = 25


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/engine/conftest.py


def curves(events) -> tuple[dict[str, list[float]], list]:
    """Losses per optimizer (checking each chunk starts where the last ended) and the other events."""
    out: dict[str, list[float]] = {name: [] for name in OPTIMIZERS}
    rest = []
    for e in events:
        if isinstance(e, Losses) and not e.reference:  # the reference's beside a learner's run: in `rest`
            assert e.start == len(out[e.optimizer])
            out[e.optimizer].extend(e.values)
        else:
            rest.append(e)
    return out, rest


def fixed_indices(steps: int, n: int, seed: int = 0) -> torch.Tensor:
    """(steps, 3, B) minibatch indices, the same for both paths."""
    return torch.randint(n, (steps, len(OPTIMIZERS), B), generator=torch.Generator().manual_seed(seed))


def stacked_run(subset, steps: int, cfg: CompareConfig, idx: torch.Tensor) -> tuple[StackedMLP, MLP]:
    """`steps` fast-path iterations from a seeded model; returns the stack and the initial model."""
    x, y = subset
    base = initial_model(cfg.hidden, seed=7)
    stack = StackedMLP(base, 3)
    rules = StackedUpdates(stack, cfg)
    flat = x.reshape(len(x), -1)
    for i in range(steps):
        flat_idx = idx[i].reshape(-1)
        losses = stack.losses(flat[flat_idx].view(3, B, -1), y[flat_idx].view(3, B))
        rules.apply(stack.grads(losses))
    return stack, base


def reference_run(base: MLP, subset, idx: torch.Tensor, k: int, steps: int, update) -> MLP:
    """The plain model trained on optimizer k's batches by `update(model, params)` after backward."""
    x, y = subset
    model = copy.deepcopy(base)
    for i in range(steps):
        xb, yb = x[idx[i, k]], y[idx[i, k]]
        model.zero_grad()
        loss_fn(model(xb), yb).backward()
        update(model)
    return model


def assert_same_params(stack: StackedMLP, k: int, model: MLP, atol: float = 1e-6) -> None:
    for got, want in zip(stack.slice(k), model.parameters()):
        torch.testing.assert_close(got, want.detach(), rtol=1e-5, atol=atol)


STEPS = 4
CFG = CompareConfig(batch_size=B, lr=0.05, max_steps=STEPS, hidden=(20, 20))


@pytest.fixture(scope="module")
def trained(subset):
    idx = fixed_indices(STEPS, len(subset[0]))
    stack, base = stacked_run(subset, STEPS, CFG, idx)
    return stack, base, idx


def test_stacked_sgd_matches_torch_optim(trained, subset):
    stack, base, idx = trained
    opt_holder = {}

    def step(model):
        opt = opt_holder.setdefault("opt", torch.optim.SGD(model.parameters(), lr=CFG.lr))
        opt.step()

    assert_same_params(stack, 0, reference_run(base, subset, idx, 0, STEPS, step))


def test_stacked_momentum_matches_torch_sgd_with_momentum(trained, subset):
    """Course: v <- beta v - lr g, w <- w + v.  torch: m <- beta m + g, w <- w - lr m.

    With v0 = m0 = 0 and a constant lr, v_t = -lr m_t by induction
    (v_t = beta (-lr m_{t-1}) - lr g_t = -lr (beta m_{t-1} + g_t)), so the weights agree.
    """
    stack, base, idx = trained
    opt_holder = {}

    def step(model):
        opt = opt_holder.setdefault("opt", torch.optim.SGD(model.parameters(), lr=CFG.lr, momentum=CFG.beta))
        opt.step()

    assert_same_params(stack, 1, reference_run(base, subset, idx, 1, STEPS, step))


def test_stacked_rmsprop_matches_hand_computed_updates(trained, subset):
    """s <- alpha s + (1 - alpha) g^2;  w <- w - lr g / sqrt(s + eps), eps inside the root (not torch's form)."""
    stack, base, idx = trained
    state: dict[int, torch.Tensor] = {}

    def step(model):
        with torch.no_grad():
            for j, p in enumerate(model.parameters()):
                g = p.grad.double()
                s = state.get(j, torch.zeros_like(g)) * CFG.alpha + (1 - CFG.alpha) * g * g
                state[j] = s
                p.copy_((p.double() - CFG.lr * g / torch.sqrt(s + CFG.epsilon)).float())

    # A step is ~lr/sqrt(1 - alpha) = 0.11 whatever |g|, so float32 rounding in g shows at ~1e-5.
    assert_same_params(stack, 2, reference_run(base, subset, idx, 2, STEPS, step), atol=2e-5)


def test_first_rmsprop_step_moves_every_entry_by_lr_over_sqrt_one_minus_alpha(subset):
    """The lesson's sanity check: from s = 0, |dw| = lr |g| / sqrt(0.2 g^2 + eps) ~ lr / sqrt(0.2)."""
    cfg = CompareConfig(batch_size=B, lr=1e-3, max_steps=1, hidden=())
    idx = fixed_indices(1, len(subset[0]))
    stack, base = stacked_run(subset, 1, cfg, idx)
    moved = (stack.slice(2)[1] - base.main[0].bias.detach()).abs()
    torch.testing.assert_close(moved, torch.full_like(moved, 1e-3 / math.sqrt(0.2)), rtol=1e-3, atol=0)


def test_fast_path_gives_the_plug_in_paths_curves(subset):
    """Same seed (same initial model) and the same minibatches: the two implementations agree."""
    x, y = subset
    cfg = CompareConfig(batch_size=B, lr=0.01, max_steps=20, hidden=(50, 50), seed=5)
    idx = fixed_indices(cfg.max_steps, len(x), seed=1)
    fast, _ = curves(compare_optimizers(x, y, cfg, indices=idx))
    order = iter(idx.reshape(-1, B))  # the plug-in path samples SGD, momentum, RMSprop per iteration

    def sample(inputs, targets, num_points):
        i = next(order)
        assert num_points == B
        return inputs[i], targets[i]

    slow, _ = curves(compare_optimizers(x, y, cfg, sample_minibatch=sample))
    for name in OPTIMIZERS:
        assert len(fast[name]) == len(slow[name]) == cfg.max_steps
        torch.testing.assert_close(torch.tensor(fast[name]), torch.tensor(slow[name]), rtol=1e-4, atol=1e-5)
    assert fast["RMSprop"][-1] < fast["RMSprop"][0]  # and it learns


def test_plug_in_path_calls_the_given_functions(subset):
    x, y = subset
    calls = {"gd": 0, "mom": 0, "rms": 0, "sample": 0}

    def counting(key, fn):
        def wrapped(*args, **kwargs):
            calls[key] += 1
            return fn(*args, **kwargs)

        return wrapped

    from engine import updates

    cfg = CompareConfig(batch_size=B, max_steps=5, hidden=(20,), seed=1)
    events = list(
        compare_optimizers(
            x,
            y,
            cfg,
            gradient_update=counting("gd", updates.gradient_update),
            momentum_update=counting("mom", updates.momentum_update),
            rmsprop_update=counting("rms", updates.rmsprop_update),
            sample_minibatch=counting("sample", updates.sample_minibatch),
        )
    )
    assert calls == {"gd": 5, "mom": 5, "rms": 5, "sample": 15}
    assert events[-1] == Done("completed", events[-1].seconds)
    with pytest.raises(ValueError):
        list(compare_optimizers(x, y, cfg, sample_minibatch=updates.sample_minibatch, fast=True))


def test_seed_fixes_the_run_and_progress_reaches_the_end(subset):
    x, y = subset
    cfg = CompareConfig(batch_size=B, max_steps=12, hidden=(20,), seed=3)
    a, rest = curves(compare_optimizers(x, y, cfg))
    b, _ = curves(compare_optimizers(x, y, cfg))
    assert a == b
    progress = [e for e in rest if isinstance(e, Progress)]
    assert progress[-1] == Progress(12, 12, "iterations")
    assert all(2.0 < v[0] < 2.6 for v in a.values())  # ~ln 10 at a fresh init


def test_divergence_ends_only_that_optimizer(subset):
    """A plugged-in SGD that writes NaN after 3 updates: loss 3 is finite, loss 4 is not."""
    x, y = subset
    from engine import updates

    count = [0]

    def broken(loss, params, lr):
        updates.gradient_update(loss, params, lr)
        count[0] += 1
        if count[0] == 4:
            with torch.no_grad():
                params[0].fill_(math.nan)

    cfg = CompareConfig(batch_size=B, max_steps=10, hidden=(20,), seed=2)
    got, rest = curves(compare_optimizers(x, y, cfg, gradient_update=broken))
    assert [e for e in rest if isinstance(e, Diverged)] == [Diverged(4, "SGD")]
    assert len(got["SGD"]) == 4 and all(math.isfinite(v) for v in got["SGD"])
    assert len(got["Momentum"]) == len(got["RMSprop"]) == 10
    assert rest[-1].reason == "completed"


def test_huge_learning_rate_diverges_every_optimizer_on_the_fast_path(subset):
    x, y = subset
    cfg = CompareConfig(batch_size=B, lr=1e12, max_steps=10, seed=4)
    got, rest = curves(compare_optimizers(x, y, cfg))
    diverged = {e.label: e.iteration for e in rest if isinstance(e, Diverged)}
    assert set(diverged) == set(OPTIMIZERS)
    for name, k in diverged.items():
        assert len(got[name]) == k and all(math.isfinite(v) for v in got[name])
    assert rest[-1].reason == "diverged"


def test_config_refuses_nonsense():
    with pytest.raises(SettingError, match="learning rate must be a positive number"):
        CompareConfig(lr=0)
    with pytest.raises(SettingError, match="batch size must be at least 1"):
        CompareConfig(batch_size=0)
    with pytest.raises(SettingError, match="whole number"):
        CompareConfig(max_steps=2.5)
    with pytest.raises(SettingError, match="seed must be between 0 and"):
        CompareConfig(seed=2**32)  # numpy's RandomState(seed + 1) takes 32-bit seeds


# -- the contract: what the screen sends ----------------------------------------------------------
def test_the_job_is_the_course_demo_and_refuses_values_its_widgets_refuse():
    job = CompareJob()
    assert (job.batch_size, job.lr, job.max_steps, job.seed) == (135, 0.002, 275, COURSE_SEED)
    assert job.config() == CompareConfig(135, 0.002, 275, (100, 100), 0.9, 0.8, 1e-8, COURSE_SEED)
    with pytest.raises(SettingError, match="batch size must be between 25 and 250"):
        CompareJob(batch_size=300)
    with pytest.raises(SettingError, match="steps must be between 50 and 500"):
        CompareJob(max_steps=20)
    with pytest.raises(SettingError, match="learning rate must be a number"):
        CompareJob(lr=math.inf)
    with pytest.raises(SettingError, match="learning rate must be between 1e-05 and 1"):
        CompareJob(lr=2.0)
    with pytest.raises(SettingError, match="not gradient_update"):
        CompareJob(learner={"gradient_update": "/tmp/exercises.py"})  # it stays the reference here
    typed = CompareJob(batch_size=140.0, max_steps=60.0)  # as a typed value may arrive
    assert typed == CompareJob(140, max_steps=60) and isinstance(typed.config().batch_size, int)


def test_jobs_and_events_cross_a_process_boundary():
    job = CompareJob(50, 0.01, 100, seed=3, learner={"rmsprop_update": "/tmp/exercises.py"})
    assert pickle.loads(pickle.dumps(job)) == job
    event = Losses("RMSprop", 50, (2.3, 2.2))
    assert pickle.loads(pickle.dumps(event)) == event


# -- randomness -------------------------------------------------------------------------------------
def test_unseeded_models_are_new_each_run_and_the_global_rng_is_left_alone():
    torch.manual_seed(11)
    expected_next = torch.rand(1)
    torch.manual_seed(11)
    a, b = initial_model((20,)), initial_model((20,))
    assert not torch.equal(a.main[0].weight, b.main[0].weight)  # "r runs again (new random model)"
    assert torch.equal(torch.rand(1), expected_next)
    c, d = initial_model((20,), seed=4), initial_model((20,), seed=4)
    assert all(torch.equal(p, q) for p, q in zip(c.parameters(), d.parameters()))


# -- the compute function: the job as the screen starts it --------------------------------------
RMSPROP_NAN = textwrap.dedent("""
    import torch

    def rmsprop_update(loss, params, grad_sq, lr=1e-3, alpha=0.8, epsilon=1e-8):
        loss.backward()
        with torch.no_grad():
            for par in params:
                par.fill_(float("nan"))  # a learner's rule gone badly wrong
""")


def test_the_job_trains_on_the_context_set_with_the_learners_functions(subset, tmp_path):
    x, y = subset
    env = RunEnv(SimpleNamespace(mnist=SimpleNamespace(train_x=x, train_y=y)))
    got, rest = curves(run_job(CompareJob(25, 0.01, 50, seed=0), env))
    assert {n: len(v) for n, v in got.items()} == dict.fromkeys(OPTIMIZERS, 50)
    assert rest[-1].reason == "completed"
    again, _ = curves(run_job(CompareJob(25, 0.01, 50, seed=0), env))
    assert again == got
    learner = tmp_path / "exercises.py"
    learner.write_text(RMSPROP_NAN)
    job = CompareJob(25, 0.01, 50, seed=0, learner={"rmsprop_update": str(learner)})
    mine, rest = curves(run_job(job, env))
    assert [e for e in rest if isinstance(e, Diverged)] == [Diverged(1, "RMSprop")]  # loss 0 is before the update
    assert len(mine["RMSprop"]) == 1 and 2.0 < mine["RMSprop"][0] < 2.6  # the fresh model's ~ln 10
    assert len(mine["SGD"]) == len(mine["Momentum"]) == 50
