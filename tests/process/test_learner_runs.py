"""Learner code runs in a fresh engine process per run: what it patches never reaches the reference engine, what
it starts (setsid'd, double-forked) dies with its run and with the app, and a file it writes has a size limit."""

from __future__ import annotations

import contextlib
import os
import signal
import textwrap
from pathlib import Path

from engine.context import Limits
from engine.contracts.bonus import Evaluation, HistoryAdded, TrainConfig, TrainJob
from engine.contracts.conditioning import MomentumDemoJob
from engine.events import Failed
from engine.exercises import catalog, workspace
from engine.history import RunHistory
from engine.proctree import alive, state_of
from tui import engine_process
from tui.engine_process import SILENT_LIMIT, exit_description

from ..learner_code import SPAWNER
from .executors import engine_pid, make_executor, start, wait_until

MOMENTUM = catalog()["momentum_update"]["solution"]
QUICK = TrainConfig(lr=1e-3, train_limit=500, batch_size=50, epochs=1, val_every=5, hidden=(20,))

# At the top of the learner's file: what the issue found leaking into the reference engine.
PATCHING = """
import torch
torch.optim.Adam.step = lambda self, closure=None: None
torch.set_default_dtype(torch.float64)
"""

# A setsid'd grandchild and a sleeper started at import; their pids go to PID_DIR (set by learner_file).
SPAWNING = SPAWNER + "\n_spawn(PID_DIR)\n"

LOOPING = "\ndef momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):\n    while True:\n        pass\n"


def learner_file(tmp_path, source: str):
    path = tmp_path / "exercises.py"
    path.write_text(workspace.HEADER + f"\nPID_DIR = {str(tmp_path)!r}\n" + textwrap.dedent(source))
    return {"momentum_update": str(path)}


def test_a_patching_file_leaves_the_bonus_reference_at_its_clean_accuracy(tmp_path):
    executor = make_executor(tmp_path)
    bonus = TrainJob(QUICK, evaluate_benchmark=False)
    try:
        reference = engine_pid(executor)
        clean = start(executor, bonus)[1].until_final()
        start(executor, MomentumDemoJob(steps=50, learner=learner_file(tmp_path, PATCHING + MOMENTUM)))[1].until_final()
        events = start(executor, bonus)[1].until_final()
        assert engine_pid(executor) == reference  # the same engine ran both, and was never patched
    finally:
        executor.shutdown()
    clean_acc = next(e for e in clean if isinstance(e, Evaluation)).rows[0].test_acc
    acc = next(e for e in events if isinstance(e, Evaluation)).rows[0].test_acc
    assert acc == clean_acc and clean_acc > 0.3  # Adam.step patched to do nothing: ~0.1
    [added] = [e for e in events if isinstance(e, HistoryAdded)]
    assert RunHistory().get(added.run_id).final["test_acc"] == clean_acc  # the stored run too


def _pids(folder) -> list[int]:
    return [int((folder / name).read_text()) for name in ("grandchild", "sleeper")]


def test_what_learner_code_starts_dies_with_its_run_and_with_the_app(tmp_path):
    executor = make_executor(tmp_path)
    try:
        reference = engine_pid(executor)
        events = start(executor, MomentumDemoJob(steps=50, learner=learner_file(tmp_path, SPAWNING + MOMENTUM)))[1]
        assert not isinstance(events.until_final()[-1], Failed)
        pids = _pids(tmp_path)
        wait_until(lambda: not any(alive(p) for p in pids), 3.0)  # the run is over: so is all it started
        for name in ("grandchild", "sleeper"):
            (tmp_path / name).unlink()
        start(executor, MomentumDemoJob(steps=50, learner=learner_file(tmp_path, SPAWNING + LOOPING)))
        wait_until(lambda: all((tmp_path / n).exists() for n in ("grandchild", "sleeper")), 30)
        pids = _pids(tmp_path)
        assert all(alive(p) for p in pids) and alive(reference)
    finally:
        executor.shutdown()  # the app quits mid-run
    assert not [p for p in [*pids, reference] if alive(p)]


