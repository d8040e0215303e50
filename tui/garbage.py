"""Garbage collection for a UI: rarely, and between frames rather than inside a key's."""

from __future__ import annotations

import gc

THRESHOLD = 50_000  # net allocations between two young collections Python starts itself (its default: 700)
MIDDLE = 5  # young collections between two of the middle generation (Python's default: 10; see collect_when_due)
YOUNG_DUE = 5_000  # the count at which the app's timer collects first, between two frames
COLLECT_EVERY_S = 0.1  # how often the timer looks (a look is one gc.get_count: nothing when idle)


def tune_gc(freeze: bool = True) -> None:
    """Collect garbage a hundred times less often, and never look again at what start-up made.

    Python's default (a young collection every 700 net allocations) ran ~115 collections and
    100-150 ms of CPU per section opened (a screen's widgets, styles and strips are many small
    objects); at 50,000 it is one or two, ~20 ms (benchmarks/bench_open.py). Freezing moves the
    objects made at start-up (modules, stylesheets: ~all of them long-lived) out of every later
    full collection. Once per process: freeze keeps what is alive at the call forever.
    """
    if freeze:
        gc.collect()
        gc.freeze()
    gc.set_threshold(THRESHOLD, MIDDLE, 20)


def collect_when_due() -> None:
    """A young collection (or a middle one, when Python would make it) once YOUNG_DUE objects wait: ~3 ms.

    Left to Python, a young collection came once 50,000 objects were waiting, 10-35 ms at a time, and
    it came inside the frames that allocate most: a key's, which builds charts (1 key in 10-20 took
    that much longer while Section 7 or the Bonus trained at 200x60). Called from the app's timer, it
    runs between two frames. A middle collection goes over what survived the young ones since the
    last, which grows with their number: after 20 (the threshold this app had) 130-160 ms, after
    MIDDLE 8-37 ms. Full collections stay Python's (they come with the allocations of opening a screen).
    """
    young, middle, _ = gc.get_count()
    if young >= YOUNG_DUE:
        gc.collect(1 if middle > gc.get_threshold()[1] else 0)
