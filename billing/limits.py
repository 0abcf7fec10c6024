"""Per-agent daily limits: each agent's counter beside the team's, held by the same rule.

`reserve_user` is the per-agent twin of the team reservation: one conditional UPDATE on the
agent's `UserSpendDay` row, admitted only while settled + reserved + amount <= the limit. The
guard calls it in the transaction that reserved on the team's counter, so both are taken or
neither is: concurrent calls of one agent never pass the limit, and a refusal by the agent's
limit leaves the team's counter as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from billing.caps import spend_day
from billing.models import UserDailyLimit, UserSpendDay
from billing.money import cents_to_micros, micros_to_cents
from providers.modes import PROVIDERS


def user_limit_micros(user_id: int, provider: str) -> int | None:
    """The agent's daily limit for this provider; None: only the team's cap applies."""
    return (
        UserDailyLimit.objects.filter(user_id=user_id, provider=provider)
        .values_list("limit_micros", flat=True)
        .first()
    )


def ensure_user_day(user_id: int, provider: str, day: dt.date) -> None:
    if UserSpendDay.objects.filter(user_id=user_id, provider=provider, day=day).exists():
        return
    try:
        with transaction.atomic():
            UserSpendDay.objects.create(user_id=user_id, provider=provider, day=day)
    except IntegrityError:
        pass  # another process created it first


def reserve_user(
    *, user_id: int, provider: str, day: dt.date, amount_micros: int, limit_micros: int | None
) -> bool:
    """Hold `amount_micros` on the agent's counter; False when the limit refuses it."""
    row = UserSpendDay.objects.filter(user_id=user_id, provider=provider, day=day)
    if limit_micros is not None:
        row = row.alias(committed=F("settled_micros") + F("reserved_micros")).filter(
            committed__lte=limit_micros - amount_micros
        )
    return bool(
        row.update(reserved_micros=F("reserved_micros") + amount_micros, requests=F("requests") + 1)
    )


def settle_user(
    *, user_id: int, provider: str, day: dt.date, reserved_micros: int, cost_micros: int
) -> None:
    UserSpendDay.objects.filter(user_id=user_id, provider=provider, day=day).update(
        reserved_micros=F("reserved_micros") - reserved_micros,
        settled_micros=F("settled_micros") + cost_micros,
    )


def count_user_refusal(*, user_id: int, provider: str, day: dt.date) -> UserSpendDay:
    row = UserSpendDay.objects.filter(user_id=user_id, provider=provider, day=day)
    row.update(refusals=F("refusals") + 1)
    return row.get()


@dataclass(frozen=True)
class UserSpend:
    provider: str
    limit_micros: int | None
    settled_micros: int
    reserved_micros: int

    @property
    def remaining_micros(self) -> int | None:
        """What the agent may still spend today; None when no limit applies."""
        if self.limit_micros is None:
            return None
        return max(self.limit_micros - self.settled_micros - self.reserved_micros, 0)

    def covers(self, amount_micros: int) -> bool:
        remaining = self.remaining_micros
        return remaining is None or amount_micros <= remaining


def user_spend_today(user_id: int, provider: str) -> UserSpend:
    row = UserSpendDay.objects.filter(user_id=user_id, provider=provider, day=spend_day()).first()
    return UserSpend(
        provider=provider,
        limit_micros=user_limit_micros(user_id, provider),
        settled_micros=row.settled_micros if row else 0,
        reserved_micros=row.reserved_micros if row else 0,
    )


def limits_json(user_id: int) -> dict[str, int | float | None]:
    """{"attom": 500, "batch": None, …}: each provider's daily limit in cents, None for none."""
    limits = dict(
        UserDailyLimit.objects.filter(user_id=user_id).values_list("provider", "limit_micros")
    )
    return {
        provider: None if provider not in limits else micros_to_cents(limits[provider])
        for provider in PROVIDERS
    }


def limits_update(*, user_id: int, cents: Mapping[str, object]) -> dict[str, int | float | None]:
    """Set (a number of cents) or clear (None) the named providers' limits; the rest stay."""
    with transaction.atomic():
        for provider, value in cents.items():
            if value is None:
                UserDailyLimit.objects.filter(user_id=user_id, provider=provider).delete()
                continue
            UserDailyLimit.objects.update_or_create(
                user_id=user_id,
                provider=provider,
                defaults={"limit_micros": cents_to_micros(str(value))},
            )
    return limits_json(user_id)
