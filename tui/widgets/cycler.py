"""A focusable one-line choice among a few named options, cycled with the arrow keys."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class Cycler(Widget, can_focus=True):
    """`label  ◀ choice ▶`: left/right pick the previous/next option (letters stay free for screen keys)."""

    DEFAULT_CSS = """
    Cycler { height: 1; width: 1fr; }
    Cycler:focus { background: $boost; }
    Cycler > .cycler--label { }
    Cycler > .cycler--value { text-style: bold; }
    Cycler:focus > .cycler--label { color: $accent; text-style: bold; }
    Cycler:focus > .cycler--value { color: $accent; }
    """
    COMPONENT_CLASSES = {"cycler--label", "cycler--value"}
    BINDINGS = [
        Binding("left", "cycle(-1)", "choose", key_display="←/→"),
        Binding("right", "cycle(1)", "choose", show=False),
    ]

    index: reactive[int] = reactive(0)

    class Changed(Message):
        """The learner picked another option."""

        def __init__(self, cycler: Cycler, value: str) -> None:
            super().__init__()
            self.cycler, self.value = cycler, value

        @property
        def control(self) -> Cycler:
            return self.cycler

    def __init__(
        self,
        label: str,
        options: Sequence[str],
        value: str | None = None,
        *,
        label_width: int = 10,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        if not options:
            raise ValueError("a Cycler needs at least one option")
        super().__init__(id=id, classes=classes)
        self.label, self.options, self.label_width = label, tuple(options), label_width
        self.set_reactive(Cycler.index, self.options.index(value) if value is not None else 0)

    @property
    def value(self) -> str:
        return self.options[self.index]

    @value.setter
    def value(self, choice: str) -> None:
        self.index = self.options.index(choice)

    def render(self) -> Text:
        style = self.get_component_rich_style
        return Text.assemble(
            (self.label.ljust(self.label_width), style("cycler--label")),
            "◀ ",
            (self.value, style("cycler--value")),
            " ▶",
            no_wrap=True,
            overflow="ellipsis",
        )

    def action_cycle(self, step: int) -> None:
        self.index = (self.index + step) % len(self.options)
        self.post_message(self.Changed(self, self.value))
