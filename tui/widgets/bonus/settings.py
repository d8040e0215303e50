"""The Bonus training settings: optimizer, its hyper-parameters, batch, epochs, schedule, augmentation, hidden sizes
and seed."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from engine.contracts.bonus import (
    ALPHA,
    AUGMENTATIONS,
    BATCH_SIZE,
    BETA1,
    BETA2,
    DEFAULTS,
    EPOCHS,
    LR,
    MOMENTUM,
    OPTIMIZERS,
    SCHEDULES,
    WEIGHT_DECAY,
    TrainConfig,
)
from engine.contracts.recipes import FIRST_TRIES

from ...typed_text import LIST_CHARS, BoundedInput
from ...validation import FuncValidator, parse_hidden, parse_seed
from ..cycler import Cycler
from ..field_input import FieldInput
from ..focus_style import FocusStylesSelf, FocusWithinStylesSelf
from ..stepper import Stepper

NOTES = {  # what each optimizer does, in a line the settings column can hold
    "SGD": "w ← w − lr·g",
    "SGD momentum": "v ← m·v + g;  w ← w − lr·v",
    "Nesterov": "momentum, gradient looked ahead",
    "RMSprop": "lr / √(α-average of g²)",
    "Adagrad": "lr / √(sum of all past g²)",
    "Adam": "momentum β1 + RMSprop β2",
    "AdamW": "Adam, weight decay decoupled",
}
DEFAULTS_TEST = FIRST_TRIES["defaults"][1].test_acc  # what the defaults measured here (the course's: 83%)
HYPER = ("momentum", "alpha", "beta1", "beta2", "weight_decay")


def hyper_steppers() -> list[Stepper]:
    """One stepper per numeric setting, from the contract's ranges (the course's defaults)."""
    return [
        Stepper("lr", **LR.stepper_args(), id="lr"),
        Stepper("momentum", **MOMENTUM.stepper_args(), id="momentum"),
        Stepper("alpha", **ALPHA.stepper_args(), fmt=".3f", id="alpha"),
        Stepper("beta1", **BETA1.stepper_args(), id="beta1"),
        Stepper("beta2", **BETA2.stepper_args(), fmt=".4f", id="beta2"),
        Stepper("w. decay", **WEIGHT_DECAY.stepper_args(), id="weight_decay"),
        Stepper("batch", **BATCH_SIZE.stepper_args(), id="batch_size"),
        Stepper("epochs", **EPOCHS.stepper_args(), typed_max=EPOCHS.highest, id="epochs"),
    ]


def schedule_note(schedule: str, optimizer: str) -> str:
    """What the schedule does, in a line the settings column can hold."""
    if schedule == "one-cycle" and optimizer in ("Adam", "AdamW"):
        return "lr/25 → lr in 20% → ~0; β1 ±0.05"
    return SCHEDULES[schedule]


class TextSetting(Horizontal):
    """A label, a validated one-line Input, and the reason it is invalid right below."""

    def __init__(self, label: str, value: str, parse, *, id: str) -> None:
        super().__init__(id=f"{id}-setting")
        self.parse = parse
        self.input = FieldInput(
            value,
            compact=True,
            validators=[FuncValidator(parse)],
            validate_on=["changed", "submitted"],
            id=id,
            select_on_focus=False,
            max_length=LIST_CHARS,
        )
        self.error = Static("", markup=False, classes="setting--error")
        self.label = label

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="setting--label")
        yield self.input
        yield self.error

    @on(BoundedInput.Clipped)
    def _clipped(self, event: BoundedInput.Clipped) -> None:
        event.stop()
        self.error.update(event.reason)
        self.error.display = True

    @on(Input.Changed)
    def _show(self, event: Input.Changed) -> None:
        result = event.validation_result
        message = "" if result is None or result.is_valid else "; ".join(result.failure_descriptions)
        self.error.update(message)
        self.error.display = bool(message)

    def value(self):
        """The parsed value; ValueError (with the message shown) when invalid."""
        return self.parse(self.input.value)


class SettingsPanel(FocusWithinStylesSelf, FocusStylesSelf, VerticalScroll):
    """Every setting of a run; `config()` returns them as TrainConfig keyword arguments."""

    def __init__(
        self,
        kept: dict | None = None,
        *,
        weigh: Callable[[dict], tuple[str, bool]] | None = None,
        id: str | None = None,
    ) -> None:
        """`kept`: a snapshot() to show instead of the defaults; the panel keeps it up to date, in place.
        `weigh(config)`: what the settings would cost, said under Start ("" when light; True: refused)."""
        super().__init__(id=id)
        self.weigh = weigh
        self.border_title = "settings"
        self.steppers: dict[str, Stepper] = {s.id: s for s in hyper_steppers() if s.id}  # each has one
        self.kept = {} if kept is None else kept
        for name, stepper in self.steppers.items():
            if isinstance(self.kept.get(name), (int, float)):
                stepper.set_value(self.kept[name])

    def compose(self) -> ComposeResult:
        optimizer = self.kept.get("optimizer")
        optimizer = optimizer if optimizer in OPTIMIZERS else DEFAULTS.optimizer
        hidden = self.kept.get("hidden", ", ".join(map(str, DEFAULTS.hidden)))
        yield Cycler("optimizer", list(OPTIMIZERS), optimizer, id="optimizer")
        yield Static(NOTES[optimizer], id="opt-note", markup=False)
        yield from self.steppers.values()
        schedule = str(self.kept.get("schedule")) if self.kept.get("schedule") in SCHEDULES else DEFAULTS.schedule
        yield Cycler("schedule", list(SCHEDULES), schedule, id="schedule")
        yield Static(schedule_note(schedule, optimizer), id="schedule-note", classes="setting--note", markup=False)
        augment = str(self.kept.get("augment")) if self.kept.get("augment") in AUGMENTATIONS else DEFAULTS.augment
        yield Cycler("augment", list(AUGMENTATIONS), augment, id="augment")
        yield Static(AUGMENTATIONS[augment], id="augment-note", classes="setting--note", markup=False)
        yield TextSetting("hidden", hidden, parse_hidden, id="hidden")
        yield TextSetting("seed", self.kept.get("seed", str(DEFAULTS.seed)), parse_seed, id="seed")
        yield Button("Start  (s)", id="start", compact=True, variant="primary")
        yield Static("", id="settings-cost", markup=False)
        yield Static("", id="settings-error", markup=False)
        yield Static(
            f"These are the course's defaults: Adam with lr 1e-5 reaches only about {DEFAULTS_TEST:.0%} test "
            "accuracy in 2 epochs. Change them and beat the benchmark (b: its recipe, or a shorter one).",
            id="settings-tip",
        )

    def on_mount(self) -> None:
        self.show_error("")
        self._show_applicable()
        self._show_tip()
        self._show_cost()

    @property
    def optimizer(self) -> str:
        return self.query_one("#optimizer", Cycler).value

    @on(Cycler.Changed, "#optimizer")
    @on(Cycler.Changed, "#schedule")
    @on(Cycler.Changed, "#augment")
    def _choice_changed(self) -> None:
        self._show_applicable()

    @on(Cycler.Changed)
    @on(Stepper.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        self._remember()

    def snapshot(self) -> dict:
        """Every setting as shown: the optimizer, the steppers' values, the hidden sizes and seed as typed."""
        values: dict = {"optimizer": self.optimizer}
        values.update({name: stepper.value for name, stepper in self.steppers.items()})
        values["schedule"] = self.query_one("#schedule", Cycler).value
        values["augment"] = self.query_one("#augment", Cycler).value
        values["hidden"] = self.query_one("#hidden", Input).value
        values["seed"] = self.query_one("#seed", Input).value
        return values

    def _remember(self) -> None:
        self.kept.clear()
        self.kept.update(self.snapshot())
        self._show_tip()
        self._show_cost()

    def _show_cost(self) -> None:
        """The run's estimated memory and time under Start, while they are worth a warning (as they change)."""
        config, _ = self.config()
        text, refused = self.weigh(config) if self.weigh is not None and config is not None else ("", False)
        self.show_cost(text, refused)

    def show_cost(self, text: str, refused: bool = False) -> None:
        cost = self.query_one("#settings-cost", Static)
        cost.update(text)
        cost.set_class(refused, "-refused")
        cost.display = bool(text)

    def is_default(self) -> bool:
        """The settings are the course's (however the same hidden sizes and seed are written)."""
        config, _ = self.config()
        return config is not None and TrainConfig(**config) == DEFAULTS

    def _show_tip(self) -> None:
        """The hint about the course's defaults is true only while they are what the panel shows."""
        self.query_one("#settings-tip", Static).display = self.is_default()

    def _show_applicable(self) -> None:
        """Only the hyper-parameters the chosen optimizer uses are shown; the note says what it does."""
        applies = OPTIMIZERS[self.optimizer]
        for name in HYPER:
            self.steppers[name].display = name in applies
        self.query_one("#opt-note", Static).update(NOTES[self.optimizer])
        schedule = self.query_one("#schedule", Cycler).value
        self.query_one("#schedule-note", Static).update(schedule_note(schedule, self.optimizer))
        self.query_one("#augment-note", Static).update(AUGMENTATIONS[self.query_one("#augment", Cycler).value])

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter goes on to the next setting, never onto a button: from the last field it moved to Start,
        and a second Enter started training (the screen says s starts)."""
        event.stop()
        chain = self.screen.focus_chain
        following = chain[chain.index(event.input) + 1 :] if event.input in chain else []
        if following and not isinstance(following[0], Button) and following[0] in self.query("*"):
            following[0].focus()

    def show_error(self, message: str) -> None:
        error = self.query_one("#settings-error", Static)
        error.update(message)
        error.display = bool(message)

    def config(self) -> tuple[dict | None, list[str]]:
        """(TrainConfig keyword arguments, []) or (None, the reasons the typed text is invalid)."""
        errors, values = [], {}
        for key, setting in (("hidden", "#hidden-setting"), ("seed", "#seed-setting")):
            try:
                values[key] = self.query_one(setting, TextSetting).value()
            except ValueError as exc:
                errors.append(f"{key}: {exc}")
        if errors:
            return None, errors
        config: dict[str, object] = {"optimizer": self.optimizer}
        config["schedule"] = self.query_one("#schedule", Cycler).value
        config["augment"] = self.query_one("#augment", Cycler).value
        for name, stepper in self.steppers.items():
            config[name] = int(stepper.value) if stepper.integer else float(stepper.value)
        config["hidden"] = tuple(values["hidden"])
        config["seed"] = values["seed"]
        return config, []

    def apply(self, config: dict) -> None:
        """Show a run's settings (to repeat or vary it); unknown keys are ignored."""
        if config.get("optimizer") in OPTIMIZERS:
            self.query_one("#optimizer", Cycler).value = config["optimizer"]
        for key, choices in (("schedule", SCHEDULES), ("augment", AUGMENTATIONS)):  # older runs had neither
            self.query_one(f"#{key}", Cycler).value = (
                config[key] if config.get(key) in choices else getattr(DEFAULTS, key)
            )
        for name, stepper in self.steppers.items():
            if isinstance(config.get(name), (int, float)):
                stepper.set_value(config[name])
        if "hidden" in config:
            self.query_one("#hidden", Input).value = ", ".join(str(h) for h in config["hidden"])
        if "seed" in config:
            self.query_one("#seed", Input).value = str(config["seed"])
        self._show_applicable()
        self._remember()
