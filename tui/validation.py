"""Torch-free checks of typed text (hidden sizes, seeds, file paths), mirroring the engine's rules.

Every typed number goes through engine.parsing (strict ASCII digits, messages in the learner's terms).
"""

from __future__ import annotations

from pathlib import Path

from textual.validation import ValidationResult, Validator

from engine.hidden import parse_hidden  # torch-free; HiddenSizesError is a ValueError
from engine.parsing import NumberError, parse_int
from engine.typed_paths import PathError, readable_file, writable_file

__all__ = ["FuncValidator", "check_save_path", "parse_hidden", "parse_seed"]

MAX_SEED = 2**32 - 1


def parse_seed(text: str) -> int:
    """A whole number from 0 to 2**32 - 1 (what torch and NumPy both accept)."""
    try:
        seed = parse_int(text, example="2021")
    except NumberError as exc:
        raise ValueError(str(exc)) from None
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be from 0 to {MAX_SEED:,}")
    return seed


def check_save_path(text: str, *, must_exist: bool = False) -> tuple[Path | None, str]:
    """(path, "") when the text names a file we may write (or read, with must_exist), else (None, why).

    Never raises: a name too long, an unknown ~user, a system file or a folder without permission is a reason."""
    try:
        return (readable_file(text) if must_exist else writable_file(text)), ""
    except PathError as exc:
        return None, str(exc)


class FuncValidator(Validator):
    """A Textual validator from a parse function that raises ValueError with the message to show."""

    def __init__(self, parse) -> None:
        super().__init__()
        self._parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self._parse(value)
        except ValueError as exc:
            return self.failure(str(exc))
        return self.success()
