"""The spend day and the cap in force for it: what every reservation and budget read starts from."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from billing.models import DailyCap


def spend_day() -> dt.date:
    """Today in TIME_ZONE: the day a cap applies to."""
    return timezone.localdate()


def day_resets_at(day: dt.date) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def cap_micros(provider: str) -> int:
    """The cap in force: an admin's override, else the environment's default."""
    override = DailyCap.objects.filter(provider=provider).values_list("cap_micros", flat=True)
    for cap in override:
        return cap
    return settings.DAILY_CAP_MICROS[provider]
