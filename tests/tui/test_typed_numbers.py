"""Every typed number goes through engine.parsing: odd digits, underscores and nan are refused in plain words."""

from __future__ import annotations

import pytest

from engine.contracts.minibatch import parse_batch_sizes as parse_sizes
from engine.contracts.minibatch import parse_lrs as parse_rates
from engine.hidden import parse_hidden
from tui.validation import parse_seed

ODD = ["٣", "１０", "1_0", "²", "nan", "1e3x"]


@pytest.mark.parametrize(
    "parse, template",
    [
        (parse_hidden, "200, {}, 50"),
        (parse_sizes, "20, {}"),
        (parse_rates, "5e-3, {}"),
        (parse_seed, "{}"),
    ],
    ids=["hidden sizes", "batch sizes", "learning rates", "seed"],
)
@pytest.mark.parametrize("odd", ODD, ids=[repr(o) for o in ODD])
def test_odd_numbers_in_every_typed_field_are_refused_in_the_learners_terms(parse, template, odd):
    if parse is parse_rates and odd == "nan":
        odd = "inf"
    with pytest.raises(ValueError) as err:
        parse(template.format(odd))
    message = str(err.value)
    assert "invalid literal" not in message and "could not convert" not in message
    assert any(w in message for w in ("instead", "finite", "is not a"))


def test_good_lists_still_parse():
    assert parse_hidden(" 200, 100 ,50 ") == [200, 100, 50] and parse_hidden("none") == []
    assert parse_sizes("20, 250, 1000") == [20, 250, 1000]
    assert parse_rates("5e-3, 0.01") == [5e-3, 0.01]
    assert parse_seed(" 2021 ") == 2021


def test_range_messages_are_kept():
    with pytest.raises(ValueError, match="at least 1 unit"):
        parse_hidden("0")
    with pytest.raises(ValueError, match="too wide"):
        parse_hidden("5000")
    with pytest.raises(ValueError, match="at most 60,000"):
        parse_sizes("70000")
    with pytest.raises(ValueError, match="must be positive"):
        parse_rates("0")
    with pytest.raises(ValueError, match="seed must be from 0"):
        parse_seed("-3")
