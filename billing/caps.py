"""The spend day and the cap in force for it: what every reservation and budget read starts from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from billing.models import DailyCap, SpendDay
from providers.registry import PROVIDER_LABELS, vendor_of


def spend_day() -> dt.date:
    """Today in TIME_ZONE: the day a cap applies to."""
    return timezone.localdate()


def day_resets_at(day: dt.date) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


@dataclass(frozen=True)
class CapInForce:
    """A provider's cap today, where it comes from, and what today has spent of it."""

    provider: str
    label: str
    cap_micros: int
    source: str  # "an admin override" or "the environment (DAILY_CAP_ATTOM_CENTS)"
    overridden: bool
    spent_micros: int  # settled today
    reserved_micros: int  # held for calls in flight


def cap_in_force(provider: str) -> CapInForce:
    override = DailyCap.objects.filter(provider=provider).values_list("cap_micros", flat=True)
    overridden = override.first()
    day = SpendDay.objects.filter(provider=provider, day=spend_day()).first()
    return CapInForce(
        provider=provider,
        label=PROVIDER_LABELS[provider],
        cap_micros=cap_micros(provider),
        source="an admin override"
        if overridden is not None
        else f"the environment ({vendor_of(provider).cap_env})",
        overridden=overridden is not None,
        spent_micros=day.settled_micros if day else 0,
        reserved_micros=day.reserved_micros if day else 0,
    )


def cap_micros(provider: str) -> int:
    """The cap in force: an admin's override, else the environment's default."""
    override = DailyCap.objects.filter(provider=provider).values_list("cap_micros", flat=True)
    for cap in override:
        return cap
    return settings.DAILY_CAP_MICROS[provider]
