"""The strict number parser: what it accepts, what it refuses, and that every refusal says why in plain words."""

from __future__ import annotations

import pytest

from engine.parsing import MAX_LENGTH, NumberError, parse_float, parse_int


@pytest.mark.parametrize(
    "text, value",
    [("300", 300), (" 42 ", 42), ("+7", 7), ("-3", -3), ("007", 7), ("\t12\n", 12)],
)
def test_whole_numbers_accepted(text, value):
    assert parse_int(text) == value and type(parse_int(text)) is int


@pytest.mark.parametrize(
    "text, value",
    [("0.01", 0.01), ("1e-3", 1e-3), ("2.5E+4", 25000.0), (".5", 0.5), ("5.", 5.0), ("-1", -1.0), (" 3 ", 3.0)],
)
def test_decimals_accepted(text, value):
    assert parse_float(text) == value


# Python's own parsers accept the first three (as 3, 10, 10) and reject the next obscurely.
REFUSED = {
    "٣": ("arabic-indic digit three", "type 3 instead"),
    "１０": ("fullwidth digit one", "type 10 instead"),
    "1_0": ("no underscores", "type 10 instead"),
    "²": ("superscript two", "type 2 instead"),
    "nan": ("not a finite number", "such as"),
    "inf": ("not a finite number", "such as"),
    "-Infinity": ("not a finite number", "such as"),
    "": ("type a", "such as"),
    "   ": ("type a", "such as"),
    "−5": ("minus sign '-'", "such as"),
    "1,5": ("no commas", "decimal point is '.'"),
    "1 000": ("no spaces inside", "such as"),
    "abc": ("'abc' is not", "such as"),
    "0x10": ("'0x10' is not", "such as"),
    "1e": ("'1e' is not", "such as"),
    "1" * (MAX_LENGTH + 1): ("too long", "such as"),
}


@pytest.mark.parametrize("text", list(REFUSED), ids=[repr(t) for t in REFUSED])
@pytest.mark.parametrize("parse", [parse_int, parse_float], ids=["int", "float"])
def test_refusals_say_why_in_the_learners_terms(text, parse):
    with pytest.raises(NumberError) as err:
        parse(text)
    message = str(err.value)
    why, more = REFUSED[text]
    assert why in message and more in message
    assert "invalid literal" not in message and "base 10" not in message and "could not convert" not in message


def test_a_decimal_where_a_whole_number_belongs():
    with pytest.raises(NumberError, match=r"^2\.5 is not a whole number: type one such as 300$"):
        parse_int("2.5")
    with pytest.raises(NumberError, match="1e3 is not a whole number"):
        parse_int("1e3")


def test_empty_names_the_kind_and_the_example():
    with pytest.raises(NumberError, match=r"^type a whole number such as 2021$"):
        parse_int("", example="2021")
    with pytest.raises(NumberError, match=r"^type a number such as 0.01$"):
        parse_float(" ")


def test_ranges():
    assert parse_int("10", minimum=1, maximum=10) == 10
    with pytest.raises(NumberError, match=r"^must be between 1 and 4,096$"):
        parse_int("5000", minimum=1, maximum=4096)
    with pytest.raises(NumberError, match=r"^must be at least 1$"):
        parse_int("0", minimum=1)
    with pytest.raises(NumberError, match=r"^must be at most 9$"):
        parse_int("10", maximum=9)
    with pytest.raises(NumberError, match=r"^must be greater than 0$"):
        parse_float("0", minimum=0, exclusive_minimum=True)
    assert parse_float("1e-9", minimum=0, exclusive_minimum=True) == 1e-9
    with pytest.raises(NumberError, match=r"^must be between 0.001 and 5$"):
        parse_float("9", minimum=1e-3, maximum=5)
    with pytest.raises(NumberError, match="too large"):
        parse_float("1e999")


def test_the_error_is_a_value_error():
    assert issubclass(NumberError, ValueError)  # callers that catch ValueError keep working
