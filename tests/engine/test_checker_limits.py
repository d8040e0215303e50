"""A check's limits: what it prints is capped, its memory is limited, and nothing it starts outlives it."""

from __future__ import annotations

import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.exercises import catalog, checker, workspace
from engine.exercises.processes import OutputCap, alive

from ..learner_code import SPAWNER

LIMIT = 3.0
SOLUTION = catalog()["gradient_update"]["solution"]

FLOOD = """
import sys
for i in range(100_000):
    print("line", i)
for _ in range(50):
    sys.stdout.write("x" * (1 << 20) + "\\n")
print("the end")
"""

BODIES = {
    "flood": FLOOD + SOLUTION,
    "spawner": SPAWNER + SOLUTION.replace(":\n", ":\n    _spawn(PID_DIR)\n", 1),
    "spawner looping": SPAWNER
    + "def gradient_update(loss, params, lr=1e-3):\n    _spawn(PID_DIR)\n    while True:\n        pass\n",
    # 2 GB written at import, a megabyte at a time (it passed the check and stayed on disk: issue 18).
    "writer": "import os\nwith open(os.path.join(PID_DIR, 'big.bin'), 'wb') as f:\n"
    "    for _ in range(2048):\n        f.write(bytes(1 << 20))\n" + SOLUTION,
    "memory": "def gradient_update(loss, params, lr=1e-3):\n    big = bytearray(1 << 30)\n    return big\n",
}


@pytest.fixture(scope="module")
def checked(tmp_path_factory, mnist):
    """Each file checked once, side by side; (report, folder, peak Python memory of the flood's check)."""
    folders = {}
    for name, body in BODIES.items():
        folder = tmp_path_factory.mktemp(name.replace(" ", "-"))
        (folder / "exercises.py").write_text(workspace.HEADER + f"\nPID_DIR = {str(folder)!r}\n" + body)
        folders[name] = folder

    def run(name):
        # Only the looping check is meant to time out; the others end on their own, so a loaded
        # machine (the flood prints 51 MB) must not turn them into timeouts.
        kwargs = {"timeout": LIMIT if name == "spawner looping" else 60.0}
        if name == "memory":
            kwargs["memory_limit"] = 512 << 20
        if name == "writer":
            kwargs["file_limit"] = 4 << 20
        return checker.check(folders[name] / "exercises.py", "gradient_update", **kwargs)

    with ThreadPoolExecutor(len(folders) - 1) as pool:
        futures = {n: pool.submit(run, n) for n in folders if n != "flood"}
        tracemalloc.start()
        flood = run("flood")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        reports = {n: f.result() for n, f in futures.items()}
    reports["flood"] = flood
    return reports, folders, peak


def test_a_check_printing_50_mb_keeps_only_its_start_and_end(checked):
    reports, _, peak = checked
    report = reports["flood"]
    assert report.status == "passed", report.summary
    out = report.output
    assert len(out) < 10_000 and peak < 1 << 20, (len(out), peak)  # the app kept < 1 MB of it
    lines = out.splitlines()
    assert lines[0] == "line 0" and lines[-1] == "the end"
    assert "51.0 MB printed in all (100,051 lines)" in out and "lines not shown" in out


def _pids(folder):
    return [int((folder / name).read_text()) for name in ("grandchild", "sleeper")]


@pytest.mark.parametrize("name", ["spawner", "spawner looping"])
def test_nothing_a_check_started_outlives_it(checked, name):
    reports, folders, _ = checked
    assert reports[name].status == ("passed" if name == "spawner" else "timeout"), reports[name].summary
    pids = _pids(folders[name])
    deadline = time.monotonic() + 5
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [(p, Path(f"/proc/{p}/stat").read_text()) for p in pids if alive(p)]


def test_cancelling_ends_the_grandchildren_too(tmp_path, mnist):
    (tmp_path / "exercises.py").write_text(
        workspace.HEADER + f"\nPID_DIR = {str(tmp_path)!r}\n" + BODIES["spawner looping"]
    )
    cancel = threading.Event()

    def cancel_when_spawned():
        deadline = time.monotonic() + 60
        spawned = lambda: all((tmp_path / n).exists() for n in ("grandchild", "sleeper"))
        while not spawned() and time.monotonic() < deadline:
            time.sleep(0.05)
        cancel.set()

    threading.Thread(target=cancel_when_spawned, daemon=True).start()
    report = checker.check(tmp_path / "exercises.py", "gradient_update", timeout=30, cancel=cancel)
    assert report.status == "cancelled"
    assert not [p for p in _pids(tmp_path) if alive(p)]


def test_a_check_using_too_much_memory_is_stopped_with_a_message(checked):
    report = checked[0]["memory"]
    assert report.status == "error"
    assert "more memory than a check may use (512 MB)" in report.summary


def test_a_check_writing_2_gb_is_stopped_at_the_file_size_limit_with_a_message(checked):
    reports, folders, _ = checked
    report = reports["writer"]
    assert report.status == "error", report.summary
    assert "reached the size limit (4.0 MB)" in report.summary, report.summary
    assert (folders["writer"] / "big.bin").stat().st_size <= 4 << 20


def test_the_output_cap_keeps_small_outputs_whole():
    cap = OutputCap()
    cap.feed(b"a\n\nb\n")
    assert cap.text() == "a\nb"
    cap = OutputCap()
    for i in range(30):
        cap.feed(f"{i}\n".encode())
    text = cap.text().splitlines()
    assert text[:4] == ["0", "1", "2", "3"] and text[-1] == "29" and "18 lines not shown" in text[4]
    cap = OutputCap()
    cap.feed(b"y" * 5_000_000)  # one endless line
    assert len(cap.text()) < 1000 and "4.8 MB printed in all (0 lines)" in cap.text()
