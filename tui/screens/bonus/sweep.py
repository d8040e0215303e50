"""The Bonus screen's Sweep tab: start a sweep on the Train tab's settings, draw it, stop it, use its best copy."""

from __future__ import annotations

import dataclasses
import time

from textual import on
from textual.widgets import Button

from engine.contracts.base import SettingError
from engine.contracts.bonus import HistoryFailed
from engine.contracts.sweep import SweepJob, SweepPlan, SweepStored
from engine.events import Done, Failed

from ...weigh import Gate, cost_note
from ...widgets.bonus.history import RunsView
from ...widgets.bonus.live import BonusMemory
from ...widgets.bonus.settings import SettingsPanel
from ...widgets.bonus.sweep_live import SweepLive, SweepMemory
from ...widgets.bonus.sweep_panel import SweepPanel
from ...widgets.bonus.sweep_view import SweepView
from ..section import SectionScreen

GROUP = "sweep"


class SweepTab(SectionScreen):
    """BonusScreen's base: what the Bonus keeps between visits, its panes, and the Sweep tab's actions and drawing."""

    train_limit: int | None = None  # tests and quick tries: train on only the first N examples

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.stopped_at: float | None = None  # when the last stopped run or sweep ended (time.monotonic)
        self.sweep_gate = Gate("s or Start sweep again starts it anyway")

    @property
    def memory(self) -> BonusMemory:
        """The settings and last run the app keeps for the Bonus while it runs (this screen is rebuilt per visit)."""
        kept = self.app.memory.get(self.section.key)
        if not isinstance(kept, BonusMemory):
            kept = self.app.memory[self.section.key] = BonusMemory()
        return kept

    @property
    def settings(self) -> SettingsPanel:
        return self.query_one("#settings", SettingsPanel)

    @property
    def runs(self) -> RunsView:
        return self.query_one("#runs-view", RunsView)

    def action_start(self) -> None:
        raise NotImplementedError  # BonusScreen's: a training run of the Train tab's settings

    @property
    def sweep_memory(self) -> SweepMemory:
        return self.memory.sweep

    @property
    def sweep_panel(self) -> SweepPanel:
        return self.query_one("#sweep-panel", SweepPanel)

    @property
    def sweep_view(self) -> SweepView:
        return self.query_one("#sweep-view", SweepView)

    def sweep_widgets(self):
        """The Sweep tab's panel and view, for compose_demos."""
        memory = self.sweep_memory
        yield SweepPanel(memory.fields, base=self._sweep_base, weigh=self._sweep_cost, id="sweep-panel")
        yield SweepView(memory.live, id="sweep-view")

    def _sweep_base(self) -> tuple[dict | None, list[str]]:
        return self.settings.config()

    def _sweep_job(self, plan: SweepPlan) -> SweepJob:
        limit = self.train_limit
        return SweepJob(dataclasses.replace(plan, base=dataclasses.replace(plan.base, train_limit=limit)))

    def _sweep_cost(self, plan: SweepPlan) -> tuple[str, bool]:
        try:
            job = self._sweep_job(plan)
        except SettingError:
            return "", False
        return cost_note(self.app.runner.estimate(job))

    # -- actions --------------------------------------------------------------------------
    def start_sweep(self) -> None:
        if self.busy():
            self.notify("A run is in progress: Escape stops it first.", timeout=3)
            return
        panel = self.sweep_panel
        plan, errors = panel.plan()
        job = None
        if plan is not None:
            try:
                job = self._sweep_job(plan)
            except SettingError as exc:
                errors = [str(exc)]
        if job is None or plan is None:
            panel.show_error("\n".join(errors))
            self.notify("; ".join(errors), title="Fix the sweep first", severity="error", timeout=6)
            return
        verdict = self.sweep_gate.check(self.app.runner, job)
        if verdict.text:
            panel.show_cost(verdict.text, verdict.error)
        if not verdict.start:
            if verdict.error:
                self.notify(verdict.text, title="Too large for this device", severity="error", timeout=8)
            else:
                self.notify(verdict.text, title="A heavy sweep", severity="warning", timeout=8)
            return
        live = self.sweep_memory.live = SweepLive(axes=tuple(k for k, _ in plan.axes), status="Starting the sweep…")
        view = self.sweep_view
        view.reset(live)
        panel.disabled = True
        self.start_run(job, group=GROUP)
        self.refresh_bindings()

    def escape_sweep(self) -> bool:
        """Escape while a sweep runs: the first stops every copy (each is still validated and kept), the second
        cancels at once. False when no sweep runs."""
        if not self.busy(GROUP):
            return False
        view = self.sweep_view
        if not view.stopping:
            self.request_stop(GROUP)
            view.stopping = True
            view.show(self.sweep_memory.live, {"status"})
        else:
            self.cancel_runs(GROUP)
        return True

    def best_config(self) -> dict | None:
        live = self.sweep_memory.live
        best = live.best()
        if best is None:
            return None
        config = live.config_of(best.copy)
        config.pop("train_limit", None)
        return config

    def use_best(self, train: bool) -> None:
        """The best copy's settings into the Train tab; with `train`, a full run of them (scored on the test set)."""
        config = self.best_config()
        if config is None:
            self.notify("No best copy yet: run a sweep first (s).", timeout=4)
            return
        if self.busy():
            self.notify("A run is in progress: Escape stops it first.", timeout=3)
            return
        self.settings.apply(config)
        self.show_pane("train")
        label = next(r.label for r in self.sweep_memory.live.result)
        if train:
            self.action_start()
        else:
            self.notify(f"The best copy's settings ({label}) are in the Train tab: s trains it.", timeout=5)

    # -- events ---------------------------------------------------------------------------
    def handle_sweep(self, events: list) -> None:
        live = self.sweep_memory.live
        changed = live.apply(events)
        view = self.sweep_view
        view.show(live, changed)
        if any(isinstance(ev, SweepStored) for ev in events) and self.built("runs") and self.runs.loaded:
            self.runs.reload()
        for ev in events:
            if isinstance(ev, HistoryFailed):
                self.notify(ev.reason, title="This sweep was not stored", severity="error", timeout=10)
        if any(isinstance(ev, (Done, Failed)) for ev in events):
            self._sweep_finished()

    def sweep_cancelled(self) -> None:
        live = self.sweep_memory.live
        live.done = live.done or "cancelled"
        self.sweep_view.show(live, {"status", "progress"})
        self._sweep_finished()

    def _sweep_finished(self) -> None:
        if self.sweep_view.stopping:
            self.stopped_at = time.monotonic()  # an Escape just after this was meant for the sweep, not "go home"
        self.sweep_view.stopping = False
        self.sweep_panel.disabled = False
        self.refresh_bindings()

    @on(Button.Pressed, "#sweep-start")
    def _sweep_start_pressed(self) -> None:
        self.start_sweep()