def test_a_large_write_is_stopped_at_the_file_size_limit_with_a_message(tmp_path):
    big = tmp_path / "big.bin"
    writing = f"""
with open({str(big)!r}, "wb") as f:
    for _ in range(2048):  # 2 GB, a megabyte at a time
        f.write(bytes(1 << 20))
"""
    executor = make_executor(tmp_path, limits=Limits(file_bytes=4 << 20))
    try:
        events = start(executor, MomentumDemoJob(steps=50, learner=learner_file(tmp_path, writing + MOMENTUM)))[1]
        last = events.until_final(30)[-1]
    finally:
        executor.shutdown()
    assert isinstance(last, Failed) and "reached the size limit (4.0 MB)" in last.message, last
    assert big.stat().st_size <= 4 << 20


def test_a_suspended_spare_engine_is_not_given_the_learners_run(tmp_path):
    executor = make_executor(tmp_path)
    try:
        executor.warm_up(lambda label, error: None)  # the reference engine, and a learner engine standing ready
        spare = executor._spare
        assert spare is not None and spare.spawned.wait(30) and spare.ready.wait(30)
        os.kill(spare.pid, signal.SIGSTOP)  # the run must not sit on it until the watch notices (2 s)
        wait_until(lambda: state_of(spare.pid) == "T", 30)
        events = start(executor, MomentumDemoJob(steps=50, learner=learner_file(tmp_path, MOMENTUM)))[1]
        assert not isinstance(events.until_final(SILENT_LIMIT)[-1], Failed)
        wait_until(lambda: not alive(spare.pid), 3.0)  # and it was ended, not left suspended
    finally:
        executor.shutdown()


def test_what_learner_code_prints_never_meets_the_size_limit_through_the_engines_log(tmp_path):
    """engine.log had grown past the file size limit (prints of earlier runs): every print of a learner run
    failed with "File too large", as if the learner's code had written a large file."""
    (tmp_path / "engine.log").write_bytes(bytes(5 << 20))
    executor = make_executor(tmp_path, limits=Limits(file_bytes=4 << 20))
    try:
        printing = 'print("x" * 100_000)\n'  # past the output buffer: written at once
        events = start(executor, MomentumDemoJob(steps=50, learner=learner_file(tmp_path, printing + MOMENTUM)))[1]
        last = events.until_final(30)[-1]
    finally:
        executor.shutdown()
    assert not isinstance(last, Failed), last
    assert (tmp_path / "engine.log").stat().st_size < (5 << 20) + 10_000


def test_learner_code_runs_under_limits_of_memory_processor_time_and_core_files(tmp_path):
    hungry = "\nheld = bytearray(3 << 30)  # 3 GB at import\n"
    # What the learner's code runs under, said through its run's failure (no second of processor time burnt).
    telling = "\nimport resource as r\nraise ValueError([r.getrlimit(x)[0] for x in (r.RLIMIT_CPU, r.RLIMIT_CORE)])\n"
    executor = make_executor(tmp_path, limits=Limits(memory=256 << 20, cpu_seconds=7))
    try:
        events = start(executor, MomentumDemoJob(steps=50, learner=learner_file(tmp_path, hungry + MOMENTUM)))[1]
        oom = events.until_final(30)[-1]
        events = start(executor, MomentumDemoJob(steps=50, learner=learner_file(tmp_path, telling + MOMENTUM)))[1]
        told = events.until_final(30)[-1]
    finally:
        executor.shutdown()
    assert isinstance(oom, Failed) and "could not be imported (MemoryError" in oom.message, oom
    assert isinstance(told, Failed) and "ValueError: [7, 0]" in told.message, told
    assert exit_description(-signal.SIGXCPU) == "it was ended by SIGXCPU: it used up its processor time"


