"""Section 4's κ explorer: measured iterations against the closed forms from κ 1 to 1,000, and the slice's own κ."""

from __future__ import annotations

import math
import pickle
from types import SimpleNamespace

import numpy as np
import pytest

from engine.contracts.base import SettingError
from engine.contracts.conditioning import TOL
from engine.contracts.conditioning_kappa import KAPPA, KappaJob, KappaMethod, KappaRun, KappaSweep
from engine.events import Done
from engine.jobs import RunEnv, run_job
from engine.sections import conditioning_kappa as K
from engine.sections import conditioning_math as M
from engine.sections import conditioning_theory as T


@pytest.fixture(scope="module")
def events(subset) -> list:
    return list(K.kappa_events(*subset, kappa=100.0))


@pytest.fixture(scope="module")
def sweep(events) -> KappaSweep:
    return next(e for e in events if isinstance(e, KappaSweep))


@pytest.fixture(scope="module")
def start_size(subset) -> float:
    """The largest eigen-coordinate of the course's start's offset from the optimum (|c| in the asymptotic forms)."""
    *_, offsets, _ = T.quadratic_model(M.problem_for(*subset))
    return float(np.abs(offsets).max())


def test_the_sweep_spans_the_slider_in_tenths_of_a_decade(sweep):
    assert sweep.kappas[0] == 1.0 and sweep.kappas[-1] == pytest.approx(1000.0)
    np.testing.assert_allclose(np.diff(np.log10(sweep.kappas)), 0.1)
    assert all(m is not None for column in sweep.measured for m in column)


def test_gd_measured_within_a_tenth_of_a_percent_of_its_closed_form(sweep):
    """GD's error is exactly cᵢ (1 - lr λᵢ)ᵏ: the rate's count, give or take the 2° of eigen- to parameter axes."""
    for kappa, got, want in zip(sweep.kappas, sweep.measured[0], sweep.rate_at[0]):
        assert abs(got - want) <= max(1, 0.001 * want), kappa


def test_heavy_ball_measured_equals_its_repeated_root_closed_form(sweep):
    """At Polyak's setting heavy ball's error is cᵢ rᵏ (1 + k (1 - r)): more steps than the rate alone says."""
    for kappa, got, exact, rate in zip(sweep.kappas, sweep.measured[1], sweep.exact_at[1], sweep.rate_at[1]):
        assert abs(got - exact) <= 1, kappa
        assert rate <= got <= 1.5 * rate, kappa


def test_gd_grows_like_kappa_and_heavy_ball_like_its_square_root(sweep, start_size):
    """For large κ the rate's count tends to (κ / 2) log(|c| / TOL) for GD, (√κ / 2) log(|c| / TOL) for heavy ball."""
    log_term = math.log(start_size / TOL)
    for kappa, gd, hb in zip(sweep.kappas, *sweep.rate_at):
        if kappa >= 10:
            assert gd == pytest.approx(kappa / 2 * log_term, rel=0.02), kappa
            assert hb == pytest.approx(math.sqrt(kappa) / 2 * log_term, rel=0.05), kappa
    i10, i1000 = sweep.kappas.index(10.0), len(sweep.kappas) - 1
    gd_ratio = sweep.measured[0][i1000] / sweep.measured[0][i10]
    hb_ratio = sweep.measured[1][i1000] / sweep.measured[1][i10]
    assert gd_ratio == pytest.approx(100, rel=0.02)  # 100 times the κ: 100 times the iterations
    assert 10 <= hb_ratio <= 13  # √100 = 10, and the repeated root's factor grows slowly with k


def test_kappa_one_is_a_round_bowl_both_arrive_in_one_step(sweep):
    assert sweep.measured[0][0] == sweep.measured[1][0] == 1


def test_the_slice_is_marked_at_its_own_kappa_with_its_exact_quadratic(subset, sweep):
    theory = T.theory(M.problem_for(*subset), 0.1, 0.9)
    assert sweep.slice_kappa == pytest.approx(theory.condition_number)
    gd, hb = theory.best
    # On the exact quadratic GD needs what its rate predicts; heavy ball three more than its rate (14).
    assert sweep.slice_measured == (gd.predicted_at, 17) == (29, 17)
    assert hb.predicted_at == 14


