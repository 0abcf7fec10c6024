"""The tolerant JSON readers every provider client parses with."""

from __future__ import annotations

from decimal import Decimal

import pytest

from providers.wire import (
    as_bool,
    as_decimal,
    as_int,
    as_list,
    as_text,
    dig,
    first_present,
    lower_keys,
)

ARABIC_INDIC_12 = "\u0661\u0662"  # "١٢": int() and Decimal() would read it as 12
FULLWIDTH_12 = "\uff11\uff12"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12), (12, 12), (12.0, 12), (" 12 ", 12), ("-7", -7), ("+7", 7), ("1e3", 1000),
        (Decimal("12"), 12), (0, 0), ("0", 0),
        # not whole: one rule, halves away from zero
        (12.5, 13), ("12.5", 13), (12.4, 12), ("12.49", 12), (-12.5, -13), ("-0.4", 0),
        (3021.5, 3022), (".5", 1),
    ],
)  # fmt: skip
def test_it_reads_whole_numbers(raw, expected):
    assert as_int(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None, "", "   ", True, False, "n/a", "12abc", "1,234", "0x10", "1_000",
        ARABIC_INDIC_12, FULLWIDTH_12, "nan", "NaN", "inf", "-Infinity", float("nan"),
        float("inf"), {"value": 1}, [12], "1e999999", "9" * 40,
    ],
)  # fmt: skip
def test_it_reads_anything_else_as_no_number(raw):
    assert as_int(raw) is None
    assert as_decimal(raw) is None


def test_it_reads_decimals_exactly():
    assert as_decimal(33.4484) == Decimal("33.4484")  # the float's shortest form, not its binary
    assert as_decimal("-112.0421") == Decimal("-112.0421")
    assert as_decimal(2) == Decimal(2)
    assert as_decimal("1.5") == Decimal("1.5")
    assert as_decimal("12.") == Decimal("12") == as_decimal("12.0")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  SUNBELT LLC ", "SUNBELT LLC"), ("", ""), (None, ""), (4013, "4013"),
        (12.5, "12.5"), (True, ""), ({"a": 1}, ""), (["x"], ""), (Decimal("1.50"), "1.50"),
        (ARABIC_INDIC_12, ARABIC_INDIC_12),
    ],
)  # fmt: skip
def test_it_reads_text_and_never_returns_none(raw, expected):
    assert as_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True), (False, False), ("true", True), (" FALSE ", False), ("True", True),
        ("yes", None), ("1", None), (1, None), (0, None), (None, None), ("", None),
    ],
)  # fmt: skip
def test_it_reads_flags_strictly(raw, expected):
    assert as_bool(raw) is expected


def test_it_reads_a_list_or_nothing():
    assert as_list([1, 2]) == [1, 2]
    assert as_list({"a": 1}) == [] and as_list(None) == [] and as_list("ab") == []


def test_it_reads_json_case_insensitively():
    value = lower_keys({"Status": {"Total": 3}, "Property": [{"AttomID": 1}]})
    assert value == {"status": {"total": 3}, "property": [{"attomid": 1}]}
    assert dig(value, "Status", "TOTAL") == 3
    assert dig(value, "status", "missing", default=0) == 0


def test_it_digs_through_nested_objects_and_lists():
    value = lower_keys({"A": {"B": [{"C": "deep"}, {"C": None}], "N": 0, "F": False}})
    assert dig(value, "a", "b", 0, "c") == "deep"
    assert dig(value, "a", "b", -1, "c", default="gone") == "gone"  # null reads as missing
    assert dig(value, "a", "b", 5, "c") is None  # past the end
    assert dig(value, "a", "n") == 0 and dig(value, "a", "f") is False  # falsy is present
    assert dig(value, "a", "b", "c") is None  # a key into a list
    assert dig(value, "a", 0) is None  # an index into an object
    assert dig("text", "a", default={}) == {}
    assert dig(value) == value


def test_it_finds_the_first_present_value():
    assert first_present([None, "", 0, 5]) == 0
    assert first_present([None, "  ", "x"]) == "x"  # blank text is missing, as `as_text` says
    assert first_present([False, 1]) is False
    assert first_present([None, ""]) is None
    assert first_present([]) is None
