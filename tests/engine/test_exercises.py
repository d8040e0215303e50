"""The exercise checks, in-process: a correct answer passes, each careless one is named, the course's numbers hold."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from engine.exercises import EXERCISE_IDS, catalog, workspace
from engine.exercises.cases import check_function
from engine.exercises.learner import LearnerCodeError, load_learner_function

from .course_printed import BEFORE_B, BEFORE_W, GD_B, GD_W, MOM_B, MOM_W, RMS_B, RMS_W

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/engine/conftest.py


def learner(tmp_path, body: str, name: str):
    """The learner's file: the workspace helpers plus `body`; returns (function, file path)."""
    path = tmp_path / "exercises.py"
    path.write_text(workspace.HEADER + "\n\n" + textwrap.dedent(body))
    return load_learner_function(path, name), str(path)


def run(tmp_path, subset, body: str, name: str):
    fn, path = learner(tmp_path, body, name)
    return check_function(name, fn, subset, filename=path)


def failing(report) -> dict[str, str]:
    return {c.name: c.message for c in report.checks if c.ok is not True}


# -- the workspace file ---------------------------------------------------------------------------
def test_workspace_is_created_once_with_every_stub_and_never_overwritten(tmp_path):
    state = workspace.ensure(tmp_path)
    assert state.created and state.missing == () and not state.syntax_error
    text = state.path.read_text()
    assert "def zero_grad(params)" in text and "import torch" in text
    for ex in EXERCISE_IDS:
        assert f"def {catalog()[ex]['signature']}:" in text
    state.path.write_text("# mine\n")
    again = workspace.ensure(tmp_path)
    assert not again.created and again.path.read_text() == "# mine\n"
    assert again.missing == EXERCISE_IDS  # reported, not rewritten


def test_digest_ignores_comments_but_not_code(tmp_path):
    path = tmp_path / "exercises.py"
    path.write_text("def gradient_update(loss, params, lr=1e-3):\n    return 1\n")
    first = workspace.digest_of(path, "gradient_update")
    path.write_text("# note\ndef gradient_update(loss, params, lr=1e-3):\n\n    return 1  # same\n")
    assert workspace.digest_of(path, "gradient_update") == first
    path.write_text("def gradient_update(loss, params, lr=1e-3):\n    return 2\n")
    assert workspace.digest_of(path, "gradient_update") != first
    path.write_text("def gradient_update(:\n")
    assert workspace.read(path).syntax_error.startswith("line 1")


# -- correct answers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("ex", EXERCISE_IDS)
def test_reference_solutions_pass_every_check(tmp_path, subset, ex):
    report = run(tmp_path, subset, catalog()[ex]["solution"], ex)
    assert report.status == "passed", (report.summary, failing(report))
    assert report.course.ok and all(c.ok for c in report.checks)


@pytest.mark.parametrize(
    "ex, after_w, after_b",
    [("gradient_update", GD_W, GD_B), ("momentum_update", MOM_W, MOM_B), ("rmsprop_update", RMS_W, RMS_B)],
)
def test_course_case_shows_the_courses_printed_numbers(tmp_path, subset, ex, after_w, after_b):
    case = run(tmp_path, subset, catalog()[ex]["solution"], ex).course
    for got, want in (
        (case.before_w, BEFORE_W),
        (case.before_b, BEFORE_B),
        (case.want_w, after_w),
        (case.want_b, after_b),
        (case.got_w, after_w),
        (case.got_b, after_b),
    ):
        np.testing.assert_allclose(got, want, atol=5.01e-5, rtol=0)


def test_an_in_place_variant_written_differently_passes(tmp_path, subset):
    report = run(
        tmp_path,
        subset,
        """
        def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):
            zero_grad(params)
            loss.backward()
            with torch.no_grad():
                for par, vel in zip(params, grad_vel):
                    vel.mul_(beta).sub_(lr * par.grad)
                    par.add_(vel)
        """,
        "momentum_update",
    )
    assert report.passed, failing(report)