def test_the_runs_are_the_update_rules_themselves(subset):
    """K.measure against a plain loop of the Demo's update (v = -lr ∇ + β v; p = p + v) on ½ (p - p*)ᵀ H (p - p*)."""
    Q, lam_max, offset, _ = K.slice_quadratic(*subset)
    H, lam = K.hessians(Q, lam_max, np.array([50.0]))
    for lr, beta in K.best(lam[0]):
        p_star = np.array([-1.2, 0.03])
        p, v, k = p_star + offset, np.zeros(2), 0
        while (np.abs(p - p_star) >= TOL).any():
            v = -lr * (H[0] @ (p - p_star)) + beta * v
            p, k = p + v, k + 1
        arrived, trace = K.measure(H, offset, [lr], [beta])
        assert abs(arrived[0] - k) <= 1  # p - p* in float64 around p* ≈ 1 loses a few digits near 1e-6
        assert trace[0, 0] == pytest.approx(np.abs(offset).max())


def test_the_learners_kappa_comes_with_its_traces(events):
    run = next(e for e in events if isinstance(e, KappaRun))
    assert run.kappa == 100.0 and run.eigenvalues[1] / run.eigenvalues[0] == pytest.approx(100.0)
    gd, hb = run.methods
    assert (gd.beta, hb.beta > 0) == (0.0, True)
    assert gd.lr == pytest.approx(2 / sum(run.eigenvalues))
    assert hb.rate == pytest.approx((10 - 1) / (10 + 1), rel=1e-6) and gd.rate == pytest.approx(99 / 101)
    for method, trace in zip(run.methods, run.distances):
        assert len(trace) == method.measured_at + 1
        assert trace[-1] < TOL <= trace[-2]
    assert isinstance(events[-1], Done)


def test_the_job_streams_the_sweep_only_when_asked(subset):
    env = RunEnv(SimpleNamespace(subset=subset))
    kinds = [type(e) for e in run_job(KappaJob(kappa=3.0, with_sweep=False), env)]
    assert KappaSweep not in kinds and kinds[-2:] == [KappaRun, Done]
    kinds = [type(e) for e in run_job(KappaJob(kappa=3.0), env)]
    assert kinds.index(KappaSweep) < kinds.index(KappaRun)


@pytest.mark.parametrize("kappa", [0.5, 1000.5, math.nan, math.inf, "10"])
def test_the_job_refuses_a_kappa_outside_its_contract(kappa):
    with pytest.raises(SettingError, match="condition number κ"):
        KappaJob(kappa=kappa)


def test_jobs_and_events_cross_a_process_boundary(events):
    assert KAPPA.minimum == 1 and KAPPA.maximum == 1000 and KAPPA.scale == "log"
    job = KappaJob(kappa=31.6, with_sweep=False)
    assert pickle.loads(pickle.dumps(job)) == job
    for event in events:
        assert pickle.loads(pickle.dumps(event)) == event
    assert isinstance(next(e for e in events if isinstance(e, KappaRun)).methods[0], KappaMethod)


def test_the_lesson_and_the_answers_quote_the_explorer(sweep):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "assets" / "lessons"
    lesson = " ".join((root / "conditioning.md").read_text(encoding="utf-8").split())
    answers = " ".join((root / "questions.toml").read_text(encoding="utf-8").split())
    at = {round(k): (gd, hb) for k, gd, hb in zip(sweep.kappas, *sweep.measured)}
    (gd100, hb100), (gd1000, hb1000) = at[100], at[1000]
    assert f"κ 100, where GD at its best needs {gd100} iterations and momentum {hb100}" in lesson
    assert f"Raise κ to 1,000: {gd1000:,} and {hb1000}" in lesson
    gd, hb = sweep.slice_measured
    assert f"the slice's own κ, {sweep.slice_kappa:.2f}: {gd} and {hb}" in lesson
    assert f"GD needing {gd1000:,} iterations at κ 1,000 even at its best, momentum {hb1000}" in answers
