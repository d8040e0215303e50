"""Every lookup by string resolves: each Job's `compute` ("module:function") and each Section's `screen`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import engine.contracts
from engine.contracts.base import Job
from engine.jobs import compute_function
from tui.screens.section import SectionScreen
from tui.sections import SECTIONS


def job_classes() -> list[type[Job]]:
    """Every Job subclass the contracts define (imported from each contract module, so none is missed)."""
    for info in pkgutil.iter_modules(engine.contracts.__path__, "engine.contracts."):
        importlib.import_module(info.name)
    found, todo = set(), [Job]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("engine.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


JOBS = job_classes()


def test_the_contracts_define_jobs():
    assert len(JOBS) >= 15  # a broken walk would pass the test below vacuously


@pytest.mark.parametrize("job", JOBS, ids=lambda c: f"{c.__module__.rpartition('.')[2]}.{c.__qualname__}")
def test_each_job_compute_names_a_function_of_job_and_env(job: type[Job]):
    assert job.compute, f"{job.__qualname__} names no compute function"
    fn = compute_function(job.__new__(job))  # only the class attribute is read
    assert fn.__module__ == job.compute.partition(":")[0]
    params = list(inspect.signature(fn).parameters.values())
    assert len(params) >= 2 and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params[:2])


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_each_section_screen_names_a_section_screen(section):
    cls = section.screen_class()
    assert isinstance(cls, type) and issubclass(cls, SectionScreen), section.screen
    assert section.screen == f"{cls.__module__}:{cls.__qualname__}"
