"""The help screen: what the learner can do where they are, grouped; only this app's own keys, each once."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static, TextArea

from ..dialogs.once import DismissedOnce
from ..widgets.field_input import FieldInput
from ..widgets.key_bar import is_own
from ..widgets.stepper import Stepper, StepperEdit
from ..widgets.text_field import TextField

Rows = list[tuple[str, str]]

EVERYWHERE: Rows = [
    ("? or F1", "this help (F1 also from an answer box or the editor)"),
    ("q", "quit"),
    ("ctrl+p", "command palette: jump to any section, change theme"),
    ("Tab / Shift+Tab", "move between controls"),
]
SECTION_MOVES: Rows = [
    ("] / [", "next / previous tab (ctrl+PageDown / ctrl+PageUp too, also from an answer box)"),
    ("esc", "stop what is computing; when nothing is, back to the table of contents"),
]
SETTING: Rows = [
    ("← / →", "smaller / larger value"),
    ("shift+← / shift+→", "ten steps at once"),
    ("Home / End", "the smallest / largest value"),
    ("Enter, or a digit", "type an exact value; Enter checks and applies it, Esc cancels"),
]
TYPING: Rows = [
    ("one-line box", "Enter applies what you typed; Esc puts back the text it had and leaves the box"),
    ("", "] [ and ? still change tab and open this help (those boxes never need them)"),
    ("answer box", "every key is text (n, q, ] and ? too); your answer is saved as you type"),
    ("", "Esc leaves the box (the answer stays); ctrl+r shows the course's explanation"),
]
EXERCISE: Rows = [
    ("e", "edit your exercise file (in $VISUAL / $EDITOR, else in the editor below the task)"),
    ("c", "check your function against the course's test case and common mistakes"),
    ("s, s", "reveal the course's solution (asks twice)"),
    ("in the editor", "every key is text; ctrl+s saves; Esc leaves the editor"),
    ("", "Tab / Shift+Tab indent / dedent the line or selection; Enter keeps the indentation"),
]
HIDDEN = {"cancel_edit", "leave_answer"}  # shown in the "Typing" group instead, in words
SHOWN_BELOW = {"tab", "escape", "help", "app.help", "quit", "app.quit"}  # in the fixed groups, once


def _key(binding: Binding, app) -> str:
    """The key as written in the help: ctrl+r rather than ^r, Enter rather than ⏎."""
    if binding.key_display:
        return binding.key_display
    if binding.key == "enter":
        return "Enter"
    shown = app.get_key_display(binding)
    return "ctrl+" + shown[1:] if shown.startswith("^") and len(shown) > 1 else shown


def _bound_keys(screen: Screen) -> tuple[Rows, Rows, set[str]]:
    """(the focused control's keys, the screen's and app's keys, every key listed) as bound now, each once."""
    app = screen.app
    here: Rows = []
    general: Rows = []
    seen: set[str] = set()
    done: set[tuple[str, str]] = set()  # (action, description): "←/→ change" once, not again for →
    for active in screen.active_bindings.values():
        binding, node = active.binding, active.node
        name = binding.action.split("(")[0]
        if not binding.description or name in HIDDEN or name in SHOWN_BELOW or not is_own(node, binding):
            continue
        if isinstance(node, (Stepper, StepperEdit)):
            continue  # the "A setting" group says it in words
        key = _key(binding, app)
        if key in seen or (name, binding.description) in done:
            continue
        seen.add(key)
        done.add((name, binding.description))
        (general if node in (screen, app) else here).append((key, binding.description))
    return here, general, seen


def key_groups(screen: Screen) -> list[tuple[str, Rows]]:
    """(title, rows of (key, what it does)) for `screen` as it is now, the focused control's keys first."""
    # Here: the app imports this module before any section is opened.
    from ..lessons import questions
    from ..widgets.exercise_pane import ExercisePane
    from .section import SectionScreen

    here, general, seen = _bound_keys(screen)

    def fixed(rows: Rows) -> Rows:  # a key listed by the control or the screen above is not repeated
        return [r for r in rows if not r[0] or r[0] not in seen]

    def has(*kinds: type) -> bool:  # a section screen's tabs not shown yet count too
        return screen.has(*kinds) if isinstance(screen, SectionScreen) else any(screen.query(k) for k in kinds)

    on_setting = isinstance(screen.focused, (Stepper, StepperEdit))
    groups: list[tuple[str, Rows]] = []
    if here:
        groups.append(("The control that has the keys", here))
    if has(Stepper) and on_setting:
        groups.append(("The setting that has the keys (◀ ━━●── ▶)", fixed(SETTING)))
    if isinstance(screen, SectionScreen):
        groups.append(("In this section", general + fixed(SECTION_MOVES)))
    elif general:
        groups.append(("On this screen", general))
    if has(Stepper) and not on_setting:
        groups.append(("A setting (◀ ━━●── ▶)", fixed(SETTING)))
    # Steppers and text fields make their boxes when mounted; a section's questions have answer boxes.
    answers = isinstance(screen, SectionScreen) and bool(questions(screen.section.key))
    if answers or has(FieldInput, TextArea, Stepper, TextField):
        groups.append(("Typing", TYPING))
    if has(ExercisePane):
        groups.append(("The Exercise tab", fixed(EXERCISE)))
    groups.append(("Everywhere", fixed(EVERYWHERE)))
    return [(title, rows) for title, rows in groups if rows]


class HelpScreen(DismissedOnce, ModalScreen[None]):
    """A modal listing, in groups, the keys that act on the screen below it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "close")]
    CSS_PATH = "help.tcss"

    def __init__(self, groups: list[tuple[str, Rows]], where: str):
        super().__init__()
        self.groups, self.where = groups, where

    @property
    def keys(self) -> Rows:
        """Every (key, description) row shown, in order."""
        return [row for _, rows in self.groups for row in rows]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(f"Keys — {self.where}"), classes="h-where")
            for title, rows in self.groups:
                yield Static(Text(title), classes="h-title")
                yield Static(self._table(rows))
            yield Static("Esc, q, ? or F1 closes this help; ↑/↓ scroll it.", classes="h-close")

    @staticmethod
    def _table(rows: Rows) -> Table:
        """Two columns, so a long description wraps under itself; Text cells: keys such as "[" show as they are."""
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        for key, does in rows:
            table.add_row(Text(key), Text(does))
        return table
