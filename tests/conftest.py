"""Shared fixtures: isolated user folders, and MNIST loaded once per test session."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.garbage import tune_gc  # no torch, no textual: cheap to import before the environment is set

# Every test run gets private cache and data folders: tests never touch a learner's real files.
_TMP = Path(tempfile.mkdtemp(prefix="optcourse-tests-"))
os.environ.setdefault("OPTCOURSE_CACHE", str(_TMP / "cache"))
os.environ.setdefault("OPTCOURSE_HOME", str(_TMP / "home"))
os.environ.pop("OPTCOURSE_DATA", None)
# torch (OpenMP) and numpy's BLAS on one thread in the test processes, set before either is imported: three
# workers on two cores, each with a thread per core, spun waiting for each other's threads (Section 5's engine
# tests took 26 s of CPU, 5.6 s on one thread). Engines still set their own count (engine.context).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# For the app processes tests start; apps in this process keep "full" (pytest-textual-snapshot
# imports textual, which reads it, before this file runs).
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
# The engines' warm template stays between tests, so each test's engines are forks (~0.1 s), not cold
# starts (~3 s). Its socket is named after the cache folder, which xdist's workers inherit from the
# controller: they share one template, stopped by the controller once every worker has finished.
os.environ.setdefault("OPTCOURSE_TEMPLATE_LINGER", "60")


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        if os.environ.get("OPTCOURSE_CACHE") != str(_TMP / "cache"):
            shutil.rmtree(_TMP, ignore_errors=True)  # a worker's own folder, unused: it took the controller's
        return  # an xdist worker: the others may still use the template
    from engine.template_client import stop_template

    stop_template()
    if os.environ.get("OPTCOURSE_CACHE") == str(_TMP / "cache"):  # ours, not one given from outside
        shutil.rmtree(_TMP, ignore_errors=True)  # each run left 263 MB behind (the decoded MNIST) and filled /tmp


# The app's collection thresholds (tui.garbage.tune_gc, without its freeze: ~250 apps start in one test
# process); each app start-up ran ~100 young collections at Python's default.
tune_gc(freeze=False)


def share_parsed_css() -> Callable:
    """Every app this test process starts takes its parsed CSS sources from one cache; returns Textual's own parse.

    An app parses each source (the app's CSS files, every widget class's DEFAULT_CSS) once in its life,
    which is once per process for a learner but once per test here: 30-60 ms of CPU of each of the suite's
    ~800 app start-ups. A parse depends on the source, where it was read from and the CSS variables (the
    theme), so those are the key; the rules are read-only once parsed (Textual shares them between the
    parses of one app already). Tests of what an app parses itself use the `own_css_parses` fixture.
    """
    from textual.css.stylesheet import Stylesheet

    own = Stylesheet._parse_rules
    shared: dict[tuple, list] = {}

    def _parse_rules(self, css, read_from, is_default_rules=False, tie_breaker=0, scope=""):
        key = (css, read_from, is_default_rules, tie_breaker, scope)
        rules = self._parse_cache.get(key)
        if rules is None:
            seen = self.__dict__.get("_shared_variables")
            if seen is None or seen[0] is not self._variables:  # set_variables puts a new dict in
                seen = self._shared_variables = (self._variables, tuple(self._variables.items()))
            rules = shared.get((key, seen[1]))
            if rules is None:
                rules = shared[key, seen[1]] = own(self, css, read_from, is_default_rules, tie_breaker, scope)
            else:
                self._parse_cache[key] = rules
        return rules

    Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign]
    return own


_own_parse_rules = share_parsed_css()


@pytest.fixture
def own_css_parses(monkeypatch):
    """Apps parse their CSS themselves, as a learner's does (for tests of what an app parses and when)."""
    from textual.css.stylesheet import Stylesheet

    monkeypatch.setattr(Stylesheet, "_parse_rules", _own_parse_rules)


@pytest.fixture(scope="session")
def mnist():
    """The standardised bundled MNIST on CPU (decoded and verified once per session)."""
    from engine.data import load_mnist

    return load_mnist(device="cpu")


@pytest.fixture(scope="session")
def subset(mnist):
    """The course's 500-example subset (X, y)."""
    from engine.data import course_subset

    return course_subset(mnist)


@pytest.fixture(autouse=True)
def fresh_home(tmp_path, monkeypatch):
    """Each test starts with no saved progress, answers or runs (the MNIST cache is shared)."""
    home = tmp_path / "home"
    monkeypatch.setenv("OPTCOURSE_HOME", str(home))
    return home


# The longest tests (seconds of CPU each, or one app walking every tab), started first: one of them started
# last keeps the suite running on one core while the other workers have finished.
LONG = (
    "tests/tui/test_key_storm.py::test_key_storm[",
    "tests/tui/test_keyboard_audit.py::test_every_tab_by_keyboard[",
    "tests/tui/test_refused_values.py::test_a_refused_value_says_why_in_view[",
    "tests/tui/test_nonconvex_real.py::test_the_job_is_drawn",
    "tests/engine/test_nonconvex.py::test_the_job_runs_the_demo",
)


def long_first(items: list, workers: int) -> list:
    """`items` with the long ones (LONG, or marked slow) dealt to the heads of the runs xdist's worksteal
    hands out first (each worker gets the next len(rest) // workers-left, in order); the others keep their order."""

    def rank(item) -> float:  # the storm first, then the slow engine runs, then the walks of every tab
        ranks = [r + (r > 0) for r, prefix in enumerate(LONG) if item.nodeid.startswith(prefix)]
        return ranks[0] if ranks else 1 if item.get_closest_marker("slow") else -1

    long = sorted((i for i in items if rank(i) >= 0), key=rank)
    others = [i for i in items if i not in set(long)]
    runs: list[list] = [long[w::workers] for w in range(workers)]
    left = len(items)
    for w, run in enumerate(runs):
        size = left // (workers - w)
        left -= size
        take = max(0, size - len(run))
        run += others[:take]
        del others[:take]
    runs[-1] += others
    return [item for run in runs for item in run]


def pytest_collection_modifyitems(config, items):
    """The long tests first (see LONG); tests marked gpu skip, saying why, where PyTorch sees no CUDA device."""
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    items[:] = long_first(items, workers)
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device: PyTorch sees none here")
    for item in gpu_items:
        item.add_marker(skip)
