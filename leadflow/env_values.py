"""The tiny readers the settings are built with: each reads one environment variable and
fails loudly, naming it, on a bad value. Plain Python, importable before Django is set up."""

from __future__ import annotations

import os
from contextlib import suppress
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

from billing.money import cents_to_micros, dollars_to_micros
from providers.registry import VENDORS


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def _cents_as_micros(name: str, default: str) -> int:
    """A money amount given in cents (fractions allowed, e.g. 0.8) as integer micro-dollars."""
    raw = os.environ.get(name, "").strip() or default
    try:
        cents = Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be an amount in cents, not {raw!r}") from None
    if cents.is_finite() and cents >= 0:
        with suppress(ValueError):  # not exact to the micro-dollar
            return cents_to_micros(cents)
    raise ImproperlyConfigured(
        f"{name} must be a non-negative amount in cents exact to the micro-dollar, not {raw!r}"
    )


def _openai_prices(name: str, default: str) -> dict[str, dict[str, int]]:
    """`model=input/output/cached` in dollars per 1M tokens, comma-separated.

    Stored as integer micro-dollars per 1M tokens.
    """
    raw = os.environ.get(name, "").strip() or default
    prices: dict[str, dict[str, int]] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            model, rates = item.split("=", 1)
            parts = [Decimal(p) for p in rates.split("/")]
            if len(parts) == 2:
                parts.append(parts[0])
            input_, output, cached = (dollars_to_micros(p) for p in parts)
        except (ValueError, InvalidOperation):
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not model=input/output[/cached] in dollars per 1M tokens"
            ) from None
        prices[model.strip()] = {"input": input_, "output": output, "cached": cached}
    return prices


def _latencies_ms(name: str) -> dict[str, int]:
    """`vendor:milliseconds` pairs, comma-separated (`attom:400,twilio:150`), vendors by their
    registry key. Empty means no added latency."""
    raw = os.environ.get(name, "").strip()
    latencies: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        vendor, _, ms = item.partition(":")
        vendor = vendor.strip()
        if vendor not in VENDORS or not ms.strip().isdigit():
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not vendor:milliseconds with a vendor among "
                f"{', '.join(VENDORS)}"
            )
        latencies[vendor] = int(ms)
    return latencies
