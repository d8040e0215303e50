"""The demos run the learner's own update rules when the exercise passed and they chose "yours"."""

from __future__ import annotations

from textual.widgets import Static

from tui.screens.conditioning.screen import ConditioningScreen

from .conditioning_app import LEARNER_FILE
from .snap import make_app, settle


async def test_conditioning_demo_runs_the_learners_functions_when_chosen(tmp_path, monkeypatch):
    learner = tmp_path / "exercises.py"
    learner.write_text(LEARNER_FILE)
    monkeypatch.setattr(ConditioningScreen, "AUTO_FOCUS", None, raising=False)
    app = make_app(section="conditioning")
    chosen: list[list[str]] = []

    def learner_functions(section, ids):
        chosen.append(list(ids))
        return {name: str(learner) for name in ids}

    app.course.learner_functions = learner_functions  # as if both exercises passed and "yours" was picked
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("demo")
        await settle(pilot)
        status = str(app.screen.query_one("#status", Static).render())
        assert chosen and chosen[-1] == ["gradient_update", "momentum_update"]
        assert "your gradient_update, momentum_update" in status
        assert "Momentum diverged at iteration" in status  # the learner's sign slip really ran
