"""Your run beside the reference: with a seed, the course's solutions give the reference's curves, a sign slip does not.

For every demo that takes learner functions, the run with the course's own solutions (loaded from a
learner's file, as the app loads them) is compared with the reference run of the same seed; a
solution with one sign flipped must differ by more than SLIP_MARGIN somewhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.contracts.adaptive import CompareConfig, Losses
from engine.contracts.conditioning import EXERCISES as CONDITIONING_EXERCISES
from engine.contracts.conditioning import Trajectory
from engine.contracts.minibatch import LossPoints
from engine.contracts.search import Comparison
from engine.exercises import catalog, workspace
from engine.exercises.learner import load_learner_function
from engine.sections import conditioning, minibatch, nonconvex, search
from engine.sections.adaptive import compare_optimizers

TOLERANCE = 1e-5  # the course's solutions against the reference, same seed
SLIP_MARGIN = 0.05  # a loss curve of a rule with a sign slip differs from the reference's by more than this

SIGN_SLIPS = {  # the solution's line -> the same line with one sign flipped
    "gradient_update": ("par.data -= lr * par.grad.data", "par.data += lr * par.grad.data"),
    "momentum_update": ("par.data += vel.data", "par.data -= vel.data"),
    "rmsprop_update": ("par.data -= lr", "par.data += lr"),
    # no sign in a sampler: the slip draws from the first num_points examples only
    "sample_minibatch": ("np.random.choice(len(input_data), num_points)", "np.random.choice(num_points, num_points)"),
}


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/engine/conftest.py


def learner(tmp_path, names, slip: str | None = None) -> dict:
    """The course's solutions of `names` in a learner's file (one with a sign slip), loaded as the app loads them."""
    sources = []
    for name in names:
        source = catalog()[name]["solution"]
        if name == slip:
            right, wrong = SIGN_SLIPS[name]
            assert right in source
            source = source.replace(right, wrong)
        sources.append(source)
    path = tmp_path / "exercises.py"
    path.write_text(workspace.HEADER + "\n\n" + "\n\n".join(sources))
    return {name: load_learner_function(path, name) for name in names}


def loss_curves(events, reference: bool) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {}
    for e in events:
        if isinstance(e, Losses) and e.reference == reference:
            out.setdefault(e.optimizer, [])[e.start :] = e.values
    return {k: np.array(v) for k, v in out.items()}


def largest_gap(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    assert a.keys() == b.keys()
    return {k: float(np.max(np.abs(a[k] - b[k]))) for k in a}


# -- Section 7: SGD, momentum and RMSprop ----------------------------------------------------------
ADAPTIVE = CompareConfig(batch_size=25, lr=0.01, max_steps=40, hidden=(20,), seed=7)
ADAPTIVE_EXERCISES = ("momentum_update", "rmsprop_update", "sample_minibatch")


def test_section_7_the_course_solutions_give_the_reference_curves(subset, tmp_path):
    x, y = subset
    events = list(compare_optimizers(x, y, ADAPTIVE, **learner(tmp_path, ADAPTIVE_EXERCISES), beside_reference=True))
    mine, ref = loss_curves(events, False), loss_curves(events, True)
    assert all(len(v) == ADAPTIVE.max_steps for v in [*mine.values(), *ref.values()])
    assert max(largest_gap(mine, ref).values()) <= TOLERANCE
    # The reference beside equals the reference run alone (the fast path, same seed) to float tolerance.
    alone = loss_curves(compare_optimizers(x, y, ADAPTIVE), False)
    assert max(largest_gap(alone, ref).values()) <= 1e-3
    assert loss_curves(compare_optimizers(x, y, ADAPTIVE), False).keys() == alone.keys()


@pytest.mark.parametrize("slip, optimizer", [("momentum_update", "Momentum"), ("rmsprop_update", "RMSprop")])
def test_section_7_a_sign_slip_gives_another_curve(subset, tmp_path, slip, optimizer):
    x, y = subset
    fns = learner(tmp_path, ADAPTIVE_EXERCISES, slip=slip)
    events = list(compare_optimizers(x, y, ADAPTIVE, **fns, beside_reference=True))
    mine, ref = loss_curves(events, False), loss_curves(events, True)
    n = min(len(mine[optimizer]), len(ref[optimizer]))  # a slip may blow up: its curve ends early
    gap = np.nanmax(np.abs(mine[optimizer][:n] - ref[optimizer][:n]))
    assert not np.isfinite(gap) or gap > SLIP_MARGIN or n < ADAPTIVE.max_steps
    assert largest_gap({"SGD": mine["SGD"]}, {"SGD": ref["SGD"]})["SGD"] <= TOLERANCE  # SGD is the reference's


def test_section_7_same_seed_same_curves_another_seed_others(subset):
    x, y = subset
    a = loss_curves(compare_optimizers(x, y, ADAPTIVE), False)
    b = loss_curves(compare_optimizers(x, y, ADAPTIVE), False)
    assert largest_gap(a, b) == dict.fromkeys(a, 0.0)
    other = CompareConfig(**{**ADAPTIVE.__dict__, "seed": 8})
    c = loss_curves(compare_optimizers(x, y, other), False)
    assert min(largest_gap(a, c).values()) > SLIP_MARGIN


# -- Section 5: perturbed copies trained by full-batch gradient descent -------------------------------
OVERPARAM = dict(hidden=(10,), max_steps=60, lr=0.05, num_inits=3, seed=4)


def overparam(subset, fn=None, **changes):
    x, y = subset
    settings = {**OVERPARAM, **changes}
    events = list(nonconvex.overparam_events(x, y, **settings, gradient_update=fn, beside_reference=fn is not None))
    n, steps = settings["num_inits"], settings["max_steps"]
    return nonconvex.curves(iter(events), n, steps), nonconvex.curves(iter(events), n, steps, reference=True)


def test_section_5_the_course_solution_gives_the_reference_curves(subset, tmp_path):
    mine, ref = overparam(subset, learner(tmp_path, ["gradient_update"])["gradient_update"])
    assert np.isfinite(mine).all() and np.isfinite(ref).all()
    assert np.max(np.abs(mine - ref)) <= TOLERANCE
    batched, _ = overparam(subset)  # the reference alone trains the copies batched: the same to float tolerance
    assert np.max(np.abs(batched - ref)) <= 1e-4


def test_section_5_a_sign_slip_gives_other_curves(subset, tmp_path):
    fn = learner(tmp_path, ["gradient_update"], slip="gradient_update")["gradient_update"]
    mine, ref = overparam(subset, fn)
    assert np.nanmax(np.abs(mine - ref)) > SLIP_MARGIN


def test_section_5_same_seed_same_copies_another_seed_others(subset):
    a, _ = overparam(subset)
    b, _ = overparam(subset)
    c, _ = overparam(subset, seed=5)
    assert np.array_equal(a, b) and np.max(np.abs(a - c)) > SLIP_MARGIN


# -- Section 3: random directions against one gradient step --------------------------------------
def gradient_steps(subset, fn=None) -> np.ndarray:
    """Each panel's loss change after one gradient step (the course's draws, a few random moves)."""
    x, y = subset
    fns = {"gradient_update": fn} if fn else {}
    events = list(search.compare_events(x, y, n=5, draw_seed=3, train_steps=5, **fns))  # briefly trained: quick
    beside = [e.reference_gd_delta for e in events if isinstance(e, Comparison)]
    assert beside == [None, None] if fn is None else None not in beside  # the reference's step beside a learner's
    return np.array([e.gd_delta for e in events if isinstance(e, Comparison)])


def test_section_3_the_course_solution_gives_the_reference_step_and_a_sign_slip_does_not(subset, tmp_path):
    reference = gradient_steps(subset)
    assert len(reference) == 2 and (reference < 0).all()  # the reference's step lowers the loss
    mine = gradient_steps(subset, learner(tmp_path, ["gradient_update"])["gradient_update"])
    assert np.max(np.abs(mine - reference)) <= TOLERANCE
    slip = gradient_steps(subset, learner(tmp_path, ["gradient_update"], slip="gradient_update")["gradient_update"])
    # Uphill on both panels, by more than the margin on the untrained one.
    assert (slip > 0).all() and np.max(np.abs(slip - reference)) > SLIP_MARGIN


# -- Section 4: gradient descent and momentum on the badly scaled problem (no random draw) --------
def paths(subset, fns: dict | None = None, reference: bool = False) -> dict[str, np.ndarray]:
    """Each method's path; with the learner's functions and `reference`, the reference's sent beside them."""
    x, y = subset
    mine = {conditioning.ARGUMENTS[name]: fn for name, fn in (fns or {}).items()}
    events = conditioning.momentum_demo(x, y, 60, 0.1, 0.9, with_surface=False, beside_reference=reference, **mine)
    return {e.label: np.array(e.points) for e in events if isinstance(e, Trajectory) and e.reference == reference}


