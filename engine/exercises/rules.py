"""Further checks of an update rule on a small two-layer network: the mistakes the course's cell misses.

The learner's function runs two steps from a fixed start (so state and stale gradients carry
over) and one step from rest (zero state, to see which way it moves); each result is compared
with the reference rule in engine.updates, and a mismatch is explained by the mistake
(engine.exercises.mistakes) that reproduces it, if any.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import updates
from ..model import MLP, loss_fn
from .calling import call
from .mistakes import MISTAKES, NO_ZERO
from .report import CheckItem

REFERENCE = {
    "gradient_update": updates.gradient_update,
    "momentum_update": updates.momentum_update,
    "rmsprop_update": updates.rmsprop_update,
}
# Not the defaults, so that a rule which ignores an argument shows; epsilon large enough to matter.
HYPER = {
    "gradient_update": {"lr": 0.05},
    "momentum_update": {"lr": 0.05, "beta": 0.7},
    "rmsprop_update": {"lr": 0.01, "alpha": 0.7, "epsilon": 1e-4},
}
STATE = {
    "momentum_update": ("grad_vel", "velocities", "−lr · gradient + beta · old velocity"),
    "rmsprop_update": ("grad_sq", "averages", "alpha · old average + (1 − alpha) · gradient²"),
}
NAMES = ["layer 1 weights", "layer 1 bias", "layer 2 weights", "layer 2 bias"]


@dataclass
class Trace:
    """Parameters (and state) after each step, the start, the gradient there, and list replacement."""

    initial: list
    grad0: list
    params: list  # [step][param] tensors
    states: list  # [step][param] tensors, or [] for gradient descent
    replaced: bool  # the learner put new tensors into the params list on the first step
    state0: list  # the state before the first step


def _problem():
    g = torch.Generator().manual_seed(7)
    model = MLP(6, 3, [4])
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.5 * torch.randn(p.shape, generator=g))
    return model, torch.randn(16, 6, generator=g), torch.randint(0, 3, (16,), generator=g), g


def _clone(x):
    return x.detach().clone() if isinstance(x, torch.Tensor) else None


def run(ex: str, fn, steps: int = 2, rest: bool = False, filename: str | None = None) -> Trace:
    """`steps` calls of fn on the small problem, each with a fresh loss; LearnerError if it raises."""
    model, X, y, g = _problem()
    objs = list(model.parameters())
    initial = [p.detach().clone() for p in objs]
    loss_fn(model(X), y).backward()
    grad0 = [p.grad.detach().clone() for p in objs]
    for p in objs:
        p.grad = None
    state = None
    if ex == "momentum_update":
        state = [torch.zeros_like(p) if rest else 0.1 * torch.randn(p.shape, generator=g) for p in objs]
    elif ex == "rmsprop_update":
        state = [torch.zeros_like(p) if rest else 0.01 * torch.rand(p.shape, generator=g) for p in objs]
    trace = Trace(initial, grad0, [], [], False, [s.clone() for s in state or []])
    for step in range(steps):
        given = list(objs)
        args = (loss_fn(model(X), y), given) + ((state,) if state is not None else ())
        call(fn, *args, filename=filename, **HYPER[ex])
        if step == 0:
            trace.replaced = len(given) != len(objs) or any(a is not b for a, b in zip(given, objs))
        trace.params.append([p.detach().clone() for p in objs])
        if state is not None:
            trace.states.append([_clone(s) for s in state])
    return trace


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        x is not None and y is not None and x.shape == y.shape and torch.allclose(x, y, rtol=1e-4, atol=1e-6)
        for x, y in zip(a, b)
    )


def _step_matches(t: Trace, r: Trace, step: int) -> bool:
    return _same(t.params[step], r.params[step]) and (not r.states or _same(t.states[step], r.states[step]))


def _largest_difference(t: Trace, r: Trace) -> str:
    for step in range(len(r.params)):
        states = (t.states[step], r.states[step]) if r.states else ([], [])
        for kind, got, want in (("", t.params[step], r.params[step]), ("state of the ", *states)):
            for name, a, b in zip(NAMES, got, want):
                if a is None or a.shape != b.shape:
                    return f"After step {step + 1}, the {kind}{name} is not a tensor of shape {tuple(b.shape)}."
                if not torch.allclose(a, b, rtol=1e-4, atol=1e-6):
                    diff = float((a - b).abs().nan_to_num(float("inf")).max())
                    return f"After step {step + 1}, the {kind}{name} differ from the rule's values by up to {diff:.2g}."
    return "The values differ from the rule's."


class RuleChecks:
    """Runs the learner's rule and the reference once, then answers each check."""

    def __init__(self, ex: str, fn, filename: str | None = None):
        self.ex, self.fn = ex, fn
        self.mine = run(ex, fn, 2, filename=filename)
        self.rest = run(ex, fn, 1, rest=True, filename=filename)
        self.ref = run(ex, REFERENCE[ex], 2)
        self._mistake: tuple[str, str] | None = None
        self._mistake_searched = False

    def mistake(self) -> tuple[str, str] | None:
        """(key, message) of the careless version that reproduces the learner's numbers, if one does."""
        if not self._mistake_searched:
            self._mistake_searched = True
            for key, message, variant in MISTAKES[self.ex]:
                other = run(self.ex, variant, 2)
                if all(_step_matches(self.mine, other, s) for s in range(2)):
                    self._mistake = (key, message)
                    break
        return self._mistake

    def changed(self) -> list[bool]:
        return [not torch.equal(a, b) for a, b in zip(self.mine.params[0], self.mine.initial)]

    def in_place(self) -> CheckItem:
        name = "changes the parameters in place"
        if any(self.changed()):
            return CheckItem(name, True)
        if self.mine.replaced:
            return CheckItem(
                name,
                False,
                "The model's parameters did not change: your code put new tensors "
                "into the params list instead of changing the parameters themselves. Change each "
                "in place, e.g. par.data -= … (or par -= … inside torch.no_grad()).",
            )
        return CheckItem(
            name,
            False,
            "The parameters did not change. `par = par - …` only gives the loop "
            "variable a new tensor; change the parameter itself: par.data -= … or par -= ….",
        )

    def every_parameter(self) -> CheckItem:
        name = "updates every parameter"
        changed = self.changed()
        if all(changed):
            return CheckItem(name, True)
        if not any(changed):
            return CheckItem(name, False, "No parameter changed (see above).")
        left = ", ".join(n for n, c in zip(NAMES, changed) if not c)
        return CheckItem(
            name,
            False,
            f"Only {sum(changed)} of {len(changed)} parameters changed (not: {left}). "
            "Loop over every parameter in params.",
        )

    def downhill(self) -> CheckItem:
        name = "moves downhill, against the gradient"
        deltas = [a - b for a, b in zip(self.rest.params[0], self.rest.initial)]
        slope = sum(float((d * g).sum()) for d, g in zip(deltas, self.rest.grad0))
        if slope < 0:
            return CheckItem(name, True)
        if all(float(d.abs().max()) == 0 for d in deltas):
            return CheckItem(name, False, "Starting from rest, the parameters did not move.")
        hint = {
            "gradient_update": "subtract lr × gradient (w ← w − η∇J), do not add it.",
            "momentum_update": "the velocity must be −lr · gradient + beta · velocity, and the "
            "parameter adds the velocity.",
            "rmsprop_update": "subtract lr · gradient / sqrt(epsilon + average).",
        }[self.ex]
        return CheckItem(name, False, f"Starting from rest, the step went uphill (along the gradient): {hint}")

    def state(self) -> CheckItem:
        arg, what, rule = STATE[self.ex]
        name = f"updates {arg} in place"
        got, want = self.mine.states[0], self.ref.states[0]
        if _same(got, want):
            return CheckItem(name, True)
        if _same(got, self.mine.state0):
            var = "vel" if arg == "grad_vel" else "gsq"
            return CheckItem(
                name,
                False,
                f"The {what} in {arg} did not change, so the next call starts from the "
                f"old ones. Write into the list's tensors ({var}.data = … or {var}.copy_(…)); "
                f"`{var} = …` only makes a new local variable.",
            )
        m = self.mistake()
        return CheckItem(name, False, m[1] if m else f"The new {what} are not {rule}.")

    def zeroed_between_calls(self) -> CheckItem:
        name = "zeroes old gradients (two calls in a row)"
        if not _step_matches(self.mine, self.ref, 0):
            return CheckItem(name, None, "Not checked yet: the first step is not right.")
        if _step_matches(self.mine, self.ref, 1):
            return CheckItem(name, True)
        m = self.mistake()
        if m and m[0] == NO_ZERO[0]:
            return CheckItem(name, False, m[1])
        return CheckItem(
            name, False, "The first call was right but the second was not: something carries over between calls."
        )

    def exact(self) -> CheckItem:
        name = "matches the rule on every value"
        if all(_step_matches(self.mine, self.ref, s) for s in range(2)):
            return CheckItem(name, True)
        m = self.mistake()
        return CheckItem(name, False, m[1] if m else _largest_difference(self.mine, self.ref))

    def items(self) -> list[CheckItem]:
        checks = [self.in_place(), self.every_parameter(), self.downhill()]
        if self.ex in STATE:
            checks.append(self.state())
        return checks + [self.zeroed_between_calls(), self.exact()]