# -- careless answers: each named in plain words ------------------------------------------------------
GD = """
def gradient_update(loss, params, lr=1e-3):
    {zero}
    loss.backward()
    with torch.no_grad():
        {loop}
"""
CARELESS_GD = [
    (
        "no zero_grad",
        dict(zero="pass", loop="for par in params:\n            par -= lr * par.grad"),
        "zeroes old gradients (two calls in a row)",
        "zero_grad(params) before loss.backward()",
    ),
    (
        "rebinds the loop name",
        dict(zero="zero_grad(params)", loop="for par in params:\n            par = par - lr * par.grad"),
        "changes the parameters in place",
        "only gives the loop variable a new tensor",
    ),
    (
        "replaces list entries",
        dict(
            zero="zero_grad(params)",
            loop="for i in range(len(params)):\n            params[i] = params[i] - lr * params[i].grad",
        ),
        "changes the parameters in place",
        "new tensors into the params list",
    ),
    (
        "wrong sign",
        dict(zero="zero_grad(params)", loop="for par in params:\n            par += lr * par.grad"),
        "moves downhill, against the gradient",
        "uphill",
    ),
    (
        "first parameter only",
        dict(zero="zero_grad(params)", loop="params[0] -= lr * params[0].grad"),
        "updates every parameter",
        "Only 1 of 4 parameters changed",
    ),
]


@pytest.mark.parametrize("what, parts, check, words", CARELESS_GD, ids=[c[0] for c in CARELESS_GD])
def test_careless_gradient_updates_are_named(tmp_path, subset, what, parts, check, words):
    report = run(tmp_path, subset, GD.format(**parts), "gradient_update")
    assert report.status == "failed"
    assert words in failing(report)[check]


def test_the_summary_counts_a_check_not_made_yet_apart_from_the_failed_ones(tmp_path, subset):
    """The summary said "4 of 6 checks did not pass" where one of the four was only "not checked yet" (–)."""
    report = run(tmp_path, subset, GD.format(**CARELESS_GD[3][1]), "gradient_update")
    failed = sum(c.ok is False for c in report.checks) + (not report.course.ok)
    later = sum(c.ok is None for c in report.checks)
    assert later == 1 and failed >= 1
    total = len(report.checks) + 1
    assert report.summary == f"{failed} of {total} checks did not pass and 1 was not checked yet: see ✘ below."


def test_first_parameter_only_also_fails_the_courses_case(tmp_path, subset):
    report = run(
        tmp_path,
        subset,
        GD.format(zero="zero_grad(params)", loop="params[0] -= lr * params[0].grad"),
        "gradient_update",
    )
    case = report.course
    assert not case.ok and not any(case.close(g, w) for g, w in zip(case.got_b, case.want_b) if abs(g - w) > 1e-4)
    assert "exact" not in failing(report)  # the names are those the screen shows
    assert "Only the first parameter changed" in failing(report)["matches the rule on every value"]


@pytest.mark.parametrize(
    "ex, body, words",
    [
        (
            "momentum_update",
            """
        def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):
            zero_grad(params)
            loss.backward()
            with torch.no_grad():
                for par, vel in zip(params, grad_vel):
                    vel = -lr * par.grad + beta * vel
                    par += vel
        """,
            "did not change",
        ),
        (
            "rmsprop_update",
            """
        def rmsprop_update(loss, params, grad_sq, lr=1e-3, alpha=0.8, epsilon=1e-8):
            zero_grad(params)
            loss.backward()
            with torch.no_grad():
                for par, gsq in zip(params, grad_sq):
                    gsq = alpha * gsq + (1 - alpha) * par.grad ** 2
                    par -= lr * par.grad / torch.sqrt(epsilon + gsq)
        """,
            "did not change",
        ),
    ],
)
def test_state_not_updated_in_place_is_named(tmp_path, subset, ex, body, words):
    report = run(tmp_path, subset, body, ex)
    arg = "grad_vel" if ex == "momentum_update" else "grad_sq"
    assert words in failing(report)[f"updates {arg} in place"]


