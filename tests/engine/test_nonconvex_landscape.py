"""Section 5's real loss landscape: directions, grid points and the PCA path against single evaluations and SVD."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from engine.contracts.nonconvex_landscape import (
    MAX_PARAMS,
    LandscapeError,
    LandscapeGrid,
    LandscapeJob,
    LandscapeStart,
    TrainedModel,
    TrajectoryProjection,
)
from engine.events import Done, Progress
from engine.jobs import RunEnv, run_job
from engine.model import MLP, loss_fn
from engine.sections import nonconvex_landscape as L
from engine.updates import gradient_update

from .helpers import drain


def model_with(params, hidden) -> MLP:
    model = MLP(784, 10, list(hidden))
    with torch.no_grad():
        for p, value in zip(model.parameters(), params):
            p.copy_(value)
    return model


@pytest.fixture(scope="module")
def trained(subset):
    """A short training run of MLP [20, 20] (two later layers: the stacked-weight path is exercised)."""
    hidden = (20, 20)
    gen = torch.Generator().manual_seed(5)
    start = L.init_params(hidden, 0.2, gen)
    (_, (path, losses, bad)) = drain(L.train(start, *subset, 30, 0.05))
    assert bad is None
    return SimpleNamespace(hidden=hidden, start=start, path=path, losses=losses, params=L.unflat(path[-1], start))


def test_init_has_nn_linear_scale_and_uses_only_its_generator():
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    a = L.init_params((10,), 0.0, torch.Generator().manual_seed(1))
    b = L.init_params((10,), 0.0, torch.Generator().manual_seed(1))
    assert torch.equal(torch.rand(2), expected)  # the global RNG was not touched
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert a[0].abs().max() <= 1 / 784**0.5 and a[0].abs().max() > 0.9 / 784**0.5


def test_training_matches_the_course_gradient_update_loop(subset, trained):
    model = model_with(trained.start, trained.hidden)
    params = list(model.parameters())
    for _ in range(30):
        gradient_update(loss_fn(model(subset[0]), subset[1]), params, 0.05)
    with torch.no_grad():
        expected = float(loss_fn(model(subset[0]), subset[1]))
    assert trained.losses[-1] == pytest.approx(expected, rel=1e-5)
    assert len(trained.losses) == 31 and trained.path.shape[0] == 31


def test_filter_normalised_rows_have_the_trained_rows_norms(trained):
    d = L.filter_normalised(trained.params, torch.Generator().manual_seed(0))
    for p, q in zip(trained.params, d):
        assert q.shape == p.shape
        if p.dim() == 1:
            assert torch.count_nonzero(q) == 0  # biases: the reference code's ignore='biasbn'
        else:
            torch.testing.assert_close(q.norm(dim=1), p.norm(dim=1), rtol=1e-5, atol=0)
            assert not torch.allclose(q, p)  # a random direction, not the weights themselves


@pytest.mark.parametrize("hidden", [(), (10,), (20, 20)])
def test_a_batched_grid_point_equals_a_single_evaluation(subset, hidden):
    gen = torch.Generator().manual_seed(11)
    params = L.init_params(hidden, 0.1, gen)
    d1, d2 = L.filter_normalised(params, gen), L.filter_normalised(params, gen)
    d2 = [v + 0.01 * torch.randn(v.shape, generator=gen) for v in d2]  # non-zero bias entries too
    xs, ys = np.array([-0.7, 0.0, 0.3]), np.array([0.45, -1.0])
    _, z = drain(L.plane_losses(params, d1, d2, xs, ys, *subset, chunk=2))  # chunks cross grid rows
    for i, b in enumerate(ys):
        for j, a in enumerate(xs):
            moved = [p + a * u + b * v for p, u, v in zip(params, d1, d2)]
            with torch.no_grad():
                single = float(loss_fn(model_with(moved, hidden)(subset[0]), subset[1]))
            assert z[i, j] == pytest.approx(single, rel=2e-6)


def test_the_grid_centre_is_the_trained_model(subset):
    job = LandscapeJob(hidden=((10,),), grid=5, steps=20)
    events = list(L.landscape_events(job, *subset))
    trained = next(e for e in events if isinstance(e, TrainedModel))
    grids = [e for e in events if isinstance(e, LandscapeGrid)]
    assert [g.plane for g in grids] == ["random", "pca"]
    # The course's way, independently: the same start, twenty gradient_update steps.
    gen = torch.Generator().manual_seed(job.seed)
    model = model_with(L.init_params((10,), job.noise, gen), (10,))
    for _ in range(20):
        gradient_update(loss_fn(model(subset[0]), subset[1]), list(model.parameters()), job.lr)
    with torch.no_grad():
        expected = float(loss_fn(model(subset[0]), subset[1]))
    random = grids[0]
    assert random.xs[2] == 0.0 and random.ys[2] == 0.0
    assert random.loss[2][2] == pytest.approx(expected, rel=1e-5)
    assert random.centre_loss == pytest.approx(expected, rel=1e-5)
    assert trained.final_loss == pytest.approx(expected, rel=1e-5)
    assert np.isfinite(np.array(random.loss)).all()


def test_pca_directions_are_orthonormal_and_the_final_point_is_the_origin(trained):
    _, (u1, u2, explained, coords) = drain(L.pca_plane(trained.path))
    assert float(u1 @ u1) == pytest.approx(1.0, abs=1e-5) and float(u2 @ u2) == pytest.approx(1.0, abs=1e-5)
    assert abs(float(u1 @ u2)) < 1e-5
    assert np.array_equal(coords[-1], [0.0, 0.0])
    assert (coords[0] <= 0).all()
    # Against a float64 SVD of the centred path (what sklearn's PCA does).
    rows = (trained.path[:-1] - trained.path[-1]).double()
    _, s, vh = torch.linalg.svd(rows - rows.mean(0), full_matrices=False)
    assert abs(float(vh[0] @ u1.double())) == pytest.approx(1.0, abs=1e-4)
    assert abs(float(vh[1] @ u2.double())) == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(explained, (s[:2] ** 2 / (s**2).sum()).numpy(), rtol=1e-4)
    np.testing.assert_allclose(coords[:-1], (rows @ torch.stack([u1, u2]).double().T).numpy(), atol=1e-4)


def test_two_models_in_one_job_each_named(subset):
    job = LandscapeJob(hidden=((5,), ()), grid=3, steps=4)
    events = list(L.landscape_events(job, *subset))
    starts = [e for e in events if isinstance(e, LandscapeStart)]
    assert [(s.model, s.hidden, s.num_params) for s in starts] == [(0, (5,), 3985), (1, (), 7850)]
    proj = [e for e in events if isinstance(e, TrajectoryProjection)]
    assert [p.model for p in proj] == [0, 1] and all(len(p.xs) == 5 for p in proj)
    assert all(0 < p.explained[0] <= 1 and p.explained[0] >= p.explained[1] >= 0 for p in proj)
    assert isinstance(events[-1], Done) and events[-1].reason == "completed"


def test_cancelling_mid_grid_stops_within_one_chunk(subset, monkeypatch):
    calls = []
    real = L.batched_loss
    monkeypatch.setattr(L, "batched_loss", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(L, "FLOPS_PER_CHUNK", 2e6)  # many small chunks
    stop = threading.Event()
    env = RunEnv(SimpleNamespace(subset=subset), stop)
    events = []
    for event in run_job(LandscapeJob(hidden=((10,),), grid=21, steps=3), env):
        events.append(event)
        if isinstance(event, Progress) and "random plane" in event.label:
            chunk_calls = len(calls)
            stop.set()  # the polite stop, seen before the next chunk
    assert chunk_calls == 1 and len(calls) == 1
    assert isinstance(events[-1], Done) and events[-1].reason == "stopped"
    assert not any(isinstance(e, LandscapeGrid) for e in events)
    # A hard cancel (the caller stops iterating) leaves nothing running either.
    calls.clear()
    gen = L.landscape_events(LandscapeJob(hidden=((10,),), grid=21, steps=3), *subset)
    for event in gen:
        if isinstance(event, Progress) and "random plane" in event.label:
            break
    gen.close()
    assert len(calls) == 1


def test_a_diverging_run_says_so_and_draws_no_plane(subset):
    x, y = subset
    x = x.clone()
    x[0, 0, 0] = float("inf")  # every loss is then NaN: training diverges at once
    events = list(L.landscape_events(LandscapeJob(hidden=((10,), (5,)), grid=3, steps=5), x, y))
    names = [type(e).__name__ for e in events]
    assert names.count("Diverged") == 2 and "LandscapeGrid" not in names
    assert events[-1].reason == "diverged"
    assert next(e for e in events if isinstance(e, TrainedModel)).losses == ()


@pytest.mark.parametrize(
    "settings",
    [
        dict(grid=2),
        dict(grid=500),
        dict(grid=41.0),
        dict(span=(1.0, -1.0)),
        dict(span=(-1.0, float("nan"))),
        dict(span=(-100.0, 1.0)),
        dict(steps=0),
        dict(lr=0.0),
        dict(lr=float("inf")),
        dict(noise=-0.1),
        dict(hidden=()),
        dict(hidden=((10,),) * 4),
        dict(hidden=((0,),)),
        dict(hidden=((4000, 4000),)),
    ],
)
def test_job_refuses_bad_settings_with_a_message(settings):
    with pytest.raises(LandscapeError) as err:
        LandscapeJob(**settings).validate()
    assert str(err.value)


def test_parse_reads_typed_hidden_sizes():
    job = LandscapeJob.parse(["10", " 100, 100 "], grid=21)
    assert job.hidden == ((10,), (100, 100)) and job.grid == 21
    for bad in (["ten"], ["10,,10"], ["-3"], ["300, 300, 300"]):
        with pytest.raises(LandscapeError) as err:
            LandscapeJob.parse(bad)
        assert str(err.value)
    assert MAX_PARAMS >= 89_610  # the demo's widest choice fits


def test_the_contract_imports_no_torch():
    import subprocess
    import sys
    from pathlib import Path

    modules = "engine.contracts.nonconvex_landscape, engine.contracts.nonconvex, engine.contracts.minibatch"
    code = f"import sys, {modules}; print('torch' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_the_lesson_quotes_the_default_run(subset):
    """The table in assets/lessons/nonconvex.md is what the default job computes (seed 2021)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "assets/lessons/nonconvex.md").read_text(encoding="utf-8")
    events = list(L.landscape_events(LandscapeJob(), *subset))
    trained = [e for e in events if isinstance(e, TrainedModel)]
    grids = {(e.model, e.plane): np.array(e.loss) for e in events if isinstance(e, LandscapeGrid)}
    proj = [e for e in events if isinstance(e, TrajectoryProjection)]
    row = lambda cells: "| " + " | ".join(cells) + " |"
    start = [f"{trained[0].losses[0]:.2f}", f"{trained[1].losses[0]:.1f}"]
    end = [f"{t.final_loss:.3f}" for t in trained]
    quarter = []
    for m in (0, 1):
        z = grids[(m, "random")]
        lo, hi = sorted((z[20, 15], z[20, 25]))
        quarter.append(f"{lo:.2f}–{hi:.2f}")
    biggest = [f"{grids[(m, 'random')].max():.1f}" for m in (0, 1)]
    variance = [f"{p.explained[0]:.0%} + {p.explained[1]:.0%}" for p in proj]
    assert row(["loss at the start", *start]) in text
    assert row(["loss after 150 steps (the centre)", *end]) in text
    assert row(["random plane, a quarter step along the first direction", *quarter]) in text
    assert row(["random plane, largest loss on [−1, 1]²", *biggest]) in text
    assert row(["path variance along the two directions", *variance]) in text
    for m in (0, 1):  # one basin: the centre is the lowest point of the random plane
        assert grids[(m, "random")].min() == pytest.approx(trained[m].final_loss, rel=1e-5)
