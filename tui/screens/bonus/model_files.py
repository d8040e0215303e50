"""The Bonus screen's model files: w saves the model the engine holds, o evaluates a saved one."""

from __future__ import annotations

from pathlib import Path

from engine.contracts.bonus import EvaluateJob, SavedModel, SaveJob
from engine.events import Failed

from ...dialogs.path import PathDialog
from ...widgets.bonus.live import LiveRun
from .sweep import SweepTab


def default_folder() -> Path:
    """The learner's data folder (created: the dialogs require an existing folder)."""
    from engine.paths import data_dir  # torch-free

    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class ModelFiles(SweepTab):
    """BonusScreen's base: the run on the Train tab (`live`) and saving or evaluating its model."""

    @property
    def live(self) -> LiveRun:
        return self.memory.live

    @live.setter
    def live(self, live: LiveRun) -> None:
        self.memory.live = live

    def _begin(self, live: LiveRun) -> None:
        raise NotImplementedError  # BonusScreen's: the Train tab shows a new run

    def why_not(self, action: str) -> str:
        raise NotImplementedError  # BonusScreen's: why a dimmed key cannot act now

    def can_save(self) -> bool:
        """A training run has ended after training something that did not diverge, and the engine holds its model."""
        live = self.live
        ended = live.done in ("completed", "stopped", "cancelled", "left") and live.diverged_at is None
        return live.token is not None and live.steps > 0 and ended and not self.busy("train")

    def _save_events(self, events: list) -> None:
        for ev in events:
            if isinstance(ev, SavedModel):
                self.live.saved_to = ev.path
                self.notify(f"Model saved to {ev.path}", title="Saved", timeout=6)
            elif isinstance(ev, Failed):
                self.notify(ev.message, title="Not saved", severity="error", timeout=8)

    def action_save(self) -> None:
        if not self.can_save():
            self.notify(self.why_not("save"), timeout=4)
            return
        token = self.live.token or ""
        default = self.live.saved_to or str(default_folder() / "my_model.pt")

        def chosen(result: tuple[Path, bool] | None) -> None:
            if result is not None:
                path, overwrite = result
                self.start_run(SaveJob(str(path), overwrite, token), group="save")

        self.app.push_screen(
            PathDialog("Save your model", default, help="A PyTorch state dict; its settings go next to it (.json)."),
            chosen,
        )

    def action_load(self) -> None:
        if self.busy():
            self.notify("A run is in progress: Escape stops it first.", timeout=3)
            return
        default = self.live.saved_to or str(default_folder() / "my_model.pt")

        def chosen(result: tuple[Path, bool] | None) -> None:
            if result is not None:
                path = result[0]
                self._begin(LiveRun(status=f"Evaluating {path.name} and the benchmark…", evaluating_only=True))
                self.start_run(EvaluateJob(str(path)), group="train")

        self.app.push_screen(
            PathDialog(
                "Evaluate a saved model",
                default,
                must_exist=True,
                help="A model saved here with w (its .json settings next to it).",
            ),
            chosen,
        )