def test_section_4_the_course_solutions_give_the_reference_paths(subset, tmp_path):
    reference = paths(subset)
    fns = learner(tmp_path, list(CONDITIONING_EXERCISES))
    mine = paths(subset, fns)
    assert {k: v.shape for k, v in mine.items()} == {k: v.shape for k, v in reference.items()}
    assert max(largest_gap(mine, reference).values()) <= TOLERANCE
    beside = paths(subset, fns, reference=True)  # what the screen draws dimmed under the learner's
    assert max(largest_gap(beside, reference).values()) == 0


@pytest.mark.parametrize("slip", CONDITIONING_EXERCISES)
def test_section_4_a_sign_slip_gives_another_path(subset, tmp_path, slip):
    reference = paths(subset)
    mine = paths(subset, learner(tmp_path, list(CONDITIONING_EXERCISES), slip=slip))
    label = "Momentum" if slip == "momentum_update" else "GD"
    n = min(len(mine[label]), len(reference[label]))
    assert np.max(np.abs(mine[label][:n] - reference[label][:n])) > SLIP_MARGIN


# -- Section 6: minibatches under a time budget (a stepping clock: a fixed number of steps) -------
def budget_curves(subset, fn=None, seed: int = 5) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """(the run's losses, the reference's beside it) per batch size, with 40 steps per batch size."""
    ticks = iter(range(10**6))
    x, y = subset
    events = minibatch.minibatch_events(
        x, y, [20, 100], [0.05, 0.05], budget=40.0, seed=seed, sample_minibatch=fn,
        clock=lambda: float(next(ticks)) / 2,  # two readings per step (the loop's and the stream's): 1 s a step
        beside_reference=fn is not None,
    )  # fmt: skip
    out: tuple[dict, dict] = ({}, {})
    for e in events:
        if isinstance(e, LossPoints):
            out[e.reference].setdefault(e.index, []).extend(e.losses)
    return tuple({k: np.array(v) for k, v in side.items()} for side in out)  # type: ignore[return-value]


def test_section_6_the_course_sampler_gives_the_reference_curves_and_a_slip_does_not(subset, tmp_path):
    mine, ref = budget_curves(subset, learner(tmp_path, ["sample_minibatch"])["sample_minibatch"])
    assert mine.keys() == ref.keys() == {0, 1} and all(len(v) >= 20 for v in mine.values())
    assert max(largest_gap(mine, ref).values()) <= TOLERANCE
    slip = learner(tmp_path, ["sample_minibatch"], slip="sample_minibatch")["sample_minibatch"]
    mine, ref = budget_curves(subset, slip)
    assert max(largest_gap(mine, ref).values()) > SLIP_MARGIN


def test_section_6_same_seed_same_curves_another_seed_others(subset):
    a, b, c = (budget_curves(subset, seed=seed)[0] for seed in (5, 5, 6))
    k = min(len(a[0]), len(b[0]), len(c[0]))
    assert np.array_equal(a[0][:k], b[0][:k]) and np.max(np.abs(a[0][:k] - c[0][:k])) > SLIP_MARGIN
