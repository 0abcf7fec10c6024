"""Refusals by the team's cap or an agent's daily limit: the error, its ledger row, its log.

A refusal records a $0 REFUSED row and counts on the refusing counter; the reservation it
refused left no money held anywhere.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F

from billing.caps import day_resets_at
from billing.limits import count_user_refusal
from billing.models import LedgerEntry, Outcome, SpendDay

logger = logging.getLogger("leadflow.billing")


class CapExceeded(Exception):
    def __init__(
        self,
        *,
        provider: str,
        cap_micros: int,
        spent_micros: int,
        reserved_micros: int,
        needed_micros: int,
        resets_at: dt.datetime,
    ) -> None:
        super().__init__(f"daily cap for {provider} reached")
        self.provider = provider
        self.cap_micros = cap_micros
        self.spent_micros = spent_micros
        self.reserved_micros = reserved_micros
        self.needed_micros = needed_micros
        self.resets_at = resets_at


class UserCapExceeded(CapExceeded):
    """The agent's own daily limit for the provider refused the call (the team's cap did not):
    `cap_micros` and `spent_micros` are the agent's."""

    def __init__(self, *, user_id: int, **figures) -> None:
        super().__init__(**figures)
        self.user_id = user_id


def refuse(
    provider: str,
    day: dt.date,
    cap: int,
    amount: int,
    operation: str,
    user_id: int | None,
    lead_id: int | None,
) -> None:
    raise refusal(provider, day, cap, amount, operation, user_id, lead_id)


def refusal(
    provider: str,
    day: dt.date,
    cap: int,
    amount: int,
    operation: str,
    user_id: int | None,
    lead_id: int | None,
) -> CapExceeded:
    """Count and record a refused request (its ledger row); the error to raise for it."""
    with transaction.atomic():
        SpendDay.objects.filter(provider=provider, day=day).update(refusals=F("refusals") + 1)
        LedgerEntry.objects.create(
            provider=provider,
            operation=operation,
            outcome=Outcome.REFUSED,
            day=day,
            user_id=user_id,
            lead_id=lead_id,
            detail=f"needed {amount} micros; cap {cap}",
        )
    row = SpendDay.objects.get(provider=provider, day=day)
    logger.warning(
        "cap refused provider=%s operation=%s needed=%d cap=%d settled=%d reserved=%d",
        provider,
        operation,
        amount,
        cap,
        row.settled_micros,
        row.reserved_micros,
    )
    return CapExceeded(
        provider=provider,
        cap_micros=cap,
        spent_micros=row.settled_micros,
        reserved_micros=row.reserved_micros,
        needed_micros=amount,
        resets_at=day_resets_at(day),
    )


def refuse_user(
    provider: str,
    day: dt.date,
    limit: int,
    amount: int,
    operation: str,
    user_id: int,
    lead_id: int | None,
) -> None:
    raise user_refusal(provider, day, limit, amount, operation, user_id, lead_id)


def user_refusal(
    provider: str,
    day: dt.date,
    limit: int,
    amount: int,
    operation: str,
    user_id: int,
    lead_id: int | None,
) -> UserCapExceeded:
    """Count and record a request the agent's own limit refused; the error to raise for it."""
    with transaction.atomic():
        row = count_user_refusal(user_id=user_id, provider=provider, day=day)
        LedgerEntry.objects.create(
            provider=provider, operation=operation, outcome=Outcome.REFUSED, day=day,
            user_id=user_id, lead_id=lead_id,
            detail=f"needed {amount} micros; the agent's daily limit {limit}",
        )  # fmt: skip
    logger.warning(
        "agent limit refused provider=%s user=%s needed=%d limit=%d settled=%d reserved=%d",
        provider, user_id, amount, limit, row.settled_micros, row.reserved_micros,
    )  # fmt: skip
    return UserCapExceeded(
        user_id=user_id,
        provider=provider,
        cap_micros=limit,
        spent_micros=row.settled_micros,
        reserved_micros=row.reserved_micros,
        needed_micros=amount,
        resets_at=day_resets_at(day),
    )
