"""Read-only figures for the spend dashboard, from the ledger and the leads.

A period of N days ends today and counts N spend days (calendar days in TIME_ZONE).
Ledger rows carry their spend `day`; leads are placed by the local date of
`skip_traced_at`. Money is integer micro-dollars; rates are floats in 0..1, or None
when there is nothing to divide by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from billing.caps import cap_micros, spend_day
from billing.models import LedgerEntry, Outcome
from leads.models import Lead, SkipTraceStatus
from providers.registry import ATTOM, PROVIDER_LABELS, PROVIDERS, VENDORS

DEFAULT_DAYS = 30
MAX_DAYS = 365

# Requests that left the process; cached, reused and refused rows did not.
OUTBOUND = (Outcome.SUCCESS, Outcome.EMPTY, Outcome.ERROR, Outcome.UNKNOWN)
ANSWERED = (Outcome.SUCCESS, Outcome.EMPTY)
FAILED = (Outcome.ERROR, Outcome.UNKNOWN)

OPERATIONS = {key: vendor.operations for key, vendor in VENDORS.items()}
PROPERTY_SEARCH = Q(provider=ATTOM, operation="property_search")

# Business targets shown beside the figures.
TARGET_COST_PER_CONTACTABLE_MICROS = 500_000  # $0.50
TARGET_CONTACTABLE_PER_DAY = 50
TARGET_VALID_PHONE_SHARE = 0.8


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    @property
    def days(self) -> list[dt.date]:
        count = (self.last - self.first).days + 1
        return [self.first + dt.timedelta(days=offset) for offset in range(count)]

    @property
    def starts_at(self) -> dt.datetime:
        return _local_midnight(self.first)

    @property
    def ends_at(self) -> dt.datetime:
        """The first instant after the period."""
        return _local_midnight(self.last + dt.timedelta(days=1))


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def period(days: int) -> Period:
    today = spend_day()
    return Period(first=today - dt.timedelta(days=days - 1), last=today)


def _ledger(days: int) -> QuerySet[LedgerEntry]:
    window = period(days)
    return LedgerEntry.objects.filter(day__range=(window.first, window.last))


def _traced(days: int) -> QuerySet[Lead]:
    window = period(days)
    return Lead.objects.filter(
        skip_traced_at__gte=window.starts_at, skip_traced_at__lt=window.ends_at
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- Today ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderToday:
    provider: str
    spent_micros: int
    cap_micros: int
    requests: int  # outbound
    cache_hits: int
    errors: int  # error + unknown
    refusals: int

    @property
    def over_cap(self) -> bool:
        return self.spent_micros > self.cap_micros

    @property
    def label(self) -> str:
        return PROVIDER_LABELS[self.provider]

    @property
    def cap_level(self) -> str:
        """How close the day is to the cap, for the bar's colour: "ok", "warn" or "over"."""
        return cap_level(self.spent_micros, self.cap_micros)

    @property
    def warn_at_micros(self) -> int:
        """The bar's `low`: a browser colours a <meter> past it as a warning by itself."""
        return self.cap_micros * CAP_WARN_PERCENT // 100

    @property
    def over_at_micros(self) -> int:
        """The bar's `high`: reaching the cap is past it."""
        return max(self.cap_micros - 1, 0)


CAP_WARN_PERCENT = 80  # a cap this full is about to refuse calls


def cap_level(spent_micros: int, cap_micros: int) -> str:
    """ "over" at or past the cap, "warn" from CAP_WARN_PERCENT of it, else "ok"."""
    if spent_micros >= cap_micros:
        return "over"
    if spent_micros * 100 >= cap_micros * CAP_WARN_PERCENT:
        return "warn"
    return "ok"


def today_by_provider() -> dict[str, ProviderToday]:
    rows = (
        LedgerEntry.objects.filter(day=spend_day())
        .values("provider")
        .annotate(
            spent_micros=Sum("cost_micros", default=0),
            requests=Count("id", filter=Q(outcome__in=OUTBOUND)),
            cache_hits=Count("id", filter=Q(outcome=Outcome.CACHED)),
            errors=Count("id", filter=Q(outcome__in=FAILED)),
            refusals=Count("id", filter=Q(outcome=Outcome.REFUSED)),
        )
    )
    by_provider: dict[str, Mapping[str, Any]] = {row["provider"]: row for row in rows}
    return {p: _provider_today(p, by_provider.get(p, {})) for p in PROVIDERS}


