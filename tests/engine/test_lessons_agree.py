"""The lessons' and answers' numbers are what the engine computes at the demos' settings: prose and demo cannot drift.

Each test builds the phrase a lesson or a Think! answer prints from the engine's own result and
looks for it in the text (whitespace-normalised, so rewrapping a paragraph changes nothing).
Section 4's Theory and κ explorer figures are checked beside their engines
(test_conditioning_theory.py, test_conditioning_kappa.py); here the rest.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.contracts.conditioning import Surface, Trajectory
from engine.contracts.search import Comparison
from engine.exercises.cases import _course_step
from engine.exercises.rules import REFERENCE
from engine.model import MLP, first_layer, loss_fn
from engine.sections import conditioning_kappa as K
from engine.sections import conditioning_math as M
from engine.sections import conditioning_theory as T
from engine.sections.casestudy import course_models, initial_loss, partially_trained
from engine.sections.conditioning import momentum_demo
from engine.sections.conditioning_course import INITS
from engine.sections.nonconvex import perturbed_copies
from engine.sections.nonconvex_landscape import init_params, loss
from engine.sections.search import compare_events
from engine.seeding import SEED, set_seed
from engine.updates import sample_minibatch

LESSONS = Path(__file__).resolve().parents[2] / "assets" / "lessons"


def flat(text: str) -> str:
    return " ".join(text.split())


def lesson(key: str) -> str:
    return flat((LESSONS / f"{key}.md").read_text(encoding="utf-8"))


def answer(qid: str) -> str:
    with (LESSONS / "questions.toml").open("rb") as f:
        return flat(next(q["explanation"] for q in tomllib.load(f)["question"] if q["id"] == qid))


def says(text: str, *phrases: str) -> None:
    for phrase in phrases:
        assert phrase in text, phrase


# -- Section 3: random directions against one gradient step --------------------------------------
def panels(subset, **settings) -> tuple[Comparison, Comparison]:
    init, trained = (e for e in compare_events(*subset, **settings) if isinstance(e, Comparison))
    return init, trained


def test_random_directions_at_the_demos_defaults(subset):
    init, trained = panels(subset)
    gain = f"{-init.gd_delta:.3f}"
    assert (init.improved, trained.improved) == (23, 0) and trained.best_random > 0 > trained.gd_delta
    says(
        lesson("search"),
        f"At initialization {init.improved} of the 100 random moves lower the loss, "
        f"the best by {-init.best_random:.3f}",
        f"the gradient step lowers it by {gain}",
        f"not one random move helps (the mildest adds {trained.best_random:.4f})",
        f"still gains a little ({-trained.gd_delta:.4f})",
    )
    says(
        answer("think-3"),
        f"{init.improved} of the 100 random directions lower the loss of the model at initialization, "
        f"the best of them by {-init.best_random:.3f}",
        f"lowers it by {gain}, more than twice as much",
        f"raises the loss by {trained.best_random:.4f}",
        f"if only by {-trained.gd_delta:.4f}",
        f"about {0.01 * math.sqrt(7850):.2f} long",
    )
    assert -init.gd_delta > 2 * -init.best_random


def test_smaller_and_larger_random_moves(subset):
    small_init, small_trained = panels(subset, noise=1e-3)
    counts = f"{small_init.improved} and {small_trained.improved} of the 100 help"
    fraction = round(small_init.gd_delta / small_init.best_random)
    says(lesson("search"), f"noise 0.001: now {counts}", f"gains only {-small_init.best_random:.3f}")
    assert fraction == 15
    says(lesson("search"), "a fifteenth of the gradient step")
    says(answer("think-3"), f"at noise 0.001, {small_init.improved} and {small_trained.improved} of 100")
    big_init, big_trained = panels(subset, noise=0.03, lr=1.0)  # the random part reads noise, the step lr
    assert big_init.improved == big_trained.improved == 0
    assert big_trained.gd_delta < 0
    says(lesson("search"), "noise 0.03: none of the 100 helps", f"the loss rises by {big_init.gd_delta:.2f}")


# -- Section 4: the Demo at its settings, the Hessian where the runs start --------------------------
@pytest.fixture(scope="module")
def problem(subset):
    return M.problem_for(*subset)


def demo(subset, steps=300, lr=0.1, beta=0.9) -> dict[str, Trajectory]:
    return {e.label: e for e in momentum_demo(*subset, steps, lr, beta) if isinstance(e, Trajectory)}


def crossings(t: Trajectory, dim: int) -> np.ndarray:
    """The iterations after which the path has crossed the optimum's value in dimension `dim` (0 weight, 1 bias)."""
    side = np.sign(np.array(t.points)[:, dim] - t.optimum[dim])
    return np.flatnonzero(np.diff(side) != 0)