def test_momentum_with_the_wrong_sign_is_named(tmp_path, subset):
    report = run(
        tmp_path,
        subset,
        """
        def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):
            zero_grad(params)
            loss.backward()
            with torch.no_grad():
                for par, vel in zip(params, grad_vel):
                    vel.data = -lr * par.grad + beta * vel
                    par.data -= vel
        """,
        "momentum_update",
    )
    assert "must add it" in failing(report)["matches the rule on every value"]
    assert "uphill" in failing(report)["moves downhill, against the gradient"]


def test_rmsprop_with_epsilon_outside_the_root_is_named(tmp_path, subset):
    report = run(
        tmp_path,
        subset,
        """
        def rmsprop_update(loss, params, grad_sq, lr=1e-3, alpha=0.8, epsilon=1e-8):
            zero_grad(params)
            loss.backward()
            with torch.no_grad():
                for par, gsq in zip(params, grad_sq):
                    gsq.data = alpha * gsq + (1 - alpha) * par.grad ** 2
                    par.data -= lr * par.grad / (torch.sqrt(gsq) + epsilon)
        """,
        "rmsprop_update",
    )
    assert "outside the square root" in failing(report)["matches the rule on every value"]


SAMPLE = """
def sample_minibatch(input_data, target_data, num_points=100):
    {body}
"""
CARELESS_SAMPLE = [
    (
        "without replacement",
        "i = np.random.choice(len(input_data), num_points, replace=False)\n    return input_data[i], target_data[i]",
        "samples with replacement",
        "with replacement",
    ),
    (
        "separate indices",
        "i = np.random.choice(len(input_data), num_points)\n"
        "    j = np.random.choice(len(input_data), num_points)\n    return input_data[i], target_data[j]",
        "keeps each input with its own target",
        "Use the same indices for both",
    ),
    (
        "always the first points",
        "return input_data[:num_points], target_data[:num_points]",
        "draws every example equally often, at random",
        "same batch",
    ),
    (
        "fixed size",
        "i = np.random.choice(len(input_data), 100)\n    return input_data[i], target_data[i]",
        "returns num_points examples",
        "Asked for 7 of 50",
    ),
    (
        "numpy arrays",
        "i = np.random.choice(len(input_data), num_points)\n    return input_data.numpy()[i], target_data.numpy()[i]",
        "returns (inputs, targets) as tensors",
        "ndarray",
    ),
    (
        "biased",
        "i = np.random.choice(len(input_data) // 2, num_points)\n    return input_data[i], target_data[i]",
        "draws every example equally often, at random",
        "never drawn",
    ),
]


@pytest.mark.parametrize("what, body, check, words", CARELESS_SAMPLE, ids=[c[0] for c in CARELESS_SAMPLE])
def test_careless_minibatch_samplers_are_named(tmp_path, subset, what, body, check, words):
    report = run(tmp_path, subset, SAMPLE.format(body=body), "sample_minibatch")
    assert report.status == "failed"
    assert words in failing(report)[check]


def test_a_raising_answer_shows_only_the_learners_lines(tmp_path, subset):
    stub = catalog()["rmsprop_update"]["stub"]
    report = run(tmp_path, subset, stub, "rmsprop_update")
    assert report.status == "error" and "NotImplementedError" in report.summary
    assert 'File "exercises.py"' in report.error and "Implement rmsprop_update" in report.error
    assert "engine" not in report.error and "site-packages" not in report.error
    assert report.course.before_w and report.course.got_w is None  # the "before" is still shown


def test_load_learner_function_reports_a_broken_file(tmp_path):
    path = tmp_path / "exercises.py"
    with pytest.raises(LearnerCodeError, match="missing"):
        load_learner_function(path, "gradient_update")
    path.write_text("def gradient_update(:\n")
    with pytest.raises(LearnerCodeError, match="could not be imported"):
        load_learner_function(path, "gradient_update")
    path.write_text("x = 1\n")
    with pytest.raises(LearnerCodeError, match="no function"):
        load_learner_function(path, "gradient_update")
