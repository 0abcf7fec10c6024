from __future__ import annotations

from django import template

from billing.money import (
    format_dollars,
    format_exact_dollars,
    format_unit_price,
    micros_to_cents,
)

register = template.Library()


@register.filter
def dollars(micros: int | None) -> str:
    """To the cent: what people read."""
    return format_dollars(micros)


@register.filter
def most_dollars(micros: int | None) -> str:
    """The most something can cost, to the cent and rounded up: never shows less."""
    return format_dollars(micros, up=True)


@register.filter
def exact_dollars(micros: int | None) -> str:
    """Every micro-dollar: a ledger row's cost."""
    return format_exact_dollars(micros)


@register.filter
def unit_price(micros: int | None) -> str:
    """A price per unit, sub-cent digits kept: `$0.0080`."""
    return format_unit_price(micros)


@register.filter
def cents(micros: int | None) -> str:
    return "—" if micros is None else f"{micros_to_cents(micros)}¢"
