"""Unit prices (env defaults, admin overrides) and the cost of a provider's usage."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings

from billing.models import PriceOverride
from providers.registry import PRICED_UNITS, VENDORS

# "attom.records" -> "ATTOM_PRICE_PER_RECORD_MICROS", for every unit with a price of its own.
DEFAULT_PRICE_SETTINGS = {key: unit.setting for key, unit in PRICED_UNITS.items()}
TOKENS_PER_PRICE_UNIT = 1_000_000
# Billed by the tokens the vendor counts (priced per model), known only once the answer is
# in: such a call can cost more than its reservation, and the ledger records what it cost.
TOKEN_BILLED = frozenset(key for key, vendor in VENDORS.items() if vendor.model_price_setting)


class UnknownPrice(Exception):
    """No price is configured for what a provider would bill: refuse rather than guess."""


def unit_price_micros(unit: str) -> int:
    override = PriceOverride.objects.filter(unit=unit).values_list("price_micros", flat=True)
    for price in override:
        return price
    return getattr(settings, DEFAULT_PRICE_SETTINGS[unit])


def cost_micros(provider: str, usage: Mapping[str, int]) -> int:
    """What this usage, in the vendor's billing units, costs at today's prices."""
    if provider in TOKEN_BILLED:
        return openai_cost_micros(settings.OPENAI_MODEL, usage)
    return sum(count * unit_price_micros(f"{provider}.{unit}") for unit, count in usage.items())


def max_cost_micros(provider: str, max_usage: Mapping[str, int], *, requests: int = 1) -> int:
    """The most `requests` requests can cost when each bills at most `max_usage`.

    One request's figure is exactly what the meter reserves for it, so a preview or a
    pre-flight built on this agrees with the reservations that follow (each rounded on its own).
    """
    return requests * cost_micros(provider, max_usage)


def billable_units(provider: str, usage: Mapping[str, int]) -> int:
    """The ledger's one count of what was billed: tokens in and out, else the largest unit."""
    if provider in TOKEN_BILLED:
        return usage.get("input_tokens", 0) + usage.get("output_tokens", 0)
    return max(usage.values(), default=0)


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