def _provider_today(provider: str, counts: Mapping[str, Any]) -> ProviderToday:
    return ProviderToday(
        provider=provider,
        spent_micros=counts.get("spent_micros", 0),
        cap_micros=cap_micros(provider),
        requests=counts.get("requests", 0),
        cache_hits=counts.get("cache_hits", 0),
        errors=counts.get("errors", 0),
        refusals=counts.get("refusals", 0),
    )


# --- Spend over the period -------------------------------------------------------------------


def daily_spend(days: int) -> list[dict[str, Any]]:
    """Oldest first, every day of the period: {"date", "attom", "batch", …} in micros."""
    rows = _ledger(days).values("day", "provider").annotate(micros=Sum("cost_micros"))
    spent = {(row["day"], row["provider"]): row["micros"] for row in rows}
    return [
        {"date": day, **{provider: spent.get((day, provider), 0) for provider in PROVIDERS}}
        for day in period(days).days
    ]


def total_spend(days: int) -> int:
    return _ledger(days).aggregate(micros=Sum("cost_micros", default=0))["micros"]


def refusals(days: int) -> int:
    return _ledger(days).filter(outcome=Outcome.REFUSED).count()


# --- Provider health -------------------------------------------------------------------------


def cache_hit_rate(days: int) -> float | None:
    """Property searches answered from the cache ÷ all property searches (hits + ATTOM calls)."""
    counts = _ledger(days).aggregate(
        hits=Count("id", filter=PROPERTY_SEARCH & Q(outcome=Outcome.CACHED)),
        calls=Count("id", filter=PROPERTY_SEARCH & Q(outcome__in=OUTBOUND)),
    )
    return _ratio(counts["hits"], counts["hits"] + counts["calls"])


@dataclass(frozen=True)
class Outbound:
    requests: int = 0
    answered: int = 0  # success + empty: the vendor answered properly
    latency_ms_total: int = 0

    @property
    def success_rate(self) -> float | None:
        return _ratio(self.answered, self.requests)

    @property
    def average_latency_ms(self) -> float | None:
        return _ratio(self.latency_ms_total, self.requests)


def outbound_by_provider(days: int) -> dict[str, Outbound]:
    rows = (
        _ledger(days)
        .filter(outcome__in=OUTBOUND)
        .values("provider")
        .annotate(
            requests=Count("id"),
            answered=Count("id", filter=Q(outcome__in=ANSWERED)),
            latency_ms_total=Sum("latency_ms", default=0),
        )
    )
    by_provider = {
        row["provider"]: Outbound(
            requests=row["requests"],
            answered=row["answered"],
            latency_ms_total=row["latency_ms_total"],
        )
        for row in rows
    }
    return {provider: by_provider.get(provider, Outbound()) for provider in PROVIDERS}


def outbound(days: int) -> Outbound:
    return _all_providers(outbound_by_provider(days))


def _all_providers(per_provider: dict[str, Outbound]) -> Outbound:
    return Outbound(
        requests=sum(o.requests for o in per_provider.values()),
        answered=sum(o.answered for o in per_provider.values()),
        latency_ms_total=sum(o.latency_ms_total for o in per_provider.values()),
    )


def success_rate(days: int) -> float | None:
    return outbound(days).success_rate


# --- Leads -----------------------------------------------------------------------------------


def skip_trace_hit_rate(days: int) -> float | None:
    """Of the leads traced in the period (matched or no match), the share matched."""
    counts = _traced(days).aggregate(
        matched=Count("id", filter=Q(skip_trace_status=SkipTraceStatus.MATCHED)),
        no_match=Count("id", filter=Q(skip_trace_status=SkipTraceStatus.NO_MATCH)),
    )
    return _ratio(counts["matched"], counts["matched"] + counts["no_match"])


def contactable_leads(days: int) -> int:
    return _traced(days).filter(contactable=True).count()


