"""What a check found: each check marked ✔/✘ with what is wrong, the learner's traceback, and the
course's printed values (before, yours, expected), each of yours marked right or wrong."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from engine.exercises.report import COLS, ROWS, CheckReport, CourseCase

OK, WRONG, SKIPPED = ("✔", "bold green"), ("✘", "bold red"), ("–", "dim")


def mark(ok: bool | None) -> tuple[str, str]:
    return OK if ok is True else WRONG if ok is False else SKIPPED


def _cell(value: float | None, want: float | None = None, style: str = "") -> Text:
    if value is None:
        return Text("— ", style="dim")
    text = Text(f"{value:.4f}", style=style)
    if want is not None:
        right = CourseCase.close(value, want)
        sym, sym_style = OK if right else WRONG
        text.stylize(sym_style)
        text.append(sym, style=sym_style)
    else:
        text.append(" ")  # where yours has its mark: keeps the digits of the three lines aligned
    return text


def _values_table(
    corner: str, labels: list[str], names: list[str], before: list, got: list | None, want: list
) -> Table:
    """Three lines per printed row: before (dim), yours (each marked ✔/✘), expected."""
    table = Table(box=None, padding=(0, 0, 0, 1), show_edge=False, pad_edge=False)
    # Named and left-aligned: Textual drops the leading spaces of a line, which would shift it.
    table.add_column(corner, style="dim", no_wrap=True, header_style="bold")
    for label in labels:
        table.add_column(label, justify="right", no_wrap=True)
    for r, (b_row, w_row) in enumerate(zip(before, want)):
        g_row = got[r] if got is not None else [None] * len(w_row)
        table.add_row(f"{names[r]} before", *[_cell(v, style="dim") for v in b_row])
        table.add_row("yours", *[_cell(v, w) for v, w in zip(g_row, w_row)])
        table.add_row("expected", *[_cell(v) for v in w_row])
        if r < len(before) - 1:
            table.add_row()
    return table


def course_tables(case: CourseCase) -> Group:
    """The course's test as the learner knows it from the notebook's printout."""
    if case.kind == "shapes":
        table = Table(box=None, padding=(0, 1), pad_edge=False)
        for col in ("", "yours", "expected"):
            table.add_column(col, no_wrap=True)
        for label, got, want in case.shapes:
            sym, style = OK if got == want else WRONG
            table.add_row(label, Text(f"{got} {sym}", style=style), want)
        return Group(Text(case.title, style="bold"), table)
    cols = [f"col {c}" for c in COLS]
    weights = _values_table("main.0.weight", cols, [f"row {r}" for r in ROWS], case.before_w, case.got_w, case.want_w)
    halves = [slice(0, 5), slice(5, 10)]
    split = lambda v: [v[h] for h in halves]
    bias = _values_table(
        "main.0.bias",
        [f"[{i}] / [{i + 5}]" for i in range(5)],
        ["[0-4]", "[5-9]"],
        split(case.before_b),
        split(case.got_b) if case.got_b is not None else None,
        split(case.want_b),
    )
    return Group(
        Text(case.title, style="bold"),
        Text("the printed corner: rows 0,1,2,7,8,9 × columns 0,1,2,781,782,783"),
        weights,
        Text(""),
        bias,
    )


def keep_indent(text: str) -> Text:
    """Leading spaces as non-breaking ones, so a traceback keeps its indentation when wrapped."""
    lines = [ln.replace(" ", "\u00a0", len(ln) - len(ln.lstrip(" "))) for ln in text.splitlines()]
    return Text("\n".join(lines))


def checks_table(report: CheckReport) -> Table:
    """One line per check, ✔/✘ (– not checked), and under a failed one what is wrong (hanging indent)."""
    table = Table(box=None, show_header=False, padding=0, pad_edge=False, expand=True)
    table.add_column(width=2, no_wrap=True)
    table.add_column(ratio=1)
    if report.course is not None:
        finished = report.course.got_w is not None or report.course.kind == "shapes"
        sym, style = mark(report.course.ok if finished else None)
        what = "the course's test (values below)" if finished else "the course's test: not finished, see the error"
        table.add_row(Text(sym + " ", style=style), what)
    for item in report.checks:
        sym, style = mark(item.ok)
        body = Text(item.name)
        if item.message:
            body.append("\n").append(item.message, style="red" if item.ok is False else "dim")
        table.add_row(Text(sym + " ", style=style), body)
    return table


class CheckResult(Vertical):
    """The last check's findings (empty until the first check)."""

    DEFAULT_CSS = """
    CheckResult { height: auto; }
    CheckResult > Static { height: auto; margin: 0 0 1 0; }
    CheckResult #cr-error { border-left: thick $error; padding-left: 1; }
    CheckResult #cr-output { border-left: thick $primary 50%; padding-left: 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="cr-checks")
        yield Static(id="cr-error")
        yield Static(id="cr-output")
        yield Static(id="cr-course")

    def on_mount(self) -> None:
        self.show(None)

    def show(self, report: CheckReport | None) -> None:
        checks, error, output, course = (
            self.query_one(f"#cr-{n}", Static) for n in ("checks", "error", "output", "course")
        )
        shown = report if report is not None and (report.checks or report.course is not None) else None
        checks.update(checks_table(shown) if shown is not None else "")
        checks.display = shown is not None
        error.update(keep_indent(report.error) if report and report.error else "")
        error.display = bool(report and report.error)
        output.update(keep_indent("Your code printed:\n" + report.output) if report and report.output else "")
        output.display = bool(report and report.output)
        course.update(course_tables(report.course) if report and report.course else "")
        course.display = bool(report and report.course)
