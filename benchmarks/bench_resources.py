"""engine.resources' memory and time estimates against real CPU processes: estimate / measured, per setting.

Each setting trains two steps in a fresh process on one thread; "measured" is the growth of the
peak resident memory (ru_maxrss) over the process after torch's own start-up, and the time of the
second step. Ratios near 1 mean the estimate is right; RSS varies by tens of percent between runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.resources import estimate  # noqa: E402 - after the path is set, as the other benchmarks

PROBE = textwrap.dedent(
    """
    import json, resource, sys, time
    sys.path.insert(0, {root!r})
    import torch
    torch.set_num_threads(1)
    from engine.model import MLP, loss_fn
    hidden, batch, name = {hidden!r}, {batch!r}, {optimizer!r}
    x, y = torch.randn(batch, 28, 28), torch.randint(0, 10, (batch,))
    loss_fn(MLP(784, 10, [8])(x[:2]), y[:2]).backward()  # torch's own start-up, not the setting's
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    model = MLP(784, 10, hidden)
    opt = torch.optim.Adam(model.parameters()) if name == "Adam" else torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        start = time.perf_counter()
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        seconds = time.perf_counter() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    print(json.dumps([grown, seconds]))
    """
)
CASES = [([2048, 2048], 2048, "Adam"), ([1024, 1024], 4096, "SGD"), ([4096], 64, "SGD"), ([200, 100, 50], 500, "Adam")]


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    print(f"{'setting':32} {'estimate':>10} {'measured':>10} {'ratio':>6}   {'time est/meas':>13}")
    for hidden, batch, optimizer in CASES:
        code = PROBE.format(root=str(ROOT), hidden=hidden, batch=batch, optimizer=optimizer)
        grown, seconds = json.loads(subprocess.check_output([sys.executable, "-c", code]))
        est = estimate(hidden, batch, optimizer=optimizer, free_bytes=1 << 40, flops_per_second=2e10)
        name = f"{hidden} batch {batch} {optimizer}"
        print(
            f"{name:32} {est.peak_bytes / 2**20:8.0f}MB {grown / 2**20:8.0f}MB {est.peak_bytes / grown:6.2f}"
            f"   {est.seconds / seconds:13.2f}"
        )


if __name__ == "__main__":
    main()
