"""The one place that converts and renders money.

Amounts are integer micro-dollars everywhere in the code and the database.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

MICROS_PER_CENT = 10_000
MICROS_PER_DOLLAR = 1_000_000


def cents_to_micros(cents: Decimal | int | str) -> int:
    micros = Decimal(cents) * MICROS_PER_CENT
    if micros != micros.to_integral_value():
        raise ValueError(f"{cents} cents is not exact to the micro-dollar")
    return int(micros)


def dollars_to_micros(dollars: Decimal | int | str) -> int:
    """Exact dollars (e.g. a price of "0.075") as micro-dollars; refuses what would round."""
    micros = Decimal(dollars) * MICROS_PER_DOLLAR
    if micros != micros.to_integral_value():
        raise ValueError(f"${dollars} is not exact to the micro-dollar")
    return int(micros)


def micros_to_cents(micros: int) -> int | float:
    """Cents as a JSON number: an int when whole, else a float exact to 4 decimals."""
    if micros % MICROS_PER_CENT == 0:
        return micros // MICROS_PER_CENT
    return float(Decimal(micros) / MICROS_PER_CENT)


def format_dollars(micros: int | None) -> str:
    """`$12.34`, `$1,234.50`; amounts off the cent keep their exact digits (`$0.008`)."""
    if micros is None:
        return "—"
    sign = "-" if micros < 0 else ""
    return f"{sign}${_exact_dollars(abs(micros), grouping=',')}"


@lru_cache(maxsize=4096)  # an export writes two amounts a row, mostly the same few prices
def plain_dollars(micros: int) -> str:
    """Dollars for a spreadsheet cell: `0.07`, `1.50`, `0.0075`, `-5.00`: no sign of `$`,
    no thousands separator, never a float."""
    sign = "-" if micros < 0 else ""
    return f"{sign}{_exact_dollars(abs(micros), grouping='')}"


def _exact_dollars(micros: int, *, grouping: str) -> str:
    """Two decimals when the amount is whole cents; otherwise every digit it has, so spend
    is never rounded away."""
    dollars = Decimal(micros) / MICROS_PER_DOLLAR
    cents = dollars.quantize(Decimal("0.01"))
    if cents == dollars:
        return f"{cents:{grouping}.2f}"
    return f"{dollars.normalize():{grouping}f}"
