"""The Sweep tab's settings: which one or two settings to vary and their values; every other setting is the
Train tab's."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Static

from engine.contracts.base import SettingError
from engine.contracts.bonus import TrainConfig
from engine.contracts.sweep import MAX_COPIES, SWEEPABLE, SweepPlan, config_field, parse_values

from ..cycler import Cycler
from ..focus_style import FocusStylesSelf, FocusWithinStylesSelf
from .settings import TextSetting

NOTHING = "nothing"
DEFAULT_VALUES = {
    "lr": "1e-5..1e-1 x8",
    "weight_decay": "0, 1e-4, 1e-3, 1e-2",
    "momentum": "0.5, 0.8, 0.9, 0.95",
    "batch_size": "32, 64, 128, 256",
}
NAMES = {"lr": "lr", "weight_decay": "w. decay", "momentum": "momentum", "batch_size": "batch"}  # as the Cycler shows
KEYS = {name: key for key, name in NAMES.items()}
TIP = (
    "Type values as a list (1e-4, 1e-3) or a grid: 1e-5..1e-1 x8 is 8 values evenly spaced on a log axis "
    "(lin at the end: a linear one). Copies that share a batch size train together, in one pass."
)


def base_line(base: TrainConfig) -> str:
    """The Train tab's settings every copy shares, in a line or two."""
    hidden = "-".join(map(str, base.hidden)) or "linear"
    aug = "augmented" if base.augment != "off" else "no augmentation"
    epochs = f"{base.epochs} epoch{'s' if base.epochs != 1 else ''}"
    return f"{base.optimizer}, batch {base.batch_size}, {epochs}, {base.schedule}, {aug}, {hidden}"


