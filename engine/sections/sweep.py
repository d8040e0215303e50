"""Bonus sweep compute: train the copies side by side, rank them on validation, keep them as one group of runs."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

from ..contracts.bonus import HistoryFailed
from ..contracts.sweep import SweepJob, SweepStored
from ..events import Done, Event
from ..history import RunHistory
from ..jobs import friendly_error
from ..sweep import SweepSession


def sweep_job(job: SweepJob, env) -> Iterator[Event]:
    """Train the sweep, then store every copy that trained as one group of the run history; Done comes last."""
    context = env.context
    session = SweepSession(job.plan, context.device, context.mnist, should_stop=env.stop_requested)
    done = None
    for event in session.run():
        if isinstance(event, Done):
            done = event  # held back: the history entry is reported first
            continue
        yield event
    kept = [r for r in session.records if r.train_loss]  # a copy stopped before its first step is not kept
    if kept and session.result is not None:
        group = uuid.uuid4().hex[:12]
        axes = [key for key, _ in job.plan.axes]
        labels = {row.copy: row.label for row in session.result.rows}
        combos = job.plan.combos()
        tagged = [
            dataclasses.replace(
                record,
                config={
                    **record.config,
                    "sweep": {
                        "group": group,
                        "axes": axes,
                        "values": combos[i],
                        "label": labels[i],
                        "copy": i,
                        "copies": len(combos),
                    },
                },
            )
            for i, record in enumerate(session.records)
            if record.train_loss
        ]
        try:
            stored: Event = SweepStored(group, tuple(RunHistory().add_all(tagged)))
        except Exception as exc:  # noqa: BLE001  a damaged or unwritable history, or anything else: say why
            stored = HistoryFailed(friendly_error(exc))
        yield stored
    yield done or Done("completed")
