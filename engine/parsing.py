"""Strict parsing of typed numbers, with refusals in the learner's terms (no torch: the UI uses it).

What is accepted, deliberately: ASCII digits 0-9, an optional leading + or -, for decimals one
point and an exponent (1e-3, 2.5E+4), and spaces around the number. What is refused, each with
its own reason: other scripts' or styles' digits (٣, １０, ², which Python's int() would read as
3, 10 or reject obscurely), underscores (1_0), commas, spaces inside, a typographic minus (−),
nan and inf, empty text, and anything longer than MAX_LENGTH characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MAX_LENGTH = 40  # longer text is no number anyone means to type (and int() of 5,000 digits is slow)
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
_MINUSES = "−–—‐‑"  # minus sign, en and em dashes, hyphens: pasted from typeset text


class NumberError(ValueError):
    """Typed text that is not an acceptable number; the message says why and what to type."""


def _digit_name(ch: str) -> str:
    return unicodedata.name(ch, "a digit").lower()


def _why_not(text: str, whole: bool) -> str:
    """The specific reason text that failed the pattern is not a number ("" when there is none)."""
    for ch in text:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            plain = "".join(str(unicodedata.digit(c)) if c.isdigit() and c > "9" else c for c in text)
            return f"{ch!r} ({_digit_name(ch)}) is not one of the keyboard's digits 0-9: type {plain} instead"
    if any(ch in _MINUSES for ch in text):
        return "use the keyboard's minus sign '-' (that dash is another character)"
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return f"{text!r} is not a finite number"
    if "_" in text:
        return f"no underscores in a number: type {text.replace('_', '')} instead"
    if "," in text:
        return "no commas in a number: a decimal point is '.' (1.5); thousands need no separator"
    if any(ch.isspace() for ch in text):
        return "no spaces inside a number"
    if whole and _FLOAT.fullmatch(text):
        return f"{text} is not a whole number"
    return ""


def _check(text: str, whole: bool, example: str) -> str:
    """The stripped text when it has the shape of a number; NumberError saying why not otherwise."""
    kind = "a whole number" if whole else "a number"
    stripped = text.strip()
    if not stripped:
        raise NumberError(f"type {kind} such as {example}")
    if len(stripped) > MAX_LENGTH:
        raise NumberError(f"that is too long for {kind} ({len(stripped)} characters); type one such as {example}")
    if not (_INT if whole else _FLOAT).fullmatch(stripped):
        reason = _why_not(stripped, whole)
        if not reason:
            raise NumberError(f"{stripped!r} is not {kind}: type one such as {example}")
        # A reason that already says what to type needs no example after it.
        raise NumberError(reason if "type" in reason or "'.'" in reason else f"{reason}: type one such as {example}")
    return stripped


def _in_range(value, minimum, maximum, show: Callable, exclusive_minimum: bool):
    low = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    high = maximum is not None and value > maximum
    if low or high:
        if minimum is not None and maximum is not None and not exclusive_minimum:
            raise NumberError(f"must be between {show(minimum)} and {show(maximum)}")
        if low:
            word = "greater than" if exclusive_minimum else "at least"
            raise NumberError(f"must be {word} {show(minimum)}")
        raise NumberError(f"must be at most {show(maximum)}")
    return value


def parse_int(
    text: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    example: str = "300",
    show: Callable[[int], str] = "{:,}".format,
) -> int:
    """A whole number typed in ASCII digits, optionally signed, within [minimum, maximum] when given."""
    return _in_range(int(_check(text, True, example)), minimum, maximum, show, False)


def parse_float(
    text: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    example: str = "0.01",
    show: Callable[[float], str] = "{:g}".format,
) -> float:
    """A finite decimal number (1e-3 allowed) within [minimum, maximum] (minimum excluded if asked)."""
    value = float(_check(text, False, example))
    if value in (float("inf"), float("-inf")):  # 1e999 has the right shape but no finite value
        raise NumberError(f"{text.strip()} is too large: type a number such as {example}")
    return _in_range(value, minimum, maximum, show, exclusive_minimum)