class SweepPanel(FocusWithinStylesSelf, FocusStylesSelf, VerticalScroll):
    """The sweep's fields; `plan()` gives the SweepPlan they describe, or the reasons they do not."""

    def __init__(
        self,
        kept: dict | None = None,
        *,
        base: Callable[[], tuple[dict | None, list[str]]],
        weigh: Callable[[SweepPlan], tuple[str, bool]] | None = None,
        id: str | None = None,
    ) -> None:
        """`kept`: the fields as last typed (updated in place); `base()`: the Train tab's settings as TrainConfig
        keyword arguments (or None and why not); `weigh(plan)`: what the sweep would cost ("" when light)."""
        super().__init__(id=id)
        self.border_title = "sweep"
        self.kept = {} if kept is None else kept
        self.base, self.weigh = base, weigh

    def compose(self) -> ComposeResult:
        first = str(self.kept.get("first")) if self.kept.get("first") in SWEEPABLE else "lr"
        second = str(self.kept.get("second")) if self.kept.get("second") in SWEEPABLE else NOTHING
        yield Cycler("vary", list(NAMES.values()), NAMES[first], id="sweep-first")
        yield TextSetting("values", self._text(first), self._parser("first"), id="sweep-values-1")
        names = [NOTHING, *NAMES.values()]
        yield Cycler("and", names, NAMES.get(second, NOTHING), id="sweep-second")
        yield TextSetting("values", self._text(second), self._parser("second"), id="sweep-values-2")
        yield Static("", id="sweep-summary", markup=False)
        yield Button("Start sweep  (s)", id="sweep-start", compact=True, variant="primary")
        yield Static("", id="sweep-cost", markup=False)
        yield Static("", id="sweep-error", markup=False)
        yield Static(TIP, id="sweep-tip", markup=False)

    def on_mount(self) -> None:
        self.refresh_fields()

    # -- reading the fields ---------------------------------------------------------------
    def key(self, which: str) -> str | None:
        name = self.query_one(f"#sweep-{which}", Cycler).value
        return KEYS.get(name)

    def _text(self, key: str | None) -> str:
        if key is None or key == NOTHING:
            return ""
        return self.kept.get(f"values:{key}", DEFAULT_VALUES[key])

    def _optimizer(self) -> str:
        config, _ = self.base()
        return config.get("optimizer", "Adam") if config else "Adam"

    def _parser(self, which: str) -> Callable[[str], tuple]:
        def parse(text: str) -> tuple:
            key = self.key(which) if self.is_mounted else self.kept.get(which)
            if key is None or key not in SWEEPABLE:
                return ()
            try:
                return parse_values(text, key, self._optimizer())
            except SettingError as exc:
                raise ValueError(str(exc)) from None

        return parse

    def plan(self) -> tuple[SweepPlan | None, list[str]]:
        """The sweep the fields describe on the Train tab's settings, or None and what is wrong."""
        config, errors = self.base()
        if config is None:
            return None, [f"the Train tab's settings: {e}" for e in errors]
        axes: list[tuple[str, tuple]] = []
        for which, number in (("first", 1), ("second", 2)):
            key = self.key(which)
            if key is None:
                continue
            try:
                values = parse_values(self.query_one(f"#sweep-values-{number}", Input).value, key, config["optimizer"])
            except SettingError as exc:
                errors.append(f"{SWEEPABLE[key].label}: {exc}")
                continue
            axes.append((key, values))
        if errors:
            return None, errors
        plan = SweepPlan(TrainConfig(**config), tuple(axes))
        problems = plan.problems()
        return (None, problems) if problems else (plan, [])

    # -- showing ---------------------------------------------------------------------------
    @on(Cycler.Changed)
    def _axis_changed(self, event: Cycler.Changed) -> None:
        event.stop()
        for which, number in (("first", 1), ("second", 2)):
            key = self.key(which)
            field = self.query_one(f"#sweep-values-{number}", Input)
            if event.cycler.id == f"sweep-{which}":
                field.value = self._text(key)
        self._remember()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id in ("sweep-values-1", "sweep-values-2"):
            self._remember()

    def _remember(self) -> None:
        for which, number in (("first", 1), ("second", 2)):
            key = self.key(which)
            self.kept[which] = key or NOTHING
            if key is not None:
                self.kept[f"values:{key}"] = self.query_one(f"#sweep-values-{number}", Input).value
        self.refresh_fields()

    def refresh_fields(self) -> None:
        """Show the second values field only with a second setting; say what the sweep will train and cost."""
        second = self.query_one("#sweep-values-2-setting", TextSetting)
        second.display = self.key("second") is not None
        for setting in self.query(TextSetting):  # the rules depend on the setting (and the Train tab's optimizer)
            setting.input.validate(setting.input.value)
        plan, errors = self.plan()
        summary = self.query_one("#sweep-summary", Static)
        if plan is not None:
            batches = {c.batch_size for c in plan.configs()}
            together = "all in one pass" if len(batches) == 1 else f"in {len(batches)} groups, one per batch size"
            summary.update(f"{plan.count} copies, {together}; each: {base_line(plan.base)} (the Train tab's)")
        else:
            summary.update(f"Up to {MAX_COPIES} copies; every other setting is the Train tab's.")
        self.show_error("\n".join(e for e in errors if not self._shown_in_field(e)))
        text, refused = self.weigh(plan) if self.weigh is not None and plan is not None else ("", False)
        self.show_cost(text, refused)

    def _shown_in_field(self, error: str) -> bool:
        """A bad value is said under its own field already."""
        return any(error.startswith(f"{s.label}: ") for s in SWEEPABLE.values()) and "momentum" not in error

    def show_error(self, message: str) -> None:
        error = self.query_one("#sweep-error", Static)
        error.update(message)
        error.display = bool(message)

    def show_cost(self, text: str, refused: bool = False) -> None:
        cost = self.query_one("#sweep-cost", Static)
        cost.update(text)
        cost.set_class(refused, "-refused")
        cost.display = bool(text)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    def field_of(self, key: str) -> str:
        """The TrainConfig field a swept setting sets with the Train tab's optimizer."""
        return config_field(key, self._optimizer())
