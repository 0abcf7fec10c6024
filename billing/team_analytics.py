"""The dashboard's team figures: spend per agent today, and what the calls achieved.

Right-party contacts come from the dialer's call results (the `called` events a disposition
import writes): the rate is leads whose call reached the owner ÷ leads called, and the cost
per right-party contact is the period's whole spend ÷ those leads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from billing.analytics import period, total_spend
from billing.caps import spend_day
from billing.models import LedgerEntry
from leads.activity.models import Activity, ActivityKind


@dataclass(frozen=True)
class AgentSpend:
    username: str
    provider: str
    spent_micros: int


def spend_by_agent_today() -> list[AgentSpend]:
    """Each agent's spend per provider today, from the ledger (the one record of money)."""
    rows = (
        LedgerEntry.objects.filter(day=spend_day(), user__isnull=False)
        .values("user__username", "provider")
        .annotate(spent=Sum("cost_micros", default=0))
        .order_by("user__username", "provider")
    )
    return [AgentSpend(r["user__username"], r["provider"], r["spent"]) for r in rows]


@dataclass(frozen=True)
class CallFigures:
    leads_called: int
    right_party_leads: int
    cost_per_right_party_micros: int | None

    @property
    def right_party_rate(self) -> float | None:
        return self.right_party_leads / self.leads_called if self.leads_called else None


def call_figures(days: int) -> CallFigures:
    window = period(days)
    calls = Activity.objects.filter(
        kind=ActivityKind.CALLED, at__gte=window.starts_at, at__lt=window.ends_at
    )
    called = calls.values("lead_id").distinct().count()
    reached = calls.filter(data__rightParty=True).values("lead_id").distinct().count()
    spend = total_spend(days)
    per_contact = (spend + reached // 2) // reached if reached else None
    return CallFigures(called, reached, per_contact)
