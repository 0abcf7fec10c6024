"""Tolerant readers of vendor JSON: a value of the wrong type reads as unknown, never raises.

One behaviour for every client:

- `as_text` always returns a string: "" for a missing value or one that is not text or a
  number (a bool, an object, a list). A caller that stores "unknown" as None writes
  `as_text(value) or None`.
- `as_decimal` and `as_int` read ints, floats and numeric strings written with ASCII digits
  ("12", " 12.5 ", "-3e2"); anything else (a bool, "", "n/a", "١٢", NaN, infinity) is None.
- `as_int` rounds a value that is not whole to the nearest whole number, halves away from
  zero (12.5 → 13, -12.5 → -13): vendors send whole-dollar amounts as 3021.5 at times, and
  for a count a fraction is malformed anyway, where rounding up errs toward over-counting.
- `as_bool` reads a JSON bool or the strings "true"/"false" (any case); else None.
- Object keys are compared lower-case: `lower_keys` the payload once, then `dig` into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# ASCII only: Python's own int() and Decimal() also accept other scripts' digits ("١٢").
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# No vendor value we read has more digits than this; a longer one is malformed, and
# refusing it keeps a hostile "1e999999" from turning into a million-digit int.
_MAX_DIGITS = 30


def as_text(value: object) -> str:
    """The value as trimmed text; "" when missing or not text (numbers are written out)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return ""
    return str(value).strip()


def as_decimal(value: object) -> Decimal | None:
    """An exact number from an int, a float or a numeric string; None otherwise."""
    text = as_text(value)
    if not _NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() and number.adjusted() < _MAX_DIGITS else None


def as_int(value: object) -> int | None:
    """A whole number (dollars, square feet, a count), rounded half away from zero."""
    number = as_decimal(value)
    return None if number is None else int(number.to_integral_value(rounding=ROUND_HALF_UP))


def as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else ""
    return {"true": True, "false": False}.get(text)


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def lower_keys(value: Any) -> Any:
    """A JSON value with every object key lower-cased, for case-insensitive parsing."""
    if isinstance(value, dict):
        return {str(k).lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    return value


def dig(value: Any, *path: str | int, default: Any = None) -> Any:
    """Follow `path` through nested objects (keys compared lower-case) and lists (by index).

    `default` when a step is missing, of the wrong type, or null.
    """
    for step in path:
        if isinstance(step, int) and isinstance(value, list):
            value = value[step] if -len(value) <= step < len(value) else None
        elif isinstance(step, str) and isinstance(value, dict):
            value = value.get(step.lower())
        else:
            return default
        if value is None:
            return default
    return value


def first_present(values: Iterable[Any]) -> Any:
    """The first value that is neither missing nor blank text (0 and False are present)."""
    return next((v for v in values if v is not None and not _blank(v)), None)


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()