def test_the_demos_defaults_as_the_lesson_and_answers_tell_them(subset):
    runs = demo(subset)
    (gw, gb), (mw, mb) = (np.abs(np.array(runs[k].points[-1][:2]) - runs[k].optimum) for k in ("GD", "Momentum"))
    assert runs["GD"].converged_at is None and runs["Momentum"].converged_at is None
    gd_far = "still 0.46 from the optimum in the weight and 0.097 in the bias"
    assert (f"{gw:.2f}", f"{gb:.3f}", f"{mw:.1e}", f"{mb:.1e}") == ("0.46", "0.097", "5.2e-04", "1.8e-05")
    bias_swings = len(crossings(runs["Momentum"], 1))
    assert bias_swings == 4 and len(crossings(runs["GD"], 0)) == len(crossings(runs["GD"], 1)) == 0
    says(lesson("conditioning"), gd_far, "momentum is at 5.2e-4 and 1.8e-5", f"(it crosses it {bias_swings} times)")
    says(answer("think-4a"), "still 0.46 from the optimum in the weight but only 0.097 in the bias")
    says(answer("think-4a"), "ends 5.2e-4 and 1.8e-5 from the optimum")
    says(answer("think-4b"), "300 iterations it is 0.46 from the optimum, the bias 0.097", "at 5.2e-4 and 1.8e-5")
    says(answer("think-4b"), f"crosses the optimum's bias {bias_swings} times in 300 iterations")


def test_the_slider_end_and_the_best_settings(subset, problem):
    at_end = demo(subset, lr=10**0.7, beta=0.9)
    calmer = demo(subset, lr=10**0.7, beta=0.5)
    gd, hb = T.theory(problem, 0.1, 0.9).best
    text = lesson("conditioning")
    says(text, f"GD now gets within 1e-6 at iteration {at_end['GD'].converged_at}")
    says(text, f"β 0.9 swings around for {at_end['Momentum'].converged_at} iterations")
    says(text, f"lower β to 0.5 and it arrives at iteration {calmer['Momentum'].converged_at}")
    says(text, f"GD at lr {gd.lr:.1f} arrives at iteration {gd.measured_at}")
    says(text, f"momentum at lr {hb.lr:.1f}, β {hb.beta:.2f} at {hb.measured_at}")
    assert crossings(at_end["GD"], 0)[0] == 0  # lr 5.01: the very first step jumps past the weight's optimum
    theory = T.theory(problem, 10**0.7, 0.9).methods[0]
    says(text, f"predicts {theory.predicted_at} iterations to 1e-6 (the demo measures {at_end['GD'].converged_at})")
    says(answer("think-4b"), f"below the best one ({gd.lr:.1f}): press `g` and GD gets within 1e-6 in {gd.measured_at}")


def test_the_framing_learning_rate_not_conditioning(problem):
    th = T.theory(problem, 0.1, 0.9)
    gd = th.best[0]
    times = round(gd.lr / 0.1, -1)
    says(lesson("conditioning"), f"κ ≈ {th.condition_number:.1f}", f"about {gd.lr:.0f}, some {times:.0f} times larger")
    lo, hi = th.eigenvalues
    says(
        answer("think-4b"),
        f"about {times:.0f} times",
        f"curvatures are {lo:.3f} and {hi:.3f}, κ {th.condition_number:.1f}",
    )
    says(answer("think-4a"), f"({hi:.3f} against {lo:.3f})", f"GD removes {0.1 * lo:.2%} of the weight's distance")
    says(answer("think-4a"), f"and {0.1 * hi:.2%} of the bias's")


