"""The one-line key hint at the bottom of every screen: the keys of what has focus, then the keys that always work.

Textual's Footer lists every binding in a row and cuts the end off at 80 columns (the keys to
change tab, get help and quit were the ones lost). This bar keeps the essential keys whole on
the right and fills the rest, from the left, with as many whole hints of the focused control
and the screen as fit: it never cuts a hint, and `?` lists the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widget import Widget

GAP = "  "  # between two hints


@dataclass(frozen=True)
class KeyHint:
    """One hint: `key` as shown ("]", "esc", "^r"), what it does, and the key a click presses."""

    key: str
    label: str
    press: str
    enabled: bool = True  # False: shown dimmed (the key says why it cannot act when pressed)

    @property
    def width(self) -> int:
        return len(self.key) + 1 + len(self.label)


HELP_HINT = KeyHint("?", "help", "question_mark")


_OWN: dict[tuple[type, str, str], bool] = {}  # (node class, key, action) -> is_own: classes' BINDINGS never change


def is_own(node: DOMNode, binding: Binding) -> bool:
    """Whether `binding` was declared by a class of this app (tui.*), not inherited from Textual's widgets."""
    found = _OWN.get((type(node), binding.key, binding.action))
    if found is None:
        found = _OWN[type(node), binding.key, binding.action] = _declared_here(type(node), binding)
    return found


def _declared_here(node_class: type, binding: Binding) -> bool:
    for cls in node_class.__mro__:
        declared = cls.__dict__.get("BINDINGS")
        if not declared or not cls.__module__.startswith("tui."):
            continue
        if any(b.key == binding.key and b.action == binding.action for b in Binding.make_bindings(declared)):
            return True
    return False


def short_key(binding: Binding, app) -> str:
    """The key as the bar shows it: its key_display, else Textual's compact form (^r, esc)."""
    return binding.key_display or app.get_key_display(binding)


def context_hints(screen) -> list[KeyHint]:
    """The shown bindings of this app that act now, the focused control's first, one hint per description."""
    hints: list[KeyHint] = []
    seen: set[tuple[str, str]] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.show or not binding.description or not is_own(active.node, binding):
            continue
        if (binding.action, binding.description) in seen:
            continue
        seen.add((binding.action, binding.description))
        # A node may word a binding whose meaning changes (a section's i says what runs now).
        describe = getattr(active.node, "binding_label", None)
        label = (describe(binding) if callable(describe) else None) or binding.description
        hints.append(KeyHint(short_key(binding, screen.app), label, key, active.enabled))
    return hints


def fit(context: list[KeyHint], essentials: list[KeyHint], width: int) -> tuple[list[KeyHint], list[KeyHint]]:
    """The hints that fit in `width` columns: every essential (as many as fit), then whole context hints in order."""
    shown_essentials: list[KeyHint] = []
    used = 0
    for hint in essentials:
        need = hint.width + (len(GAP) if shown_essentials else 0)
        if used + need > width:
            break
        shown_essentials.append(hint)
        used += need
    # A context hint for a key an essential already shows ("[ prev tab" beside "[ ] tab") is left out.
    taken = {k for h in essentials for k in (h.press, *h.key.replace("/", " ").split())}
    left: list[KeyHint] = []
    room = width - used - len(GAP)
    for hint in context:
        if hint.key in taken or hint.press in taken:
            continue
        need = hint.width + (len(GAP) if left else 0)
        if need > room:
            break  # the hints come by importance: a later one never shows while an earlier one does not
        left.append(hint)
        room -= need
    return left, shown_essentials


class KeyBar(Widget):
    """The screen's bottom line; `essentials()` gives the keys that must always show (to change tab, help, leave)."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; width: 1fr; padding: 0 1; background: $footer-background; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
    KeyBar > .key-bar--label { color: $footer-description-foreground; }
    KeyBar > .key-bar--dim { color: $text-disabled; }
    """
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--label", "key-bar--dim"}

    def __init__(self, essentials: Callable[[], list[KeyHint]] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._essentials = essentials or (lambda: [HELP_HINT, KeyHint("q", "quit", "q")])
        self._spans: list[tuple[int, int, KeyHint]] = []  # x range -> hint, for clicks
        self._shown: tuple = ()  # the hints of the last render

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if self.hints() != self._shown:  # a run starting and ending, a binding that did not change: no repaint
            self.refresh()

    def hints(self) -> tuple[list[KeyHint], list[KeyHint]]:
        """(the context hints shown on the left, the essential ones on the right) at the bar's width."""
        width = max(0, self.size.width - 2) if self.size.width else 78
        return fit(context_hints(self.screen), self._essentials(), width)

    def render(self) -> Text:
        left, right = self._shown = self.hints()
        key_style = self.get_component_rich_style("key-bar--key")
        label_style = self.get_component_rich_style("key-bar--label")
        dim_style = self.get_component_rich_style("key-bar--dim")
        text = Text(no_wrap=True, overflow="crop")
        self._spans = []

        def add(hints: list[KeyHint]) -> None:
            for i, hint in enumerate(hints):
                if i:
                    text.append(GAP)
                start = text.cell_len
                text.append(hint.key, key_style if hint.enabled else dim_style)
                text.append(" " + hint.label, label_style if hint.enabled else dim_style)
                self._spans.append((start, text.cell_len, hint))

        add(left)
        width = max(0, self.size.width - 2)
        right_width = sum(h.width for h in right) + len(GAP) * max(0, len(right) - 1)
        text.append(" " * max(1, width - text.cell_len - right_width))
        add(right)
        return text

    def shown_text(self) -> str:
        """The bar as plain text (tests and the keyboard audit read it)."""
        return self.render().plain

    async def on_click(self, event: events.Click) -> None:
        x = event.x - 1  # the left padding
        for start, end, hint in self._spans:
            if start <= x < end:
                event.stop()
                self.app.simulate_key(hint.press)
                return
