"""Unit prices (env defaults, admin overrides) and the cost of a provider's usage."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings

from billing.models import PriceOverride
from providers.registry import OPENAI, PRICED_UNITS

# "attom.records" -> "ATTOM_PRICE_PER_RECORD_MICROS", for every unit with a price of its own.
DEFAULT_PRICE_SETTINGS = {key: unit.setting for key, unit in PRICED_UNITS.items()}
TOKENS_PER_PRICE_UNIT = 1_000_000


class UnknownPrice(Exception):
    """No price is configured for what a provider would bill: refuse rather than guess."""


def unit_price_micros(unit: str) -> int:
    override = PriceOverride.objects.filter(unit=unit).values_list("price_micros", flat=True)
    for price in override:
        return price
    return getattr(settings, DEFAULT_PRICE_SETTINGS[unit])


def cost_micros(provider: str, usage: Mapping[str, int]) -> int:
    if provider == OPENAI:
        return openai_cost_micros(settings.OPENAI_MODEL, usage)
    return sum(count * unit_price_micros(f"{provider}.{unit}") for unit, count in usage.items())


def openai_cost_micros(model: str, usage: Mapping[str, int]) -> int:
    """(input − cached) × in + cached × cached_price + output × out, per 1M tokens.

    Reasoning tokens are part of output tokens. Rounded up to the micro-dollar so cost
    tracking errs toward over-reporting.
    """
    prices = settings.OPENAI_PRICES.get(model)
    if prices is None:
        raise UnknownPrice(f"no price configured for OpenAI model {model!r} (OPENAI_PRICES)")
    cached = usage.get("cached_tokens", 0)
    uncached = max(usage.get("input_tokens", 0) - cached, 0)
    scaled = (
        uncached * prices["input"]
        + cached * prices["cached"]
        + usage.get("output_tokens", 0) * prices["output"]
    )
    return -(-scaled // TOKENS_PER_PRICE_UNIT)  # ceiling division
