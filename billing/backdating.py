"""Moving settled spend to an earlier spend day, for seeded (demo) work only.

Demo data is bought from the sandbox the normal way — metered, with ledger rows, and the
search cache warmed — but it must not use up the day a new user starts on. Its rows and
their share of the day's counters move to another day together, so each day's counter
still equals the sum of its rows (`reconcile_spend` keeps proving it). The day's request and
refusal tallies stay where they were counted: they are not money, and a search's pages or a
block of lookups share one reservation, so rows cannot say how many there were.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F

from billing.caps import spend_day
from billing.guard import ensure_day
from billing.models import LedgerEntry, SpendDay


def last_ledger_id() -> int:
    """The newest ledger row's id (0 for none): where seeded work starts."""
    return LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def spend_move_to_day(*, after_id: int, day: dt.date) -> int:
    """Move today's settled ledger rows newer than `after_id`, written for no user, to `day`
    with their counters. Returns how many rows moved. Call it once the work is done: money
    still reserved for a call in flight stays on today's counter."""
    today = spend_day()
    if day >= today:
        raise ValueError("seeded spend moves to an earlier day")
    with transaction.atomic():
        rows = list(  # locked first: PostgreSQL takes no FOR UPDATE with a GROUP BY
            LedgerEntry.objects.select_for_update()
            .filter(pk__gt=after_id, day=today, user__isnull=True)
            .values_list("pk", "provider", "cost_micros")
        )
        totals: dict[str, int] = defaultdict(int)
        for _, provider, cost_micros in rows:
            totals[provider] += cost_micros
        for provider, cost_micros in totals.items():
            _move_settled(provider, cost_micros, today, day)
        return LedgerEntry.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(day=day)


def _move_settled(provider: str, cost_micros: int, today: dt.date, day: dt.date) -> None:
    ensure_day(provider, day)
    for when, sign in ((today, -1), (day, 1)):
        SpendDay.objects.filter(provider=provider, day=when).update(
            settled_micros=F("settled_micros") + sign * cost_micros
        )
