"""Proof that every day's counter equals the sum of its ledger rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, Sum

from billing.caps import spend_day
from billing.models import LedgerEntry, Outcome, SpendDay, UserSpendDay


@dataclass(frozen=True)
class DayCheck:
    provider: str
    day: dt.date
    counter_micros: int
    ledger_micros: int
    reserved_micros: int
    unknown_rows: int  # unsettled unknown outcomes, charged at their maximum
    unknown_micros: int = 0

    @property
    def difference_micros(self) -> int:
        return self.counter_micros - self.ledger_micros

    @property
    def stale_reservation(self) -> bool:
        """Money still held on a past day: a call that never came back to settle."""
        return self.reserved_micros > 0 and self.day < spend_day()

    @property
    def ok(self) -> bool:
        return self.difference_micros == 0 and not self.stale_reservation


def reconcile(*, since: dt.date | None = None) -> list[DayCheck]:
    days = SpendDay.objects.order_by("day", "provider")
    if since is not None:
        days = days.filter(day__gte=since)
    ledger = _ledger_totals(since)
    return [
        DayCheck(
            provider=row.provider,
            day=row.day,
            counter_micros=row.settled_micros,
            ledger_micros=ledger.get((row.provider, row.day), (0, 0, 0))[0],
            reserved_micros=row.reserved_micros,
            unknown_rows=ledger.get((row.provider, row.day), (0, 0, 0))[1],
            unknown_micros=ledger.get((row.provider, row.day), (0, 0, 0))[2],
        )
        for row in days
    ] + _orphan_rows(ledger, days)


def _ledger_totals(since: dt.date | None) -> dict[tuple[str, dt.date], tuple[int, int, int]]:
    """(provider, day) → (sum of costs, unsettled unknown-outcome rows, what they charged)."""
    rows = LedgerEntry.objects.all()
    if since is not None:
        rows = rows.filter(day__gte=since)
    unsettled = Q(outcome=Outcome.UNKNOWN, reconciled_at__isnull=True)
    totals = rows.values("provider", "day").annotate(
        total=Sum("cost_micros"),
        unknown=Count("id", filter=unsettled),
        unknown_micros=Sum("cost_micros", filter=unsettled),
    )
    return {
        (t["provider"], t["day"]): (t["total"] or 0, t["unknown"], t["unknown_micros"] or 0)
        for t in totals
    }


def _orphan_rows(ledger: dict, days) -> list[DayCheck]:
    """Ledger money on a day that has no counter at all."""
    known = {(row.provider, row.day) for row in days}
    return [
        DayCheck(provider, day, 0, total, 0, unknown, unknown_micros)
        for (provider, day), (total, unknown, unknown_micros) in sorted(
            ledger.items(), key=lambda i: i[0][1]
        )
        if (provider, day) not in known and total
    ]


def release_stale_reservations() -> int:
    """Give back money held on past days; returns how many counters changed."""
    with transaction.atomic():
        # An agent's counter holds the same reservations as the team's: give both back.
        UserSpendDay.objects.filter(day__lt=spend_day(), reserved_micros__gt=0).update(
            reserved_micros=0
        )
        return SpendDay.objects.filter(day__lt=spend_day(), reserved_micros__gt=0).update(
            reserved_micros=0
        )
