from __future__ import annotations

import pytest

from billing.money import (
    cents_to_micros,
    format_dollars,
    format_exact_dollars,
    format_unit_price,
    micros_to_cents,
    plain_dollars,
)


@pytest.mark.parametrize(
    ("micros", "written"),
    [(0, "0.00"), (70_000, "0.07"), (1_500_000, "1.50"), (7_500, "0.0075"), (1, "0.000001")],
)
def test_it_writes_money_as_exact_dollars(micros, written):
    assert plain_dollars(micros) == written


@pytest.mark.parametrize(
    ("micros", "shown"),
    [
        (None, "—"),
        (0, "$0.00"),
        (70_000, "$0.07"),
        (8_000, "$0.01"),
        (4_999, "<$0.01"),
        (1, "<$0.01"),
        (5_000, "$0.01"),
        (37_632_881, "$37.63"),
        (123_456_780_000, "$123,456.78"),
        (-50_000, "\u2212$0.05"),
        (-15_300_000_000, "\u2212$15,300.00"),
    ],
)
def test_it_renders_dollars_for_people_to_the_cent(micros, shown):
    assert format_dollars(micros) == shown


def test_it_rounds_a_maximum_up_so_it_never_shows_less_than_it_can_cost():
    assert format_dollars(150_001, up=True) == "$0.16"
    assert format_dollars(150_000, up=True) == "$0.15"
    assert format_dollars(-150_001, up=True) == "\u2212$0.15"


@pytest.mark.parametrize(
    ("micros", "shown"),
    [(8_000, "$0.008"), (1_409_234, "$1.409234"), (-50_000, "\u2212$0.05")],
)
def test_it_renders_exact_dollars_where_every_micro_dollar_matters(micros, shown):
    assert format_exact_dollars(micros) == shown


@pytest.mark.parametrize(
    ("micros", "shown"),
    [
        (5_000, "$0.0050"),
        (8_000, "$0.0080"),
        (70_000, "$0.07"),
        (150, "$0.00015"),
        (1_000_000, "$1.00"),
    ],
)
def test_it_renders_a_unit_price_with_its_sub_cent_digits(micros, shown):
    assert format_unit_price(micros) == shown


def test_it_writes_a_spreadsheet_amount_without_the_dollar_sign_or_separators():
    assert plain_dollars(123_456_780_000) == "123456.78"
    assert plain_dollars(-50_000) == "-0.05"


def test_it_converts_cents_to_micros_exactly_or_not_at_all():
    assert cents_to_micros("0.8") == 8_000
    assert cents_to_micros(1500) == 15_000_000
    with pytest.raises(ValueError):
        cents_to_micros("0.00001")
    assert micros_to_cents(8_000) == 0.8 and micros_to_cents(70_000) == 7
