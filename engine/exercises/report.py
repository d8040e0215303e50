"""The result of checking an exercise, as plain data that crosses the process boundary as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..visible import visible

# What a check can end as; only "passed" unlocks the learner's implementation in the demos.
STATUSES = ("passed", "failed", "error", "timeout", "crashed", "cancelled", "missing", "broken")

ROWS = [0, 1, 2, 7, 8, 9]  # the corner of the 10 x 784 weight matrix that the course prints
COLS = [0, 1, 2, 781, 782, 783]
TOLERANCE = 5.01e-5  # the course prints 4 decimals: a value is right within half a unit of the last place


@dataclass(frozen=True)
class CheckItem:
    """One further check: its name, whether it passed, and what is wrong in plain words."""

    name: str
    ok: bool | None  # None: not checked, because an earlier check already failed
    message: str = ""

    def __post_init__(self) -> None:  # it may quote what the learner's code returned or raised
        object.__setattr__(self, "message", visible(self.message))


@dataclass(frozen=True)
class CourseCase:
    """The course's own test cell: the printed corner of the weights and the bias, or the batch shapes."""

    title: str
    kind: str  # "params" or "shapes"
    before_w: list = field(default_factory=list)  # 6 x 6
    before_b: list = field(default_factory=list)  # 10
    got_w: list | None = None  # None when the learner's function raised
    got_b: list | None = None
    want_w: list = field(default_factory=list)
    want_b: list = field(default_factory=list)
    shapes: list = field(default_factory=list)  # [label, got, expected] for sample_minibatch
    ok: bool = False

    @staticmethod
    def close(got: float, want: float) -> bool:
        """Right when it prints as the course's value does: within half a unit of the 4th decimal."""
        return abs(got - want) <= TOLERANCE


@dataclass(frozen=True)
class CheckReport:
    exercise: str
    status: str
    summary: str
    course: CourseCase | None = None
    checks: tuple[CheckItem, ...] = ()
    error: str = ""  # the learner's traceback, their file's lines only
    output: str = ""  # what their code printed (the last lines)

    def __post_init__(self) -> None:
        """Their code's text, never its control characters: shown as ␛[2J, not sent to the terminal."""
        for name in ("summary", "error", "output"):
            object.__setattr__(self, name, visible(getattr(self, name)))

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> CheckReport:
        course = d.get("course")
        return cls(
            exercise=d["exercise"],
            status=d["status"],
            summary=d.get("summary", ""),
            course=CourseCase(**course) if course else None,
            checks=tuple(CheckItem(**c) for c in d.get("checks", ())),
            error=d.get("error", ""),
            output=d.get("output", ""),
        )
