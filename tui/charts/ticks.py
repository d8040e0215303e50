"""Round tick values and short labels for chart axes: 1-2-5 steps, axis limits as ticks, log axes."""

from __future__ import annotations

import math


def round_ticks(lo: float, hi: float, most: int = 5, ends: tuple[float, ...] = ()) -> tuple[list[float], list[str]]:
    """At most about `most` ticks at multiples of 1, 2 or 5 times a power of ten, in [lo, hi].

    `ends` are axis limits the drawer chose (a budget of 2.5 s): they are ticks too, replacing a
    round tick closer than half a step, so an axis visibly ends where it was asked to.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo], [number_text(lo)]
    most = max(2, most)
    raw = (hi - lo) / (most - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = mag * 10
    for m in (1, 2, 5, 10):
        k0, k1 = math.ceil(lo / (m * mag) - 1e-9), math.floor(hi / (m * mag) + 1e-9)
        if k1 - k0 + 1 <= most:
            step = m * mag
            break
    k0, k1 = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    ticks = [k * step for k in range(k0, k1 + 1)]
    labels = [tick_text(t, step) for t in ticks]
    for end in ends:
        if any(abs(t - end) < 1e-9 * max(1.0, abs(end)) for t in ticks):
            continue
        keep = [i for i, t in enumerate(ticks) if abs(t - end) > 0.5 * step]
        ticks, labels = [ticks[i] for i in keep] + [end], [labels[i] for i in keep] + [number_text(end)]
    order = sorted(range(len(ticks)), key=ticks.__getitem__)
    return [ticks[i] for i in order], [labels[i] for i in order]


def log_ticks(lo: float, hi: float, most: int = 5) -> tuple[list[float], list[str]]:
    """Ticks of a log10 axis (positions are log10 values): 1-2-5 per decade when they fit, else decades."""
    first, last = math.floor(lo), math.ceil(hi)
    for mantissas in ((1, 2, 5), (1,)):
        values = [m * 10.0**k for k in range(first, last + 1) for m in mantissas]
        ticks = [math.log10(v) for v in values if lo - 1e-9 <= math.log10(v) <= hi + 1e-9]
        if len(ticks) <= most and len(ticks) >= 2:
            return ticks, [number_text(10**t) for t in ticks]
    if hi - lo < 1:  # less than a decade (2.1 to 2.5): round values, placed on the log axis
        values, labels = round_ticks(10**lo, 10**hi, most)
        pairs = [(math.log10(v), label) for v, label in zip(values, labels) if v > 0]
        if len(pairs) >= 2:
            return [p[0] for p in pairs], [p[1] for p in pairs]
    stride = max(1, math.ceil((last - first + 1) / most))
    ticks = [float(k) for k in range(math.ceil(lo), math.floor(hi) + 1, stride)] or [lo]
    return ticks, [number_text(10**t) for t in ticks]


def tick_text(t: float, step: float) -> str:
    """A tick label with as many decimals as the step needs: 0.25, 2.30; 5k, 10k for thousands."""
    if abs(t) < step * 1e-6:
        return "0"
    if step >= 1000 and abs(t) < 1e6 and t % 1000 == 0:
        return f"{t / 1000:g}k"
    if step >= 1e6 or (step < 1e-4 and t != 0):
        return number_text(t)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{t:.{decimals}f}"


def number_text(v: float) -> str:
    """A short label for any number: 2.5, 1000, 1e6, 3e-05 -> 3e-5."""
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    if 1e-4 <= abs(v) < 1e5:
        return f"{v:.4g}"
    mantissa, exponent = f"{v:.2g}".split("e") if "e" in f"{v:.2g}" else (f"{v:.2g}", "0")
    return f"{mantissa}e{int(exponent)}"