def cost_per_contactable_lead(days: int) -> int | None:
    """All spend in the period ÷ the contactable leads traced in it, in micros (half up)."""
    return _cost_per_lead(total_spend(days), contactable_leads(days))


def _cost_per_lead(spend_micros: int, leads: int) -> int | None:
    return (spend_micros + leads // 2) // leads if leads else None


def new_contactable_per_day(days: int) -> list[dict[str, Any]]:
    """Oldest first, every day: {"date", "count"} of contactable leads by local trace date."""
    rows = (
        _traced(days)
        .filter(contactable=True)
        .annotate(date=TruncDate("skip_traced_at", tzinfo=timezone.get_current_timezone()))
        .values("date")
        .annotate(count=Count("id"))
    )
    counts = {row["date"]: row["count"] for row in rows}
    return [{"date": day, "count": counts.get(day, 0)} for day in period(days).days]


def valid_phone_share(days: int) -> float | None:
    """Of the leads matched in the period, the share with a best phone."""
    counts = _traced(days).aggregate(
        matched=Count("id", filter=Q(skip_trace_status=SkipTraceStatus.MATCHED)),
        with_phone=Count(
            "id", filter=Q(skip_trace_status=SkipTraceStatus.MATCHED) & ~Q(best_phone="")
        ),
    )
    return _ratio(counts["with_phone"], counts["matched"])


# --- The ledger table ------------------------------------------------------------------------


LEDGER_FILTERS = ("provider", "outcome", "operation", "day")
PAID, EVERY_ROW = "paid", "all"


def ledger_page(
    filters: dict[str, Any], page: int = 1, page_size: int = 50, *, show: str = EVERY_ROW
) -> Page:
    """Newest first; `filters` may name a provider, outcome, operation and spend day. `show`
    PAID keeps the rows that moved money (the free ones — cache hits, reuse, refusals,
    AI scores skipped — are most of a busy day), unless an outcome is asked for by name.
    A page past the last is the last."""
    chosen = {name: filters[name] for name in LEDGER_FILTERS if filters.get(name)}
    entries = LedgerEntry.objects.filter(**chosen).select_related("lead", "user")
    if show == PAID and not chosen.get("outcome"):
        entries = entries.exclude(cost_micros=0)
    return Paginator(entries, page_size).get_page(page)


# --- Everything the page shows -------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    period: Period
    today: dict[str, ProviderToday]
    daily_spend: list[dict[str, Any]]
    total_spend_micros: int
    cache_hit_rate: float | None
    outbound: Outbound
    outbound_by_provider: dict[str, Outbound]
    skip_trace_hit_rate: float | None
    contactable_leads: int
    cost_per_contactable_micros: int | None
    new_contactable_per_day: list[dict[str, Any]]
    valid_phone_share: float | None
    refusals: int

    @property
    def contactable_per_day(self) -> float:
        return self.contactable_leads / len(self.period.days)

    @property
    def cost_target_met(self) -> bool | None:
        cost = self.cost_per_contactable_micros
        return None if cost is None else cost < TARGET_COST_PER_CONTACTABLE_MICROS

    @property
    def contactable_target_met(self) -> bool:
        return self.contactable_per_day >= TARGET_CONTACTABLE_PER_DAY

    @property
    def valid_phone_target_met(self) -> bool | None:
        share = self.valid_phone_share
        return None if share is None else share >= TARGET_VALID_PHONE_SHARE


def dashboard(days: int) -> Dashboard:
    contactable = contactable_leads(days)
    total = total_spend(days)
    per_provider = outbound_by_provider(days)
    return Dashboard(
        period=period(days),
        today=today_by_provider(),
        daily_spend=daily_spend(days),
        total_spend_micros=total,
        cache_hit_rate=cache_hit_rate(days),
        outbound=_all_providers(per_provider),
        outbound_by_provider=per_provider,
        skip_trace_hit_rate=skip_trace_hit_rate(days),
        contactable_leads=contactable,
        cost_per_contactable_micros=_cost_per_lead(total, contactable),
        new_contactable_per_day=new_contactable_per_day(days),
        valid_phone_share=valid_phone_share(days),
        refusals=refusals(days),
    )
