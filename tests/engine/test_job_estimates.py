"""Heavy settings: each section's job estimates its cost, and the engine refuses, before allocating, what cannot fit."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from engine.context import EngineContext, EngineSettings
from engine.contracts.base import TooLarge, too_large
from engine.contracts.bonus import TrainConfig, TrainJob
from engine.contracts.minibatch import CostJob, MinibatchJob
from engine.contracts.nonconvex import OverparamJob, OverparamStart
from engine.contracts.nonconvex_landscape import MEMORY_FLOATS, LandscapeJob
from engine.events import Failed
from engine.jobs import RunEnv, run_job
from engine.protocol import Ready
from engine.resources import REFUSE_FRACTION, WARN_FRACTION, memory_parts
from tui.engine_process import ProcessExecutor
from tui.engines import Engine
from tui.runner import LocalExecutor

from .helpers import drain

GB = 10**9
WIDE = (4096, 4096)
DEEP = (4096,) * 8


def test_section_5_at_4096_4096_needs_what_the_issue_measured():
    needs = OverparamJob(WIDE).estimate("cpu", 1 << 40)  # the course's 7 copies, 150 steps, 500 examples
    assert needs.peak_bytes == pytest.approx(2.7 * GB, rel=0.15)  # issue 11: "4096, 4096" reaches 2.7 GB
    assert dict(needs.parts) == {
        k: v for k, v in memory_parts(WIDE, 500, copies=7, stacked=True).items() if v
    }  # exactly the estimator's parts for 7 stacked copies
    learner = OverparamJob(WIDE, learner={"gradient_update": "/x.py"}).estimate("cpu", 1 << 40)
    assert learner.peak_bytes < needs.peak_bytes  # one after another: no stacked copy of every parameter


def test_the_real_landscape_counts_the_path_the_engine_records(subset):
    """Its peak is the recorded training path ((steps + 1) parameter vectors) of its largest model."""
    import torch

    from engine.sections.nonconvex_landscape import init_params, train

    job = LandscapeJob(hidden=((20,), (30, 10)), steps=12, grid=5)
    x, y = subset
    params = init_params((30, 10), job.noise, torch.Generator().manual_seed(0))
    _, (path, *_) = drain(train(params, x.reshape(len(x), -1), y, job.steps, job.lr))
    counted = dict(job.estimate("cpu", 1 << 40).parts)["data"] - MEMORY_FLOATS * 4
    assert counted == path.numel() * path.element_size() == 13 * (784 * 30 + 30 + 30 * 10 + 10 + 10 * 10 + 10) * 4
    assert too_large(LandscapeJob(hidden=((250,),), steps=500, grid=81), "cpu", 300 << 20) is not None


@pytest.mark.parametrize(
    "job",
    [
        OverparamJob(DEEP, inits=10),
        TrainJob(TrainConfig(hidden=DEEP, batch_size=4096)),
        MinibatchJob((60000,), (0.1,)),
        CostJob((100,), (50000,)),
        LandscapeJob(hidden=((250,),), steps=500, grid=81),
    ],
    ids=["section 5", "bonus", "section 6.2", "section 6.1", "section 5 real landscape"],
)
def test_the_refusal_and_warning_thresholds_are_fractions_of_the_free_memory(job):
    peak = job.estimate("cpu", 1 << 45).peak_bytes
    assert peak == sum(size for _, size in job.estimate("cpu", 1 << 45).parts)
    fits, too_big = int(peak / REFUSE_FRACTION) + 1, int(peak / REFUSE_FRACTION) - 1
    assert too_large(job, "cpu", fits) is None and job.estimate("cpu", fits).verdict == "warn"
    refusal = too_large(job, "cpu", too_big)
    assert isinstance(refusal, TooLarge) and "this computer" in str(refusal) and "would not fit" in str(refusal)
    on_gpu = job.estimate("cuda", 1 << 45).peak_bytes  # the same parts but CUDA's library workspace
    assert too_large(job, "cuda", int(on_gpu / REFUSE_FRACTION) + 1) is None
    assert "the GPU has" in str(too_large(job, "cuda", int(on_gpu / REFUSE_FRACTION) - 1))
    roomy = int(peak / WARN_FRACTION) + 1
    assert job.estimate("cpu", roomy).verdict in ("ok", "warn") and too_large(job, "cpu", roomy) is None
    assert job.estimate("cpu", int(peak / WARN_FRACTION) - 1).reason == "more than half the free memory"


def test_the_bonus_counts_its_optimizer_batch_and_epochs():
    adam = TrainJob(TrainConfig(hidden=WIDE, optimizer="Adam")).estimate("cpu", 1 << 40)
    sgd = TrainJob(TrainConfig(hidden=WIDE, optimizer="SGD")).estimate("cpu", 1 << 40)
    rms = TrainJob(TrainConfig(hidden=WIDE, optimizer="RMSprop", momentum=0.9)).estimate("cpu", 1 << 40)
    params = dict(adam.parts)["parameters"]
    assert dict(adam.parts)["optimizer state"] == 2 * params and "optimizer state" not in dict(sgd.parts)
    assert dict(rms.parts)["optimizer state"] == 2 * params  # square averages and the momentum buffer
    big = TrainJob(TrainConfig(hidden=WIDE, batch_size=4096)).estimate("cpu", 1 << 40)
    assert dict(big.parts)["activations"] == 64 * dict(adam.parts)["activations"]
    longer = TrainJob(TrainConfig(hidden=WIDE, epochs=20)).estimate("cpu", 1 << 40)
    assert 8 * adam.seconds < longer.seconds < 10 * adam.seconds  # ten times the epochs; the final scoring once
    assert "smaller batch size" in TrainJob(TrainConfig(hidden=DEEP, batch_size=4096)).estimate("cpu", 1).message


def light_context(free: int | None, subset=None):
    """A stand-in engine context whose device is the CPU with `free` bytes free."""
    return SimpleNamespace(device_kind="cpu", free_memory=lambda: free, subset=subset)


def test_the_engine_refuses_a_job_that_cannot_fit_before_computing_anything(subset):
    refused = list(run_job(OverparamJob(WIDE, steps=50, inits=5), RunEnv(light_context(1 << 30))))
    assert len(refused) == 1 and isinstance(refused[0], Failed)  # no OverparamStart: nothing was built
    assert "1.0 GB free: it would not fit" in refused[0].message and "fewer inits" in refused[0].message
    ran = list(run_job(OverparamJob((10,), steps=50, inits=5, seed=0), RunEnv(light_context(1 << 30, subset))))
    assert isinstance(ran[0], OverparamStart) and not any(isinstance(e, Failed) for e in ran)


def test_the_engines_free_memory_is_its_settings_figure_or_the_devices():
    told = EngineContext(EngineSettings(device="cpu", free_memory=123 << 20))
    assert (told.device_kind, told.free_memory()) == ("cpu", 123 << 20)
    ram = EngineContext(EngineSettings(device="cpu")).free_memory()
    total = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    assert ram is not None and 0 < ram <= total
    failed = list(run_job(OverparamJob(DEEP), RunEnv(told)))
    assert [type(e) for e in failed] == [Failed] and "123.0 MB free" in failed[0].message


def test_the_screens_guess_the_device_the_engine_reported():
    executor = ProcessExecutor(EngineSettings(device="auto"))
    assert executor.device_memory() == ("cpu", None)  # before the engine has said: the CPU, RAM read when needed
    engine = Engine("reference", conn=None, log=Path("/dev/null"), token="")  # type: ignore[arg-type]
    executor._reference = engine
    engine.note(Ready("cuda: NVIDIA H200", 1, 1, "cuda", 5 << 30))
    assert executor.device_memory() == ("cuda", 5 << 30)  # only the engine can ask CUDA
    assert ProcessExecutor(EngineSettings(device="cuda")).device_memory() == ("cuda", None)  # unknown: not refused
    assert ProcessExecutor(EngineSettings(free_memory=7)).device_memory() == ("cpu", 7)
    assert LocalExecutor(EngineSettings(device="cpu", free_memory=9)).device_memory() == ("cpu", 9)


@pytest.mark.gpu
def test_on_cuda_section_5s_estimate_holds_its_peak_and_the_engine_reads_the_gpus_free_memory(subset):
    import torch

    from engine.sections.nonconvex import overparam_events

    context = EngineContext(EngineSettings(device="cuda"))
    free, _ = torch.cuda.mem_get_info()
    assert context.device_kind == "cuda" and context.free_memory() >= free  # plus what torch's cache holds unused
    x, y = (t.to("cuda") for t in subset)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    events = list(overparam_events(x, y, WIDE, max_steps=2, num_inits=7, seed=0))  # the real compute, two steps
    torch.cuda.synchronize()
    measured = torch.cuda.max_memory_allocated() - base
    needs = OverparamJob(WIDE, steps=50).estimate("cuda", free)
    predicted = needs.peak_bytes - dict(needs.parts)["library workspace"]  # cuBLAS's workspace is not a tensor
    assert not any(isinstance(e, Failed) for e in events)
    assert predicted == pytest.approx(measured, rel=0.25)
