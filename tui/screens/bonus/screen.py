"""Bonus, "Putting it all together": train your own MLP against this project's benchmark, sweep a setting, and
compare runs."""

from __future__ import annotations

import time

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, TabbedContent, TabPane

from engine.contracts.base import SettingError
from engine.contracts.bonus import (
    HistoryAdded,
    HistoryFailed,
    TrainConfig,
    TrainJob,
    TrainStarted,
)
from engine.events import Done, Failed

from ...runner import EngineRestarted
from ...weigh import Gate, cost_note
from ...widgets.bonus.history import RunsView
from ...widgets.bonus.live import LiveRun
from ...widgets.bonus.settings import SettingsPanel
from ...widgets.bonus.train import TrainView
from ...widgets.header import device_variants
from .model_files import ModelFiles
from .recipes import Recipe, show_recipes
from .sweep import GROUP

TRAIN_ACTIONS = {"smoothing", "log", "save", "load", "recipes"}
SWEEP_ACTIONS = {"best", "sweep_chart"}
# Shown dimmed when they cannot act; pressed, they say why.
DIMMED_KEYS = {"s": "start", "w": "save", "o": "load", "b": "recipes", "t": "best", "p": "best"}
ESCAPE_GRACE_S = 1.0  # an Escape this soon after a stopped run ended was meant for the run, not "go home"


