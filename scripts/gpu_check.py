"""GPU readiness in one command (`make gpu-check`): each section's engine on CUDA against the CPU, then GPU figures.

Engine only (torch and numpy, no textual), so it runs on a bare GPU box with torch installed:

    python scripts/gpu_check.py            # exit 0 and a note when there is no CUDA device

(a) runs each section's Job with small settings on cuda and on cpu and compares the results
    within the tolerances stated per check (float32 kernels differ in summation order, so
    "same" means close, not equal; a job whose random draws come from a device generator is
    compared by what does not depend on them);
(b) trains the Bonus with and without the CUDA graph and compares the curves;
(c) prints the GPU benchmarks: bench_nonconvex's ratio (target >= 5x the course's way),
    bench_training with --cuda-graph (target: 2 epochs of the course defaults <= 0.4 s on a
    data-centre GPU) and Section 6.1's synchronised timings.
All in well under 5 minutes on a data-centre GPU.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

FAILURES: list[str] = []


def check(name: str, ok: bool, detail: str) -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)
    if not ok:
        FAILURES.append(name)


def events_of(job, ctx) -> list:
    from engine.events import Failed
    from engine.jobs import RunEnv, run_job

    events = list(run_job(job, RunEnv(ctx)))
    failed = [e for e in events if isinstance(e, Failed)]
    if failed:
        raise RuntimeError(f"{type(job).__name__} failed on {ctx.device}: {failed[0].message}")
    return events


def of(events: list, cls) -> list:
    return [e for e in events if isinstance(e, cls)]


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(b)))) if a.size else 0.0


def sections(cpu, gpu) -> None:
    from engine.contracts import adaptive, casestudy, conditioning, conditioning_theory, minibatch, nonconvex, search
    from engine.contracts import nonconvex_landscape as landscape

    print("(a) every section's engine on cuda against the cpu")
    quick = gpu is cpu  # the self-test: the same checks on the smallest settings the jobs take

    def both(job):
        if gpu is cpu:  # the self-test: one run compared with itself still exercises every check's code
            events = events_of(job, cpu)
            return events, events
        return events_of(job, cpu), events_of(job, gpu)

    c, g = both(casestudy.ModelJob(hidden=(100,)))
    lc, lg = of(c, casestudy.InitLoss)[0].loss, of(g, casestudy.InitLoss)[0].loss
    check("2.3 loss at init", abs(lc - lg) < 1e-4, f"cpu {lc:.6f} cuda {lg:.6f} (tol 1e-4)")
    steps = 10 if quick else 20
    c, g = both(casestudy.FiltersJob(steps=steps))
    r = rel([e.loss for e in of(g, casestudy.TrainStep)], [e.loss for e in of(c, casestudy.TrainStep)])
    check("2.4 Adam training losses", r < 1e-3, f"max relative difference {r:.1e} over {steps} steps (tol 1e-3)")

    c, g = both(search.CompareJob(n=10 if quick else 20))
    for pc, pg in zip(of(c, search.Comparison), of(g, search.Comparison)):
        d = abs(pc.gd_delta - pg.gd_delta)
        check(
            f"3 GD change ({pc.panel})",
            d < 1e-4,
            f"cpu {pc.gd_delta:.5f} cuda {pg.gd_delta:.5f} (tol 1e-4); "
            "random directions come from each device's generator and are not compared",
        )

    c, g = both(conditioning.MomentumDemoJob(steps=120))
    for tc, tg in zip(of(c, conditioning.Trajectory), of(g, conditioning.Trajectory)):
        r = rel(np.array(tg.points)[:, :2], np.array(tc.points)[:, :2])
        check(
            f"4 {tc.label} trajectory",
            r < 1e-4 and tc.converged_at == tg.converged_at,
            f"max relative difference {r:.1e} (tol 1e-4); 1e-6 reached at {tc.converged_at} / {tg.converged_at}",
        )
    c, g = both(conditioning_theory.TheoryJob())
    ec, eg = of(c, conditioning_theory.Theory)[0].eigenvalues, of(g, conditioning_theory.Theory)[0].eigenvalues
    check("4 Hessian eigenvalues", rel(eg, ec) < 1e-4, f"cpu {ec} cuda {eg} (tol 1e-4 relative)")

    c, g = both(nonconvex.OverparamJob(hidden=(10,) if quick else (100,), steps=50, inits=5, seed=2021))
    rows = lambda ev: np.array(
        [e.losses for e in sorted(of(ev, nonconvex.LossRows), key=lambda e: (e.init, e.start))], dtype=object
    )
    lc = np.concatenate([np.asarray(r, float) for r in rows(c)])
    lg = np.concatenate([np.asarray(r, float) for r in rows(g)])
    check(
        "5 batched inits (GD)",
        lc.shape == lg.shape and rel(lg, lc) < 1e-3,
        f"max relative difference {rel(lg, lc) if lc.shape == lg.shape else math.inf:.1e} (tol 1e-3)",
    )
    c, g = both(landscape.LandscapeJob(hidden=((10,),), grid=11, steps=20, pca=False))
    gc, gg = of(c, landscape.LandscapeGrid)[0], of(g, landscape.LandscapeGrid)[0]
    r = rel(gg.loss, gc.loss)
    check("5 real loss landscape grid", r < 1e-3, f"11x11 grid, max relative difference {r:.1e} (tol 1e-3)")

    t0 = time.perf_counter()
    sizes = (100, 1000) if quick else (100, 1000, 10000)
    g = events_of(minibatch.CostJob(hidden=(100,), sizes=sizes, repeats=1 if quick else 3), gpu)
    points = of(g, minibatch.CostPoint)
    check(
        "6.1 timings on cuda",
        all(p.forward > 0 and p.backward > 0 for p in points),
        ", ".join(f"N={p.size}: fwd {1e3 * p.forward:.2f} ms bwd {1e3 * p.backward:.2f} ms" for p in points)
        + f" ({time.perf_counter() - t0:.1f} s)",
    )
    budget = 1.0
    if gpu is cpu:  # the self-test: a clock that ticks per reading, so the steps made do not depend on the load
        from engine.sections.minibatch import minibatch_events

        ticks = iter(range(1_000_000))
        g = list(
            minibatch_events(
                cpu.mnist.train_x, cpu.mnist.train_y, (256,), (0.05,), budget, seed=1, clock=lambda: next(ticks) / 50
            )
        )
    else:
        g = events_of(minibatch.MinibatchJob(batch_sizes=(256,), lrs=(0.05,), budget=budget, seed=1), gpu)
    losses = [v for e in of(g, minibatch.LossPoints) for v in e.losses]
    check(
        "6.2 minibatch SGD on cuda",
        len(losses) > 10 and np.mean(losses[-5:]) < np.mean(losses[:5]),
        f"{len(losses)} steps in {budget:g} s, loss {np.mean(losses[:5]):.3f} -> {np.mean(losses[-5:]):.3f}",
    )

    steps = 50 if quick else 60
    c, g = both(adaptive.CompareJob(max_steps=steps, seed=2021))
    for name in adaptive.OPTIMIZERS:
        vc = [v for e in of(c, adaptive.Losses) if e.optimizer == name for v in e.values]
        vg = [v for e in of(g, adaptive.Losses) if e.optimizer == name for v in e.values]
        ok = len(vc) == len(vg) == steps and np.mean(vg[-10:]) < np.mean(vg[:10])
        check(
            f"7 {name} on cuda",
            ok,
            f"loss {np.mean(vg[:10]):.3f} -> {np.mean(vg[-10:]):.3f} "
            f"(cpu {np.mean(vc[:10]):.3f} -> {np.mean(vc[-10:]):.3f}; minibatches come from each device's generator)",
        )


def bonus(gpu, graphs=(False, True), examples: int = 6400) -> None:
    from engine.contracts.bonus import TrainConfig, TrainJob, TrainSteps

    print("(b) the Bonus with and without the CUDA graph")
    config = TrainConfig(epochs=1, train_limit=examples)
    steps = examples // config.batch_size
    curves = {}
    for graph in graphs:
        t0 = time.perf_counter()
        events = events_of(TrainJob(config, evaluate_benchmark=False, cuda_graph=graph), gpu)
        curves[graph] = [v for e in of(events, TrainSteps) for v in e.losses]
        print(f"  cuda_graph={graph}: {len(curves[graph])} steps in {time.perf_counter() - t0:.2f} s")
    if len(graphs) < 2:
        check("B training runs", len(curves[graphs[0]]) == steps, f"{len(curves[graphs[0]])} of {steps} steps")
        return
    r = rel(curves[True], curves[False]) if len(curves[True]) == len(curves[False]) else math.inf
    check("B same curve with the graph", r < 1e-3, f"max relative difference {r:.1e} over {steps} steps (tol 1e-3)")


def benchmarks() -> None:
    print("(c) GPU benchmarks")
    runs = [
        ["benchmarks/bench_nonconvex.py", "--device", "cuda"],
        ["benchmarks/bench_training.py", "--device", "cuda", "--cuda-graph", "--batches", "0", "--threads", "0"],
    ]
    for argv in runs:
        print(f"  $ python {' '.join(argv)}", flush=True)
        out = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=240)
        for line in (out.stdout + out.stderr).strip().splitlines()[-8:]:
            print(f"    {line}")
        check(argv[0], out.returncode == 0, f"exit code {out.returncode}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    self_test = "--self-test" in argv  # the checks of (a) with the CPU on both sides: keeps this script working
    if not torch.cuda.is_available() and not self_test:
        print("gpu-check: PyTorch sees no CUDA device here; nothing to check (exit 0).")
        return 0
    from engine.context import EngineContext, EngineSettings

    t0 = time.perf_counter()
    cpu = EngineContext(EngineSettings(device="cpu"))
    gpu = cpu if self_test else EngineContext(EngineSettings(device="cuda"))
    print(f"gpu-check on {gpu.device_label}, torch {torch.__version__}{' (self-test on the CPU)' * self_test}")
    sections(cpu, gpu)
    if self_test:
        bonus(gpu, (False,), examples=640)  # the CUDA graph needs CUDA
    else:
        bonus(gpu)
    if not self_test:
        benchmarks()
    print(
        f"gpu-check: {'all passed' if not FAILURES else 'FAILED: ' + ', '.join(FAILURES)} "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
