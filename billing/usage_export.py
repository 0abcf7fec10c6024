"""Reading a vendor's usage export: what it billed per day, as a CSV.

Columns (names compared case-insensitively; others ignored): `date` (or `day`, ISO
YYYY-MM-DD), and either `cost` (or `amount`: dollars, as the vendor's invoice states them) or
`billed_units` (or the provider's own unit: `matches`, `records`, `lookups`), turned into
money at our price. A `provider` column, when present, keeps only that provider's rows.
Several rows of one day add up.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from billing.money import MICROS_PER_DOLLAR
from billing.pricing import unit_price_micros

UNIT_OF = {"batch": "matches", "attom": "records", "twilio": "lookups"}
COST_COLUMNS = ("cost", "amount", "cost_usd")
DATE_COLUMNS = ("date", "day")


class UsageExportError(ValueError):
    """A line of the export we cannot read; the message names it."""


def billed_per_day(lines: Iterable[str], *, provider: str) -> dict[dt.date, int]:
    reader = csv.DictReader(lines)
    fields = {name.strip().lower(): name for name in reader.fieldnames or []}
    date_col = _column(fields, DATE_COLUMNS, "a date column (date)")
    units_cols = ("billed_units", "units", UNIT_OF.get(provider, "units"))
    money_col = next((fields[c] for c in COST_COLUMNS if c in fields), None)
    units_col = None if money_col else _column(fields, units_cols, "cost or billed_units")
    provider_col = fields.get("provider")
    totals: dict[dt.date, int] = defaultdict(int)
    for number, row in enumerate(reader, start=2):
        if provider_col and row[provider_col].strip().lower() not in (provider, ""):
            continue
        day = _date(row[date_col], number)
        if money_col:
            totals[day] += _dollars(row[money_col], number)
        else:
            totals[day] += _units(row[units_col or ""], number) * _price(provider)
    return dict(totals)


def _column(fields: dict[str, str], names: Iterable[str], wanted: str) -> str:
    for name in names:
        if name in fields:
            return fields[name]
    raise UsageExportError(f"the export has no {wanted} column")


def _date(text: str, line: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise UsageExportError(f"line {line}: {text!r} is not a date (YYYY-MM-DD)") from None


def _dollars(text: str, line: int) -> int:
    try:
        amount = Decimal(text.strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        raise UsageExportError(f"line {line}: {text!r} is not an amount in dollars") from None
    micros = amount * MICROS_PER_DOLLAR
    if not amount.is_finite() or amount < 0 or micros != micros.to_integral_value():
        raise UsageExportError(f"line {line}: {text!r} is not an exact, positive amount")
    return int(micros)


def _units(text: str, line: int) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise UsageExportError(f"line {line}: {text!r} is not a whole number of units")
    return int(value)


def _price(provider: str) -> int:
    if provider not in UNIT_OF:
        raise UsageExportError(f"{provider} bills by the token: give the cost column")
    return unit_price_micros(f"{provider}.{UNIT_OF[provider]}")