def test_newton_the_course_s_200_steps_and_the_app_s(problem):
    from engine.sections.conditioning import solved

    surface: Surface = solved(problem)
    w, b = surface.optimum
    says(lesson("conditioning"), f"at weight {w:.3f}, bias {b:.3f}".replace("-", "−"))
    says(lesson("conditioning"), "The course runs 200 Newton steps", f"after {surface.newton_iters} steps")


def test_the_hessian_where_the_runs_start(problem):
    """The course's "the weight moves the loss far more" read against the Hessian at (2.5, 3.7)."""
    H = M.hessian(problem, INITS)
    lam, Q = T.eigen(H)
    cell = lambda v: f"{v:.4f}".replace("-", "−")
    text = lesson("conditioning")
    says(
        text, f"| **weight** | {cell(H[0, 0])} | {cell(H[0, 1])} |", f"| **bias** | {cell(H[1, 0])} | {cell(H[1, 1])} |"
    )
    ratio = f"{H[0, 0] / H[1, 1]:.1f} times apart"
    along = lambda v: "(" + ", ".join(f"{x:.2f}".replace("-", "−") for x in v) + ")"
    says(text, f"{H[0, 0]:.2f} along the weight and {H[1, 1]:.2f} along the bias, only {ratio}")
    says(text, f"the flat one (eigenvalue {lam[0]:.3f}) points along {along(Q[:, 0])}")
    says(text, f"the steep one ({lam[1]:.3f}) along {along(Q[:, 1])}")
    off = f"{H[0, 1]:.3f}".replace("-", "−")
    says(answer("think-4b"), f"{H[0, 0]:.2f} and {H[1, 1]:.2f}, only {ratio}", f"off-diagonal {off}")
    says(answer("think-4b"), f"a mixture, {along(Q[:, 0])} in (weight, bias)")


def test_why_the_predictions_and_the_runs_part(subset, problem):
    th = T.theory(problem, 0.1, 0.9)
    gd, hb = th.best
    Q, lam_max, offset, _ = K.slice_quadratic(*subset)
    H, lam = K.hessians(Q, lam_max, np.array([th.condition_number]))
    # The lesson's "exact quadratic" figures are the κ explorer's (press `k`): its settings are the
    # unrounded optimum, not the Demo's rounded ones (β 0.107 arrives one iteration sooner).
    (gd_lr, _), (hb_lr, hb_beta) = K.best(lam[0])
    arrived, _ = K.measure(H.repeat(2, 0), offset, [gd_lr, hb_lr], [0.0, hb_beta])
    root = (1 + hb_beta - hb_lr * lam[0, 0]) / 2
    text = lesson("conditioning")
    says(text, f"GD {gd.predicted_at} predicted, momentum {hb.predicted_at}", f"repeated root r = ±{root:.2f}")
    says(text, f"best needs {arrived[0]} iterations, as predicted, but momentum needs {arrived[1]}, not")
    assert arrived[0] == gd.predicted_at and gd.measured_at - arrived[0] == hb.measured_at - arrived[1]
    says(text, f"costs both methods {gd.measured_at - arrived[0]} more iterations on the real slice")
    start = np.linalg.eigvalsh(M.hessian(problem, INITS))
    says(text, f"(eigenvalues {start[0]:.3f} and {start[1]:.3f} against {lam[0, 0]:.3f} and {lam[0, 1]:.3f})")


def test_the_defaults_in_a_longer_run(subset):
    runs = demo(subset, steps=7000)
    says(lesson("conditioning"), f"{runs['GD'].converged_at:,} in a longer run", f"{runs['Momentum'].converged_at})")


# -- Sections 2, 5, 6, 7 ---------------------------------------------------------------------------
def test_the_case_study_s_two_starting_losses(subset):
    X, y = subset
    second, trained = course_models()[1], partially_trained(X, y)  # trained with autograd: outside no_grad
    with torch.no_grad():
        start = float(loss_fn(second(X), y))
        end = float(loss_fn(trained(X), y))
    says(lesson("casestudy"), f"its untrained loss (seed 2021) is {initial_loss(X, y):.4f}")
    says(lesson("casestudy"), f"take the loss from {start:.4f} to {end:.4f}")


