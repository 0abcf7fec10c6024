"""The one place that converts and renders money.

Amounts are integer micro-dollars everywhere in the code and the database.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MICROS_PER_CENT = 10_000
MICROS_PER_DOLLAR = 1_000_000


def cents_to_micros(cents: Decimal | int | str) -> int:
    micros = Decimal(cents) * MICROS_PER_CENT
    if micros != micros.to_integral_value():
        raise ValueError(f"{cents} cents is not exact to the micro-dollar")
    return int(micros)


def micros_to_cents(micros: int) -> int | float:
    """Cents as a JSON number: an int when whole, else a float exact to 4 decimals."""
    if micros % MICROS_PER_CENT == 0:
        return micros // MICROS_PER_CENT
    return float(Decimal(micros) / MICROS_PER_CENT)


def format_dollars(micros: int | None) -> str:
    """`$12.34`; amounts under a cent keep their significant digits (`$0.008`)."""
    if micros is None:
        return "—"
    dollars = Decimal(micros) / MICROS_PER_DOLLAR
    sign = "-" if dollars < 0 else ""
    dollars = abs(dollars)
    if dollars != 0 and dollars < Decimal("0.01"):
        return f"{sign}${dollars.normalize():f}"
    rounded = dollars.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rounded != dollars:
        # Keep the exact amount visible rather than rounding spend away.
        return f"{sign}${dollars.normalize():,f}"
    return f"{sign}${rounded:,.2f}"