def test_a_cold_idle_reference_engine_is_swapped_for_a_warm_fork_unless_it_holds_a_model(tmp_path, monkeypatch):
    """Engines forked before the template's warm-up cost ~115 MB private each (a class starting at once)."""
    monkeypatch.setattr(engine_process, "RENEW_EVERY", 0.1)
    executor = make_executor(tmp_path, renew_cold=True)
    try:
        old = engine_pid(executor)
        executor._reference.warm = False  # as if forked before the template's warm-up
        wait_until(lambda: executor.pid != old, 30)
        assert engine_pid(executor) == executor.pid and executor._reference.warm
        wait_until(lambda: not alive(old), 30)
        assert executor.restarts == 0 and executor.restart_reasons == []  # unseen by the learner
        start(executor, TrainJob(QUICK, evaluate_benchmark=False))[1].until_final()  # the model stays in it
        kept = executor.pid
        tries: list[int] = []  # the watch's looks for a cold engine to swap
        renew = executor._renew
        monkeypatch.setattr(executor, "_renew", lambda now: (tries.append(1), renew(now))[1])
        executor._reference.warm = False
        wait_until(lambda: len(tries) >= 10, 30)  # ten tries' time (RENEW_EVERY apart)
        assert executor.pid == kept and executor._candidate is None
    finally:
        executor.shutdown()


def test_serve_starts_the_template_before_any_app_made_the_cache_folder(tmp_path, monkeypatch):
    """`serve` warms the template before its first tab; on a first start the log's folder did not exist yet, so it
    silently did not, and the first tab waited for a cold template."""
    from engine.template import LINGER_VAR
    from engine.template_client import SOCKET_VAR, ensure_template, release_templates

    cache, sock = tmp_path / "new" / "cache", tmp_path / "template.sock"
    monkeypatch.setenv("OPTCOURSE_CACHE", str(cache))
    monkeypatch.setenv(SOCKET_VAR, str(sock))
    monkeypatch.setenv(LINGER_VAR, "0.1")
    try:
        ensure_template()
        assert sock.exists() and (cache / "engine.log").exists()
    finally:
        release_templates()
        for pid in (p for p in os.listdir("/proc") if p.isdigit()):  # no torch import to wait for
            with contextlib.suppress(OSError):
                if str(sock).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(int(pid), signal.SIGKILL)


def test_a_fork_the_system_refuses_fails_that_engine_not_the_template(tmp_path, monkeypatch):
    """Learner code that forks without end can leave no process to spare: the template's fork raised, and the
    template, with it every engine of every app, ended."""
    import socket as sockets
    from multiprocessing.connection import Connection

    from engine.protocol import Spawn, Spawned
    from engine.settings import EngineSettings
    from engine.template import Template, _Client

    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    ours, theirs = sockets.socketpair()
    template = Template(sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM), linger=1.0)
    client = _Client(Connection(os.dup(theirs.fileno())), theirs)
    monkeypatch.setattr(os, "fork", refused)
    template._spawn(client, Spawn(7, EngineSettings(), "learner", {}, str(tmp_path), str(tmp_path / "log")), [])
    with Connection(ours.detach()) as app:
        assert app.poll(5) and app.recv() == Spawned(7, -1)
    assert template.engines == {}
    template.listener.close()
    client.conn.close()
    theirs.close()


def test_a_reference_engine_the_template_could_not_fork_is_asked_for_again_by_the_next_run(tmp_path):
    from engine.template_client import TemplateError

    from .jobs import PidJob

    executor = make_executor(tmp_path)
    spawn, refusals = executor.host.client.spawn, [TemplateError("the system refused to start another process")]

    def once_refused(*args, **kwargs):
        if refusals:
            raise refusals.pop()
        return spawn(*args, **kwargs)

    executor.host.client.spawn = once_refused  # type: ignore[method-assign]
    try:
        first = start(executor, PidJob())[1].until_final(30)[-1]
        second = start(executor, PidJob())[1].until_final(30)[-1]
    finally:
        executor.shutdown()
    assert not isinstance(first, Failed) or "refused" in first.message  # it may already go to a second engine
    assert not isinstance(second, Failed), second
