"""A damaged exercises.py: every check says which file and what to do, runs nothing it cannot, changes nothing."""

from __future__ import annotations

import pytest

from engine.exercises import catalog, checker, workspace
from engine.exercises.learner import LearnerCodeError, load_learner_function

from .damage import KINDS, damage

FIX_WORDS = ("e opens it", "add it back", "press e", "fresh copy")


def good_file(folder):
    path = folder / "exercises.py"
    path.write_text(workspace.HEADER + "\n\n" + catalog()["gradient_update"]["solution"])
    return path


@pytest.mark.parametrize("kind", [*KINDS, "wrong shape"])
def test_a_damaged_exercise_file(tmp_path, kind):
    path = good_file(tmp_path)
    if kind == "wrong shape":  # valid Python, but the function is not one
        bad = b"gradient_update = 5\n"
        path.write_bytes(bad)
    else:
        bad = damage(path, kind)
    state = workspace.read(path)  # never raises
    report = checker.check(path, "gradient_update", timeout=5)  # never raises
    assert report.status in ("error", "missing") and not report.passed
    assert "exercises.py" in report.summary and any(w in report.summary for w in FIX_WORDS), report.summary
    assert path.read_bytes() == bad  # the learner's file is never rewritten
    with pytest.raises(LearnerCodeError) as err:  # and the demos fall back to the reference with a reason
        load_learner_function(path, "gradient_update")
    assert "exercise file" in str(err.value)
    if kind in ("non-UTF-8", "garbage"):
        assert "not UTF-8 text" in report.summary and state.syntax_error
