"""Section 4's pictures and lines: the distance chart's drawer, legends, paths on the surface, status lines."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text

from engine.contracts.conditioning import LABELS, TARGET_ITERS, TOL, Trajectory

from ...charts.chart import decade_label, dimmed
from ...widgets.heatmap import Overlay

EPS = 1e-16  # the course's log floor
Y_FLOOR, Y_LO, Y_HI = -16, -8, 1  # log10 distance axis: at least 1e-8 ... 10, at most down to 1e-16
CURVES = {  # (method, dimension) -> colour: one colour family per method
    ("GD", 0): (235, 235, 235),
    ("GD", 1): (140, 150, 170),
    ("Momentum", 0): (255, 80, 80),
    ("Momentum", 1): (255, 175, 60),
}
PATH = {"GD": "rgb(235,235,235)", "Momentum": "rgb(255,80,80)"}
OPTIMUM = "rgb(0,255,0)"
GUIDE = (110, 110, 110)
SAME = 1e-5  # a learner's path this close to the reference's, point for point, is the reference's
MAP = "viridis"
RESULT_WIDTH = len("Momentum: not within 1e-6 after 500 steps")  # the outcome column of the method lines
# The player's keys, longest first: the line shows the longest that fits beside the iteration.
HINTS = (
    "space play/pause · ,/. step · -/+ speed · Home/End start/end",
    "space play/pause · ,/. step · -/+ speed · Home/End",
    "space ▶/‖ · ,/. step · -/+ speed · Home/End",
    "space ▶/‖ · ,/. step · -/+ speed",
)


def rgb(c: tuple[int, int, int]) -> str:
    return f"rgb({c[0]},{c[1]},{c[2]})"


def log_distances(points, optimum) -> tuple[list[float], list[float]]:
    """log10 |u - u*| and log10 |v - v*| per iteration, floored at 1e-16 as the course's eps (numpy: 1,200 logs
    a key)."""
    if not len(points):
        return [], []
    uv = np.asarray(points, dtype=float)[:, :2]
    u, v = np.log10(np.maximum(np.abs(uv - np.asarray(optimum, dtype=float)), EPS)).T
    return u.tolist(), v.tolist()


def y_range(curves: list[list[float]]) -> tuple[int, int, list[int]]:
    """Decades shown: 1e-8 ... 10 at least, widened to the data (down to 1e-16, up for a runaway)."""
    ys = np.concatenate([np.asarray(c, dtype=float) for c in curves]) if curves else np.zeros(0)
    finite = ys[np.isfinite(ys)]  # floor and ceil keep order: the data's ends decide
    lo = max(Y_FLOOR, min(Y_LO, math.floor(finite.min())) if finite.size else Y_LO)
    hi = max(Y_HI, math.ceil(finite.max())) if finite.size else Y_HI
    stride = 2 if hi - lo <= 12 else 4
    return lo, hi, [k for k in range(lo, hi + 1) if k % stride == 0]


def distance_drawer(trajs: dict, ref_trajs: dict | None = None):
    """Four curves (method x dimension) of the log10 distance to the optimum, and the target's guides;
    the reference's four first, dimmed, when a learner's functions ran beside them."""

    def of(ts: dict) -> dict:
        return {
            (label, dim): ys for label, t in ts.items() for dim, ys in enumerate(log_distances(t.points, t.optimum))
        }

    curves, ref_curves = of(trajs), of(ref_trajs or {})
    steps = max((t.max_steps for t in trajs.values()), default=300)
    lo, hi, ticks = y_range(list(curves.values()) + list(ref_curves.values()))

    def draw(plt) -> None:
        plt.xlim(0, steps)
        plt.ylim(lo, hi)
        plt.yticks(ticks, [decade_label(k) for k in ticks])
        plt.xlabel("iteration · y: distance to optimum")
        plt.horizontal_line(math.log10(TOL), color=GUIDE)
        plt.vertical_line(TARGET_ITERS, color=GUIDE)
        for key, ys in ref_curves.items():
            if ys:
                plt.plot(list(range(len(ys))), ys, marker="braille", color=dimmed(CURVES[key]))
        for key, ys in curves.items():
            if ys:
                plt.plot(list(range(len(ys))), ys, marker="braille", color=CURVES[key])

    return draw


def against_reference(trajs: dict, ref_trajs: dict) -> bool | None:
    """None without the reference beside; else whether the learner's paths are the reference's (1e-5)."""
    if not ref_trajs:
        return None
    return all(
        label in ref_trajs
        and len(t.points) == len(ref_trajs[label].points)
        and all(abs(a - b) <= SAME for p, q in zip(t.points, ref_trajs[label].points) for a, b in zip(p, q))
        for label, t in trajs.items()
    )


def distance_legend() -> Text:
    parts: list = []
    for label in LABELS:
        parts += [
            (f"{label} ", "bold"),
            ("━", rgb(CURVES[label, 0])),
            "weight ",
            ("━", rgb(CURVES[label, 1])),
            "bias  ",
        ]
    return Text.assemble(*parts, ("┼", rgb(GUIDE)), " target", no_wrap=True, overflow="ellipsis")


def surface_legend() -> Text:
    return Text.assemble(
        "Bias ↑  ",
        ("•", PATH["GD"]),
        " GD ",
        ("•", PATH["Momentum"]),
        " Momentum ",
        ("★", OPTIMUM),
        " optimum",
        no_wrap=True,
        overflow="ellipsis",
    )


def result_line(t) -> str:
    """One method's outcome: where it reached 1e-6, where it diverged, or that it did not get there."""
    if t.diverged_at is not None:
        return f"{t.label} diverged at iteration {t.diverged_at}"
    if t.converged_at is not None:
        return f"{t.label}: within 1e-6 at iteration {t.converged_at}"
    return f"{t.label}: not within 1e-6 after {t.max_steps} steps"


