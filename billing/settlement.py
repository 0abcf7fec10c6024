"""Settling unknown outcomes from the vendor's own figures.

A request whose outcome we could not know (a timeout after it was sent) is charged its
maximum. Once the vendor's usage export (or its dashboard) says what it really billed, each
such row gets an adjustment row — the difference, usually money back — and is marked
settled (`reconciled_at`). Nothing already in the ledger changes its money: history is never
edited, and the day's counter moves by the adjustments, so it still equals its rows' sum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from billing.models import LedgerEntry, Outcome, SpendDay


@dataclass(frozen=True)
class DaySettlement:
    provider: str
    day: dt.date
    vendor_micros: int  # what the vendor says it billed that day
    known_micros: int  # what our rows of known outcome were charged
    unknown_rows: int
    charged_micros: int  # what the unknown rows were charged (their maximum)
    adjustment_micros: int  # the day's change: the vendor's figure minus ours, within bounds
    unexplained_micros: int  # billed by the vendor beyond every row we have, or short of them

    @property
    def settled(self) -> bool:
        return self.unknown_rows > 0


def unsettled(provider: str, day: dt.date) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        provider=provider, day=day, outcome=Outcome.UNKNOWN, reconciled_at__isnull=True
    ).order_by("created_at", "id")


def settle_day(
    *, provider: str, day: dt.date, vendor_micros: int, apply: bool = True
) -> DaySettlement:
    """The vendor billed `vendor_micros` for `provider` on `day`: what our known rows do not
    account for is what the unknown ones cost, between nothing and their maximum."""
    with transaction.atomic():
        rows = list(unsettled(provider, day).select_for_update())
        charged = sum(row.cost_micros for row in rows)
        known = _known_micros(provider, day, charged)
        true_cost = min(max(vendor_micros - known, 0), charged)
        if apply:
            _spread(rows, true_cost)
    return DaySettlement(
        provider, day, vendor_micros, known, len(rows), charged,
        adjustment_micros=true_cost - charged,
        unexplained_micros=vendor_micros - known - true_cost,
    )  # fmt: skip


def settle_row(entry: LedgerEntry, *, billed_micros: int) -> LedgerEntry | None:
    """One unknown row, settled from the vendor's word on that request (an admin action)."""
    with transaction.atomic():
        row = unsettled(entry.provider, entry.day).select_for_update().filter(pk=entry.pk).first()
        if row is None:
            return None
        return _adjust(row, min(max(billed_micros, 0), row.cost_micros), timezone.now())


def _known_micros(provider: str, day: dt.date, unsettled_micros: int) -> int:
    """The true cost of the day's requests we know: every row (settled unknowns with their
    adjustments) but the unsettled unknowns."""
    rows = LedgerEntry.objects.filter(provider=provider, day=day)
    return (rows.aggregate(total=Sum("cost_micros"))["total"] or 0) - unsettled_micros


def _spread(rows: list[LedgerEntry], true_cost: int) -> None:
    """The unknowns' true cost, row by row in order, each at most what it was charged."""
    now = timezone.now()
    left = true_cost
    for row in rows:
        billed = min(row.cost_micros, left)
        left -= billed
        _adjust(row, billed, now)


def _adjust(row: LedgerEntry, billed_micros: int, now: dt.datetime) -> LedgerEntry:
    difference = billed_micros - row.cost_micros
    adjustment = LedgerEntry.objects.create(
        provider=row.provider, operation=row.operation, outcome=Outcome.ADJUSTED,
        cost_micros=difference, day=row.day, lead_id=row.lead_id, user_id=row.user_id,
        sandbox=row.sandbox, adjusts=row, reconciled_at=now,
        detail=f"settles unknown outcome #{row.pk}: the vendor billed {billed_micros} micros",
    )  # fmt: skip
    LedgerEntry.objects.filter(pk=row.pk).update(reconciled_at=now)
    SpendDay.objects.filter(provider=row.provider, day=row.day).update(
        settled_micros=F("settled_micros") + difference
    )
    return adjustment
