from __future__ import annotations

from django import template

from billing.money import format_dollars, micros_to_cents

register = template.Library()


@register.filter
def dollars(micros: int | None) -> str:
    return format_dollars(micros)


@register.filter
def cents(micros: int | None) -> str:
    return "—" if micros is None else f"{micros_to_cents(micros)}¢"
