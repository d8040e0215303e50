"""The course's own test cell of each exercise, then the further checks, as one CheckReport.

The course's cell (seed 2021, the linear model MLP(784, 10, []), the 500-example subset)
prints a corner of the weights (rows 0,1,2,7,8,9 x columns 0,1,2,781,782,783) and the bias
before and after one update; the expected values come from the reference rule run on an
identical model, and match the course's printed numbers (tests/engine/test_fidelity.py).
"""

from __future__ import annotations

import numpy as np
import torch

from ..model import MLP, first_layer, loss_fn
from ..seeding import SEED, set_seed
from .calling import LearnerError, call
from .report import COLS, ROWS, CheckReport, CourseCase
from .rules import REFERENCE, RuleChecks
from .sampling import SamplingChecks

COURSE_HYPER = {
    "gradient_update": {"lr": 1e-1},
    "momentum_update": {"lr": 1e-1, "beta": 0.9},
    "rmsprop_update": {"lr": 1e-3},
}
COURSE_TITLE = {
    "gradient_update": "The course's test: seed 2021, MLP(784, 10, []), 500 examples, lr=0.1",
    "momentum_update": "The course's test: seed 2021, MLP(784, 10, []), velocities ~ N(0, 1), lr=0.1, beta=0.9",
    "rmsprop_update": "The course's test: seed 2021, MLP(784, 10, []), grad_sq = 1e-6 · params, lr=1e-3",
    "sample_minibatch": "The course's test: sample_minibatch(X, y, num_points=100), 500 examples",
}


def _corner(model: MLP) -> tuple[list, list]:
    layer = first_layer(model)
    w = layer.weight.detach().cpu()[ROWS][:, COLS]
    return [[round(float(v), 6) for v in row] for row in w], [round(float(v), 6) for v in layer.bias.detach().cpu()]


def _course_step(ex: str, fn, X, y, filename: str | None):
    """Run the course's cell with `fn`; returns the model after the step (LearnerError if fn raises)."""
    set_seed(SEED)
    model = MLP(784, 10, []).to(X.device)
    loss = loss_fn(model(X), y)
    params = list(model.parameters())
    if ex == "momentum_update":
        state = [torch.randn_like(p) for p in model.parameters()]
    elif ex == "rmsprop_update":
        state = [1e-6 * p for p in model.parameters()]  # as the course: scaled copies, not zeros
    else:
        state = None
    args = (loss, params) + ((state,) if state is not None else ())
    call(fn, *args, filename=filename, **COURSE_HYPER[ex])
    return model


def course_update_case(ex: str, fn, X, y, filename: str | None = None) -> CourseCase:
    """The course's cell for an update rule; raises LearnerError (with the case so far in .case)."""
    set_seed(SEED)
    before_w, before_b = _corner(MLP(784, 10, []))
    ref = _course_step(ex, REFERENCE[ex], X, y, None)
    want_w, want_b = _corner(ref)
    case = CourseCase(COURSE_TITLE[ex], "params", before_w, before_b, None, None, want_w, want_b)
    try:
        mine = _course_step(ex, fn, X, y, filename)
    except LearnerError as exc:
        exc.case = case
        raise
    got_w, got_b = _corner(mine)
    cells_ok = all(CourseCase.close(g, w) for gr, wr in zip(got_w, want_w) for g, w in zip(gr, wr)) and all(
        CourseCase.close(g, w) for g, w in zip(got_b, want_b)
    )
    # equal_nan: the course starts RMSprop from 1e-6 · params, so some averages are negative: sqrt gives NaN.
    full_ok = all(
        torch.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True) for a, b in zip(mine.parameters(), ref.parameters())
    )
    return CourseCase(
        COURSE_TITLE[ex], "params", before_w, before_b, got_w, got_b, want_w, want_b, ok=cells_ok and full_ok
    )


def course_sampling_case(fn, X, y, filename: str | None = None) -> CourseCase:
    np.random.seed(SEED)
    batch = call(fn, X, y, num_points=100, filename=filename)
    want = [["input shape", "torch.Size([100, 28, 28])"], ["target shape", "torch.Size([100])"]]
    got = ["(not a pair)", "(not a pair)"]
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        got = [str(b.shape) if isinstance(b, torch.Tensor) else f"(a {type(b).__name__})" for b in batch]
    shapes = [[label, g, w] for (label, w), g in zip(want, got)]
    return CourseCase(COURSE_TITLE["sample_minibatch"], "shapes", shapes=shapes, ok=all(g == w for _, g, w in shapes))


def check_function(ex: str, fn, subset, filename: str | None = None) -> CheckReport:
    """Every check of exercise `ex` on the learner's function `fn`; subset = the course's (X, y)."""
    X, y = subset
    case = None
    try:
        if ex == "sample_minibatch":
            case = course_sampling_case(fn, X, y, filename)
            checks = SamplingChecks(fn, filename).items()
        else:
            case = course_update_case(ex, fn, X, y, filename)
            checks = RuleChecks(ex, fn, filename).items()
    except LearnerError as exc:
        return CheckReport(
            ex, "error", f"Your {ex} raised {exc.summary}.", course=case or getattr(exc, "case", None), error=exc.text
        )
    failed = [c for c in checks if c.ok is not True]
    if case.ok and not failed:
        return CheckReport(
            ex,
            "passed",
            f"All {len(checks) + 1} checks passed: your {ex} does what the course asks.",
            course=case,
            checks=tuple(checks),
        )
    # A check left for later (ok None, shown as –) is neither passed nor failed: it is not counted as wrong.
    wrong = sum(c.ok is False for c in checks) + (not case.ok)
    later = sum(c.ok is None for c in checks)
    unchecked = f" and {later} {'was' if later == 1 else 'were'} not checked yet" if later else ""
    return CheckReport(
        ex,
        "failed",
        f"{wrong} of {len(checks) + 1} checks did not pass{unchecked}: see ✘ below.",
        course=case,
        checks=tuple(checks),
    )
