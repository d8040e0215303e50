"""Reading the learner's file from several threads at once never raises (CPython 3.11's AST bug)."""

from __future__ import annotations

import gc
import sys
import threading
import time

import pytest

from engine.exercises import editing, workspace


@pytest.fixture
def gil_passing_mid_parse():
    """Collections run Python code and the GIL passes every microsecond: a parse gets interleaved."""

    def during_collection(phase, info):
        time.sleep(0)

    threshold, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.callbacks.append(during_collection)
    gc.set_threshold(50)
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)
    gc.set_threshold(*threshold)
    gc.callbacks.remove(during_collection)


def test_files_read_in_parallel_threads_all_parse(tmp_path, gil_passing_mid_parse):
    path = tmp_path / workspace.FILE_NAME
    path.write_text(workspace.render() * 3)
    errors: list[BaseException] = []
    results: list[workspace.WorkspaceState] = []

    def reader():
        try:
            for _ in range(20):
                results.append(workspace.read(path))
                editing.function_line(path.read_text(), "gradient_update")
        except BaseException as exc:  # noqa: BLE001  the SystemError is what this test looks for
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert len(results) == 80 and all(not r.syntax_error and not r.missing for r in results)
