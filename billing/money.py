"""The one place that converts and renders money.

Amounts are integer micro-dollars everywhere in the code and the database.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import lru_cache

MICROS_PER_CENT = 10_000
MICROS_PER_DOLLAR = 1_000_000
MINUS = "\u2212"  # a typographic minus, as people write money: −$15,300.00


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


def format_dollars(micros: int | None, *, up: bool = False) -> str:
    """Money as people read it, to the cent: `$12.34`, `$1,234.50`, `−$0.05`.

    Half a cent rounds up; `up` rounds any fraction of a cent up, for the most something
    can cost (a maximum shown is never less than the maximum). Where the micro-dollars
    matter, use `format_unit_price` (a per-lookup price) or `format_exact_dollars`.
    """
    if micros is None:
        return "—"
    cents = Decimal(abs(micros)) / MICROS_PER_CENT
    rounding = ROUND_CEILING if up and micros > 0 else ROUND_HALF_UP
    whole_cents = int(cents.to_integral_value(rounding=rounding))
    if whole_cents == 0 and micros != 0:
        return _signed(micros, "<$0.01")  # spent, however little: never "$0.00"
    return _signed(micros, f"${Decimal(whole_cents) / 100:,.2f}")


def format_exact_dollars(micros: int | None) -> str:
    """Every digit the amount has (`$1.409234`, `$0.008`): a ledger row's exact cost."""
    if micros is None:
        return "—"
    return _signed(micros, f"${_exact_dollars(abs(micros), grouping=',')}")


def format_unit_price(micros: int | None) -> str:
    """A price per unit: whole cents as `$0.10`; a sub-cent price with at least four
    decimals so it reads as one (`$0.0080`, `$0.0050`), more when it has them (`$0.00015`)."""
    if micros is None:
        return "—"
    if micros % MICROS_PER_CENT == 0:
        return format_dollars(micros)  # whole cents read as such: `$0.10`
    dollars = Decimal(abs(micros)) / MICROS_PER_DOLLAR
    places = max(4, -dollars.normalize().as_tuple().exponent)  # type: ignore[operator]
    return _signed(micros, f"${dollars:,.{places}f}")


def _signed(micros: int, text: str) -> str:
    return f"{MINUS}{text}" if micros < 0 else text


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
