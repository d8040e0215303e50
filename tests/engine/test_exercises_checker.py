"""Checking in a separate process: a correct file passes; raising, looping, exiting and crashing code is reported."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.exercises import catalog, checker, workspace

LIMIT = 3.0  # seconds for the learner's code (the app uses 20)

FILES = {
    "correct": catalog()["gradient_update"]["solution"],
    "raising": catalog()["gradient_update"]["stub"].replace("raise NotImplementedError", "raise ValueError"),
    "looping": "def gradient_update(loss, params, lr=1e-3):\n    while True:\n        pass\n",
    "exiting": "import os\n\ndef gradient_update(loss, params, lr=1e-3):\n    print('bye')\n    os._exit(0)\n",
    "crashing": "import ctypes\n\ndef gradient_update(loss, params, lr=1e-3):\n    ctypes.string_at(0)\n",
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory, mnist):
    """Every file checked at once (each check starts its own Python with torch: run them side by side)."""
    paths = {}
    for name, body in FILES.items():
        path = tmp_path_factory.mktemp(name) / "exercises.py"
        path.write_text(workspace.HEADER + "\n\n" + body)
        paths[name] = path
    with ThreadPoolExecutor(len(paths)) as pool:
        futures = {n: pool.submit(checker.check, p, "gradient_update", timeout=LIMIT) for n, p in paths.items()}
        return {n: f.result() for n, f in futures.items()}


def test_a_correct_file_passes(reports):
    report = reports["correct"]
    assert report.status == "passed", report.summary
    assert report.course.ok and all(c.ok for c in report.checks)


def test_a_raising_file_shows_its_traceback(reports):
    report = reports["raising"]
    assert report.status == "error"
    assert "ValueError: Implement gradient_update" in report.error
    assert 'File "exercises.py", line' in report.error and "runner.py" not in report.error


def test_an_endless_loop_is_stopped_by_the_time_limit(reports):
    report = reports["looping"]
    assert report.status == "timeout" and "more than 3 s" in report.summary


def test_os_exit_and_a_segfault_are_reported_as_crashes(reports):
    assert reports["exiting"].status == "crashed" and "exited with code 0" in reports["exiting"].summary
    assert reports["exiting"].output == "bye"  # what their code printed is shown
    assert reports["crashing"].status == "crashed" and "SIGSEGV" in reports["crashing"].summary


def test_the_untouched_stub_is_reported_without_running(tmp_path):
    path = workspace.ensure(tmp_path).path
    report = checker.check(path, "rmsprop_update")
    assert report.status == "error" and "still the stub" in report.summary


def test_a_missing_function_is_reported_without_running(tmp_path):
    path = tmp_path / "exercises.py"
    path.write_text("def something_else():\n    pass\n")
    report = checker.check(path, "momentum_update")
    assert report.status == "missing" and "no function momentum_update" in report.summary
    assert path.read_text() == "def something_else():\n    pass\n"


def test_cancelling_kills_the_check_at_once(tmp_path):
    path = tmp_path / "exercises.py"
    path.write_text(FILES["looping"])
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    report = checker.check(path, "gradient_update", timeout=30, cancel=cancel)
    assert report.status == "cancelled"  # killed when cancelled: its 30 s timeout would say "timeout"
