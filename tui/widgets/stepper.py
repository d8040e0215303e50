"""A focusable keyboard stepper for one numeric parameter, on a linear or log grid, with typed entry."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from engine.parsing import NumberError, parse_float, parse_int  # torch-free

from ..typed_text import BoundedInput
from .field_input import FieldInput

EDIT_START_CHARS = "0123456789.-"  # keys that open the entry box with themselves typed (default)
VALUE_WIDTH = 6  # the value column's minimum width, so stacked steppers' bars line up


def _tidy(v: float) -> float:
    """Round to 12 significant digits so grid values such as 0.1 + 0.2 print cleanly."""
    return float(f"{v:.12g}")


class StepperEdit(FieldInput):
    """The inline entry box; it owns the Escape binding, so Escape is bound only while editing."""

    BINDINGS = [Binding("escape", "cancel_edit", "cancel")]

    def action_cancel_edit(self) -> None:
        self.query_ancestor(Stepper).cancel_edit()


class StepperTrack(Widget):
    """The `◀ ━━━●─── ▶  value` part of the row; it reads its state from its Stepper."""

    COMPONENT_CLASSES = {"stepper--filled", "stepper--knob", "stepper--empty", "stepper--value"}

    def __init__(self, owner: Stepper) -> None:
        super().__init__()
        self._owner = owner

    def render(self) -> Text:
        owner = self._owner
        value_text = owner.format_value(owner.value)
        ends = (owner.format_value(owner.minimum), owner.format_value(owner.maximum))
        value_width = max(VALUE_WIDTH, len(value_text), *map(len, ends))
        bar = max(3, self.size.width - 6 - value_width)  # a narrow column shortens the bar, never the value
        knob = round(owner.position * (bar - 1))
        style = self.get_component_rich_style
        # A typed value beyond the slider sits at its end, drawn as an arrow pointing past it.
        mark = "»" if owner.value > owner.maximum else "«" if owner.value < owner.minimum else "●"
        return Text.assemble(
            "◀ ",
            ("━" * knob, style("stepper--filled")),
            (mark, style("stepper--knob")),
            ("─" * (bar - knob - 1), style("stepper--empty")),
            " ▶  ",
            (value_text.rjust(value_width), style("stepper--value")),
            no_wrap=True,
        )


class Stepper(Widget, can_focus=True):
    """A numeric control: arrows step along a linear or log grid, Enter or a digit types a value.

    Typed values may go beyond the slider, within [typed_min, typed_max] (default: the slider's
    ends); the arrows and Home/End stay on the slider. `edit_chars` are the keys that open the
    entry box with themselves typed; `jump_keys=False` leaves Home/End to the screen (a player).
    """

    DEFAULT_CSS = """
    Stepper { height: auto; width: 1fr; }
    Stepper > Horizontal { height: 1; }
    Stepper .stepper--label { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    Stepper StepperTrack { width: 1fr; height: 1; }
    Stepper StepperEdit { width: 1fr; display: none; }
    Stepper .stepper--error { height: auto; color: $text-error; display: none; }
    Stepper StepperTrack > .stepper--filled { color: $foreground-muted; }
    Stepper StepperTrack > .stepper--empty { color: $foreground-darken-3; }
    Stepper:focus-within { background: $boost; }
    Stepper:focus-within .stepper--label { color: $accent; text-style: bold; }
    Stepper:focus-within StepperTrack > .stepper--filled { color: $accent; }
    Stepper:focus-within StepperTrack > .stepper--knob { color: $accent; text-style: bold; }
    Stepper:focus-within StepperTrack > .stepper--value { text-style: bold; }
    """

    BINDINGS = [
        Binding("left", "step(-1)", "change", key_display="←/→"),
        Binding("right", "step(1)", "change", show=False),
        Binding("shift+left", "step(-1, True)", "big step", key_display="shift+←/→"),
        Binding("shift+right", "step(1, True)", "big step", show=False),
        Binding("home", "jump(0)", "minimum", show=False),
        Binding("end", "jump(1)", "maximum", show=False),
        Binding("enter", "edit", "type value"),
    ]

    value: reactive[float] = reactive(0.0, init=False)

    class Changed(Message):
        """Posted when the user changes the value, by stepping or by typing it."""

        def __init__(self, stepper: Stepper, value: float) -> None:
            super().__init__()
            self.stepper, self.value = stepper, value

        @property
        def control(self) -> Stepper:  # lets `@on(Stepper.Changed, "#lr")` match by selector
            return self.stepper

    def __init__(
        self,
        label: str,
        value: float,
        minimum: float,
        maximum: float,
        step: float,
        *,
        scale: Literal["linear", "log"] = "linear",
        integer: bool = False,
        fmt: str | None = None,
        big_step: int = 10,
        label_width: int = 10,
        typed_min: float | None = None,
        typed_max: float | None = None,
        edit_chars: str = EDIT_START_CHARS,
        jump_keys: bool = True,
        on_change: Callable[[float], None] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        if not minimum < maximum or step <= 0:
            raise ValueError("need minimum < maximum and step > 0")
        typed_min = minimum if typed_min is None else typed_min
        typed_max = maximum if typed_max is None else typed_max
        if not typed_min <= minimum or not typed_max >= maximum:
            raise ValueError("the typed range must contain the slider's")
        if scale == "log" and typed_min <= 0:
            raise ValueError("a log-scale Stepper needs minimum > 0")
        self.label, self.minimum, self.maximum, self.step = label, minimum, maximum, step
        self.typed_min, self.typed_max = typed_min, typed_max
        self.edit_chars, self.jump_keys = set(edit_chars), jump_keys
        # Called with the new value as the learner changes it, before Changed is posted: a screen that starts work on
        # a change starts it before the frame that moves the slider, not after the message has bubbled up to it.
        self.on_change = on_change
        self.scale, self.integer, self.fmt, self.big_step = scale, integer, fmt, big_step
        self._decimals = max(0, -int(Decimal(repr(step)).as_tuple().exponent))
        self.editing = False
        super().__init__(id=id, classes=classes)
        self._label = Static(Text(label), classes="stepper--label")
        self._label.styles.width = label_width
        self._track = StepperTrack(self)
        self._edit = StepperEdit(compact=True, select_on_focus=False)
        self._error = Static("", markup=False, classes="stepper--error")
        self._error.styles.padding = (0, 0, 0, label_width)
        self.set_value(value)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield from (self._label, self._track, self._edit)
        yield self._error

    @property
    def position(self) -> float:
        """Where the value sits between the ends, in [0, 1] (in exponent space for log scale)."""
        to = math.log10 if self.scale == "log" else float
        position = (to(self.value) - to(self.minimum)) / (to(self.maximum) - to(self.minimum))
        return min(max(position, 0.0), 1.0)

    def format_value(self, v: float) -> str:
        if self.fmt is not None:
            return format(v, self.fmt)
        if self.integer:
            return str(int(v))
        if self.scale == "log":
            text = f"{v:.3g}"
            return f"{v:.0f}" if "e+" in text else text  # 1000, not 1e+03 (κ's end; refusals quote the ends)
        text = f"{v:.{self._decimals}f}"
        # A typed value finer than the step keeps its digits rather than appearing rounded.
        return text if float(text) == v else f"{v:.6g}"

    def validate_value(self, v: float) -> float:
        if not math.isfinite(v):
            return self.minimum
        v = min(max(v, self.typed_min), self.typed_max)
        return int(round(v)) if self.integer else v

    def watch_value(self) -> None:
        self._track.refresh()

    def set_value(self, v: float, *, post: bool = False) -> None:
        """Set the value (clamped); post Changed only when asked to and it did change."""
        old = self.value
        self.value = v
        if post and self.value != old:
            if self.on_change is not None:
                self.on_change(self.value)
            self.post_message(self.Changed(self, self.value))

    def stepped(self, n: int) -> float:
        """The value n grid points away; an off-grid value first moves to the grid point in that direction."""
        log = self.scale == "log"
        to = math.log10 if log else float
        origin = to(self.minimum)
        pos = (to(self.value) - origin) / self.step
        k = round(pos)
        if abs(pos - k) > 1e-9:
            k = math.floor(pos) if n > 0 else math.ceil(pos)
        u = origin + (k + n) * self.step
        return _tidy(10**u if log else u)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While editing, the entry box owns the keys; hide the stepping keys from the Footer.
        if action == "jump" and not self.jump_keys:
            return False  # Home/End go on to the screen
        return not (self.editing and action in ("step", "jump", "edit"))

    def action_step(self, direction: int, big: bool = False) -> None:
        """One grid step (ten with big), kept on the slider; from a typed value beyond it, back onto its end."""
        if self.value > self.maximum:
            target = self.maximum if direction < 0 else self.value
        elif self.value < self.minimum:
            target = self.minimum if direction > 0 else self.value
        else:
            target = min(max(self.stepped(direction * (self.big_step if big else 1)), self.minimum), self.maximum)
        self.set_value(target, post=True)

    def action_jump(self, end: int) -> None:
        self.set_value(self.maximum if end else self.minimum, post=True)

    def action_edit(self, prefill: str = "") -> None:
        self.editing = True
        self._edit.value = prefill
        self._edit.cursor_position = len(prefill)
        self._show_error("")
        self._track.display = False
        self._edit.display = True
        self._edit.focus()
        self.refresh_bindings()

    def cancel_edit(self, refocus: bool = True) -> None:
        """Close the entry box without changing the value."""
        # Clear the flag first: refocusing blurs the entry box, which calls back here.
        self.editing = False
        self._show_error("")
        self._edit.display = False
        self._track.display = True
        if refocus:
            self.focus()
        self.refresh_bindings()

    def _show_error(self, message: str) -> None:
        self._error.update(message)
        self._error.display = bool(message)

    def parse(self, text: str) -> tuple[float | None, str]:
        """Return (value, "") for acceptable text, else (None, a one-line reason in the learner's terms)."""
        lo, hi, example, show = self.typed_min, self.typed_max, self.format_value(self.value), self.format_value
        try:
            if self.integer:  # the whole numbers within the bounds
                lo_int = None if lo is None else math.ceil(lo)
                hi_int = None if hi is None else math.floor(hi)
                return parse_int(text, minimum=lo_int, maximum=hi_int, example=example, show=show), ""
            return parse_float(text, minimum=lo, maximum=hi, example=example, show=show), ""
        except NumberError as exc:
            return None, str(exc)

    def on_key(self, event: events.Key) -> None:
        if not self.editing and self.has_focus and event.character and event.character in self.edit_chars:
            event.stop()
            event.prevent_default()
            self.action_edit(event.character)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        v, error = self.parse(event.value)
        if v is None:
            self._show_error(error)
            return
        self.cancel_edit()
        self.set_value(v, post=True)

    @on(BoundedInput.Clipped)
    def _clipped(self, event: BoundedInput.Clipped) -> None:
        event.stop()
        self._show_error(event.reason)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        # Keep the inner Input's messages private; a fresh keystroke clears a stale error.
        event.stop()
        if self.editing and self._error.display:
            self._show_error("")

    @on(events.DescendantBlur)
    def _edit_blurred(self) -> None:
        # Focus moved away (Tab, mouse) mid-edit: drop the edit but leave focus where it went.
        if self.editing:
            self.call_after_refresh(self._drop_edit_if_unfocused)

    def _drop_edit_if_unfocused(self) -> None:
        if self.editing and self.screen.focused is not self._edit:
            self.cancel_edit(refocus=False)