def method_line(label: str, t: Trajectory | None, frame: int | None) -> Text:
    """A method's outcome, then its distances to the optimum and its loss at the iteration shown."""
    if t is None:
        return Text(f"{label}: …", style="dim")
    result = result_line(t)
    reached = t.converged_at is not None and (frame is None or frame >= t.converged_at)
    style = "bold red" if t.diverged_at is not None else "green" if reached else ""
    line = Text.assemble((result.ljust(RESULT_WIDTH), style), no_wrap=True, overflow="ellipsis")
    if not t.points:
        return line
    w, b, loss = t.points[min(len(t.points) - 1, len(t.points) if frame is None else frame)]
    dw, db = abs(w - t.optimum[0]), abs(b - t.optimum[1])
    return line.append_text(
        Text.assemble(
            " ",
            ("Δw ", "dim"),
            (f"{dw:.1e}", rgb(CURVES[label, 0])),
            "  ",
            ("Δb ", "dim"),
            (f"{db:.1e}", rgb(CURVES[label, 1])),
            "  ",
            ("loss ", "dim"),
            f"{loss:.5g}" if abs(loss) < 1e5 else f"{loss:.2e}",  # six characters at most: the line fits 80 columns
        )
    )


def player_line(label: str, width: int) -> Text:
    """The player's state and as many of its keys as fit in `width` columns."""
    hint = next((h for h in HINTS if len(label) + 2 + len(h) <= width), "")
    return Text.assemble((label, "bold"), "  ", (hint, "dim"), no_wrap=True, overflow="ellipsis")


def target_line(trajs: dict) -> Text:
    met = [t.label for t in trajs.values() if t.met_target]
    if met:
        return Text.assemble(("✔ target met: ", "bold green"), f"{' and '.join(met)} within {TARGET_ITERS} iterations")
    return Text(f"target: both dimensions within 1e-6 by iteration {TARGET_ITERS}", style="dim")


class Paths:
    """Both methods' paths as arrays, cut at the iteration shown, as overlays for the surface."""

    def __init__(self, trajs: dict, optimum: tuple[float, float] | None) -> None:
        self.optimum = optimum
        self.xy = {
            label: ([p[0] for p in t.points], [p[1] for p in t.points]) for label, t in trajs.items() if t.points
        }

    def overlays(self, frame: int | None) -> list[Overlay]:
        """Paths up to `frame` (None: whole) and the optimum; while playing, a ● at each method's current point."""
        out, marks = [], []
        for label in LABELS:
            if label not in self.xy:
                continue
            xs, ys = self.xy[label]
            end = len(xs) if frame is None else min(frame + 1, len(xs))
            out.append(Overlay(xs[:end], ys[:end], PATH[label], "•"))
            if frame is not None:
                marks.append(Overlay(xs[end - 1 : end], ys[end - 1 : end], PATH[label], "●", line=False))
        if self.optimum is not None:
            out.append(Overlay([self.optimum[0]], [self.optimum[1]], OPTIMUM, "★", line=False))
        return out + marks