class BonusScreen(ModelFiles):
    """Train tab: settings, live curves, progress, log, final table; Sweep tab: copies side by side; Runs tab: the
    kept runs."""

    BINDINGS = [
        Binding("s", "start", "start"),
        Binding("w", "save", "save model"),
        Binding("o", "load", "load model"),
        Binding("b", "recipes", "recipes"),
        Binding("t", "best(True)", "train best"),
        Binding("p", "best(False)", "best to Train"),
        Binding("v", "sweep_chart", "curves / result", show=False),
        # Shown in the chart legend and in help (?) rather than in the key bar, which has no room left.
        Binding("m", "smoothing", "smoothing on/off", show=False),
        Binding("a", "accuracy", "loss / accuracy / both charts", show=False),
        Binding("l", "log", "log / results table", show=False),
        Binding("y", "log_y", "loss on a log / linear axis", show=False),
    ]
    CSS_PATH = "bonus.tcss"

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.stopping = ""  # "" | "stop" (Escape once: evaluate what was learned) | "skip" (twice: do not)
        self.gate = Gate("s or Start again starts it anyway")  # heavy settings: refused, or started when asked twice
        self._device_line: str | None = None  # the settings panel's subtitle (show_device)

    def compose_demos(self) -> ComposeResult:
        with TabPane("Train", id="train"), Horizontal(id="train-body"):
            yield SettingsPanel(self.memory.settings, weigh=self._cost_of, id="settings")
            view = TrainView(self.memory.live, id="train-view")
            view.log_y = self.memory.log_y
            yield view
        with TabPane("Sweep", id="sweep"), Horizontal(id="sweep-body"):
            yield from self.sweep_widgets()
        with TabPane("Runs", id="runs"):
            runs = RunsView(id="runs-view")
            runs.log_y = self.memory.log_y
            yield runs

    @property
    def view(self) -> TrainView:
        return self.query_one("#train-view", TrainView)

    def active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active

    # -- tabs and keys ------------------------------------------------------------------
    FOCUS = {"train": "#optimizer", "sweep": "#sweep-first", "runs": "#runs-table"}
    BUILT_WITH = {"sweep": ("train",)}  # a sweep varies the Train tab's settings, and its best copy goes back there

    def show_device(self, label: str | None = None) -> None:
        """Where training runs, under the settings (the engine's name for it once a run has started)."""
        label = label or self.app.runner.device_label
        room = self.settings.size.width - 6 if self.settings.size.width else 28  # the border's corners and gaps
        fitted = next((v for v in device_variants(label) if len(v) + 8 <= room), "") if label else ""
        line = f"runs on {fitted}" if fitted else "device: starting…" if not label else ""
        if line != self._device_line:  # Textual repaints the whole panel, its settings too, for any title set
            self._device_line = self.settings.border_subtitle = line

    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id == "train":
            self.show_device()
            if self.view.log_y != self.memory.log_y:  # y was pressed on the Runs tab before this one was built
                self.view.set_log_y(self.memory.log_y)
        if pane_id == "runs":
            if self.runs.log_y != self.memory.log_y:  # y was pressed on the Train tab before this one was built
                self.runs.set_log_y(self.memory.log_y)
            self.runs.reload()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in TRAIN_ACTIONS | SWEEP_ACTIONS | {"start", "accuracy", "log_y"}:
            verdict = self._bonus_action(action, self.active_tab())
            if verdict is not True:
                return verdict
        return super().check_action(action, parameters)

    def _bonus_action(self, action: str, tab: str) -> bool | None:
        """The Bonus's own keys: False off their tabs (hidden), None while they cannot act (dimmed), else True."""
        if action == "log_y":
            return tab in ("train", "runs")
        if action in TRAIN_ACTIONS and tab != "train":
            return False
        if action in ("start", "accuracy") and tab not in ("train", "sweep"):
            return False
        if action in SWEEP_ACTIONS and tab != "sweep":
            return False
        if action in ("load", "recipes", "start") and self.busy():
            return None  # shown dimmed: Escape first
        if action == "save" and not self.can_save():
            return None
        if action == "best" and (self.best_config() is None or self.busy()):
            return None
        return True

    def on_engine_restarted(self, message: EngineRestarted) -> None:
        """The engine that held the last run's model is gone (App.memory was told): the status and keys say so."""
        if self.built("train"):  # else its first showing draws the run as it is
            self.view.show(self.live, {"status"})
        self.refresh_bindings()

    def on_key(self, event: events.Key) -> None:
        """A dimmed key (its binding cannot run) says why instead of doing nothing."""
        action = DIMMED_KEYS.get(event.key)
        if action is not None and self.check_action(action, ()) is None:
            event.stop()
            self.notify(self.why_not(action), timeout=4)

    def why_not(self, action: str) -> str:
        """Why s, o, w, t or p cannot act now, and what to do."""
        live = self.live
        if self.busy():
            return "A run is in progress: Escape stops it first."
        if action == "best":
            return "No best copy yet: a sweep that ends with a validated copy has one (s starts a sweep)."
        if live.diverged_at is not None:
            return "This run diverged: its weights are not finite, so there is nothing worth saving. Train again (s)."
        if live.evaluating_only:
            return "A loaded model is already saved in its file; w saves a model you trained (s)."
        if live.model_lost:
            return "The engine was restarted since this run, and its model with it: train again (s) to save one."
        return "Nothing to save yet: train a model first (s); w saves it once its run has ended."

    def action_smoothing(self) -> None:
        self.view.toggle_smoothing()

    def action_accuracy(self) -> None:
        if self.active_tab() == "sweep":
            self.sweep_view.toggle_metric()
        else:
            self.view.cycle_charts()

    def action_sweep_chart(self) -> None:
        self.sweep_view.toggle_chart()

    def action_best(self, train: bool) -> None:
        self.use_best(train)

    def action_log(self) -> None:
        self.view.toggle_log()

    def action_log_y(self) -> None:
        """Both loss charts (this run's and the Runs overlay) on a log axis, or back; kept across visits."""
        on = self.memory.log_y = not self.memory.log_y
        if self.built("train"):  # a pane not built yet follows memory.log_y when first shown
            self.view.set_log_y(on)
        if self.built("runs"):
            self.runs.set_log_y(on)

    # -- training -----------------------------------------------------------------------
    def _begin(self, live: LiveRun) -> None:
        self.live = live
        self.stopping = ""
        self.view.reset(live)
        self.settings.disabled = True

    def action_start(self) -> None:
        if self.active_tab() == "sweep":
            self.start_sweep()
            return
        if self.busy():
            self.notify("A run is in progress: Escape stops it.", timeout=3)
            return
        config, errors = self.settings.config()
        job = None
        if config is not None:
            try:
                job = self._job(config)
            except SettingError as exc:
                errors = [str(exc)]
        self.settings.show_error("\n".join(errors))
        if job is None:
            self.notify("; ".join(errors), title="Fix the settings first", severity="error", timeout=5)
            return
        verdict = self.gate.check(self.app.runner, job)
        if verdict.text:
            self.settings.show_cost(verdict.text, verdict.error)
        if not verdict.start:
            title = "Too large for this device" if verdict.error else "A heavy setting"
            self.notify(verdict.text, title=title, severity="error" if verdict.error else "warning", timeout=8)
            return
        self._begin(LiveRun(status="Starting: loading MNIST and building the model…"))
        self.start_run(job, group="train")

    def _job(self, config: dict) -> TrainJob:
        """The run the settings describe (SettingError if they cannot)."""
        return TrainJob(TrainConfig(**config, train_limit=self.train_limit))

    def _cost_of(self, config: dict) -> tuple[str, bool]:
        """What a run of `config` would cost, for the settings panel: ("", False) while it is light."""
        try:
            job = self._job(config)
        except SettingError:
            return "", False  # the panel says what is wrong with the settings themselves
        return cost_note(self.app.runner.estimate(job))

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    def action_escape(self) -> None:
        """Once the engine holds the run's model: the first Escape stops after this batch and evaluates,
        the second skips the evaluation (both keep and store what was trained), a third cancels now. A sweep: the
        first stops every copy (each still validated and kept), the second cancels."""
        if self.escape_sweep():
            return
        training = self.busy("train") and self.live.token is not None and not self.live.evaluating_only
        if training and not self.stopping:
            self.request_stop("train")
            self.stopping = "stop"
        elif training and self.stopping == "stop":
            self.skip_rest("train")
            self.stopping = "skip"
        elif not self.running and self.stopped_at is not None and time.monotonic() - self.stopped_at < ESCAPE_GRACE_S:
            self.stopped_at = None  # a double Escape whose run ended first stays here; the next goes home
            self.notify("The run has stopped. Escape again goes back home.", timeout=3)
            return
        else:
            super().action_escape()  # before the model exists, a loaded model's evaluation, or a third Escape
            return
        self.view.show(self.live, set(), stopping=self.stopping)

    def handle_events(self, group: str, events: list) -> None:
        if group == GROUP:
            self.handle_sweep(events)
        elif group == "save":
            self._save_events(events)
        else:
            self._train_events(events)

    def _train_events(self, events: list) -> None:
        changed = self.live.apply(events)
        if any(isinstance(ev, TrainStarted) for ev in events):
            self.settings.apply(self.live.config)  # the panel shows what this run really uses
        if self.live.device:
            self.show_device(self.live.device)
        ended = any(isinstance(ev, (Done, Failed)) for ev in events)
        if ended:
            changed.add("progress")
            if self.stopping:
                self.stopped_at = time.monotonic()
        self.view.show(self.live, changed, "" if ended else self.stopping)
        if any(isinstance(ev, HistoryAdded) for ev in events) and self.built("runs") and self.runs.loaded:
            self.runs.reload()
        for ev in events:
            if isinstance(ev, HistoryFailed):  # also under the status, until the next run
                self.notify(ev.reason, title="This run was not stored", severity="error", timeout=10)
        if ended:
            self._finished()

    def on_unmount(self) -> None:
        # The base screen cancels every run next (Textual calls its on_unmount after this one).
        if self.busy(GROUP):
            self.sweep_memory.live.done = "left"
        if self.busy("train") and not self.live.evaluating_only:
            self.live.done = "left"
        elif self.busy("train"):
            self.live.done = "cancelled"

    def on_cancelled(self, group: str) -> None:
        if group == GROUP:
            self.sweep_cancelled()
        if group == "train":
            self.live.done = "cancelled"
            self.view.show(self.live, {"progress"})
            self._finished()

    def _finished(self) -> None:
        self.stopping = ""
        self.settings.disabled = False
        self.refresh_bindings()
        if self.active_tab() == "train":
            self.query_one("#start").focus()

    # -- recipes ------------------------------------------------------------------------
    def action_recipes(self) -> None:
        """Settings known to work, with what they measured: the benchmark's recipe and shorter ones."""
        if self.busy():
            self.notify("A run is in progress: Escape stops it first.", timeout=3)
            return

        def chosen(recipe: Recipe | None) -> None:
            if recipe is not None:
                self.settings.apply(recipe.config.to_dict())
                self.notify(f"Loaded {recipe.title} ({recipe.summary()}): s trains it.", timeout=6)

        show_recipes(self.app, chosen)

    # -- runs tab -----------------------------------------------------------------------
    @on(RunsView.Reuse)
    async def _reuse(self, message: RunsView.Reuse) -> None:
        if self.busy():
            self.notify("A run is in progress: Escape stops it first.", timeout=3)
            return
        await self.build_pane("train")  # the Runs tab can be shown before the Train tab ever was
        self.settings.apply(message.config)
        self.show_pane("train")
        self.notify("Settings copied from the run: change what you like, then s starts.", timeout=4)