def test_rmsprop_s_first_step_in_the_course_s_check(subset):
    X, y = subset
    after = first_layer(_course_step("rmsprop_update", REFERENCE["rmsprop_update"], X, y, None)).weight.detach()
    set_seed(SEED)
    before = first_layer(MLP(784, 10, [])).weight.detach()
    moved = (after - before).abs()
    finite = moved[~moved.isnan()]
    share = float(((finite - 1e-3 / math.sqrt(0.2)).abs() < 1e-4).float().mean())
    text = lesson("adaptive")
    says(text, f"({share:.0%} of them within 0.0001 of it)", f"`W[0,0]` moves by {float(moved[0, 0]):.4f}")
    says(text, f"(from {float(before[0, 0]):.4f} to {float(after[0, 0]):.4f})".replace("-", "−"))
    says(text, f"in {int(moved.isnan().sum())} weights whose gradient is almost zero")


def test_the_overparameterization_copies_start_far_above_ln_10(subset):
    X, y = subset
    text = lesson("nonconvex")
    for hidden, words in (((10,), "4 to 8 with 10 hidden units"), ((100, 100), "12 to 36 with `100, 100`")):
        lo, hi = (float(v) for v in words.split(" with")[0].split(" to "))
        with torch.no_grad():
            starts = [float(loss_fn(m(X), y)) for seed in range(5) for m in perturbed_copies(hidden, 7, seed=seed)]
        assert lo <= min(starts) and max(starts) <= hi and max(starts) > hi - 1, (hidden, min(starts), max(starts))
        says(text, words)
    clean = []
    for hidden in ((10,), (100, 100)):
        params = init_params(hidden, 0.0, torch.Generator().manual_seed(2021))
        clean.append(f"{float(loss(params, X, y)):.2f}")
    says(text, f"the same networks start at {clean[0]} and {clean[1]}")
    first_layer_std = 1 / math.sqrt(784) / math.sqrt(3)  # uniform in ±1/√784
    assert 8 < 0.2 / first_layer_std < 12
    says(text, "The noise of 0.2 is about ten times the size of the network's own initial weights")


def test_a_minibatch_gradient_s_variance_is_sigma_squared_over_m(subset):
    """With replacement, the m draws are independent: Var(g) = σ² / m exactly (tested here within 6%).

    The law holds for every linear function of the gradient, so the 7,850-entry per-example gradients
    are projected on 64 random directions first (the test then takes milliseconds, not seconds).
    """
    X, y = subset
    with torch.no_grad():
        residual = torch.softmax(course_models()[0](X), 1) - torch.nn.functional.one_hot(y, 10)
    per_example = torch.cat([(residual[:, :, None] * X.reshape(len(X), 1, -1)).flatten(1), residual], 1)
    rng = np.random.RandomState(0)
    projected = per_example.double().numpy() @ rng.standard_normal((per_example.shape[1], 64))
    centred = projected - projected.mean(0)
    sigma2 = float((centred**2).sum(1).mean())
    index = np.arange(len(X))
    for m in (20, 100):
        picked = [sample_minibatch(index[:, None], index, m, rng=rng)[1] for _ in range(1500)]
        errors = [float((centred[i].mean(0) ** 2).sum()) for i in picked]
        assert np.mean(errors) == pytest.approx(sigma2 / m, rel=0.06), m
    says(lesson("minibatch"), "the variance of their mean is exactly σ²/m", "√50 ≈ 7 times smaller")


def test_answers_without_a_cheap_engine_check_quote_their_lesson():
    """Sections 5 and 7 train for seconds per run (too long for the suite): their answers repeat the lesson's
    measured figures, so the two cannot part (the figures: five runs of Demo 5, two of Demo 7, on a CPU)."""
    says(lesson("nonconvex"), "between 0.43 and 0.95", "between 0.010 and 0.021")
    says(answer("think-5-1"), "between 0.43 and 0.95", "between 0.010 and 0.021", "(89,610 against 7,960)")
    says(lesson("nonconvex"), "| `10` | 7,960 |", "| `100, 100` | 89,610 |")
    says(lesson("adaptive"), "RMSprop ends near 0.2, momentum near 0.5", "(about 2.2)", "stuck near 2.3")
    says(answer("think-7-1"), "ends near 0.2; momentum near 0.5, SGD barely moves from 2.2", "stuck near 2.3")
