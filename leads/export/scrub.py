"""The one scrub rule: which numbers an export leaves out, and why.

A number is left out when it is on the internal do-not-call list (its number, or its owner,
read from the list itself at export time, not only from the marks a trace left), marked wrong,
a litigator's (or its owner is one), on the DNC registry, or its DNC status is unknown or
older than 31 days: the registry rule (a scrub no older than 31 days). Each number counts under
the first reason that applies, in that order, so the per-reason counts add up.

The rule is one SQL CASE on the phone row: the export's cells, its counts and the leads it
records all read the same expression.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from leads.models import DNC_FRESH_FOR, DoNotCall, Lead, Phone, WrongNumber

INTERNAL_LIST, WRONG_NUMBER, LITIGATOR = "internal_list", "wrong_number", "litigator"
DNC, DNC_UNKNOWN, DNC_STALE = "dnc", "dnc_unknown", "dnc_stale"
KEPT = ""
# Every reason, in the order they are tried; what a person reads for each.
REASONS: dict[str, str] = {
    INTERNAL_LIST: "on the internal do-not-call list",
    WRONG_NUMBER: "marked wrong number",
    LITIGATOR: "a TCPA litigator's",
    DNC: "on the DNC registry",
    DNC_UNKNOWN: "DNC status unknown",
    DNC_STALE: "DNC status older than 31 days",
}
MUST_NOT_DIAL = frozenset({INTERNAL_LIST, WRONG_NUMBER, LITIGATOR, DNC})


def scrub_reason(now: dt.datetime | None = None) -> Case:
    """The reason a phone row is left out ("" when it may be dialled)."""
    now = now or timezone.now()
    listed_number = Exists(DoNotCall.objects.filter(number=OuterRef("number")))
    listed_owner = Exists(
        DoNotCall.objects.filter(
            number="",
            normalized_owner=OuterRef("lead__normalized_owner"),
            normalized_mailing=OuterRef("lead__normalized_mailing"),
        )
    )
    marked_wrong = Exists(
        WrongNumber.objects.filter(lead_id=OuterRef("lead_id"), number=OuterRef("number"))
    )
    return Case(
        When(
            Q(do_not_call=True) | Q(lead__do_not_call=True) | listed_number | listed_owner,
            then=Value(INTERNAL_LIST),
        ),
        When(Q(wrong_number=True) | marked_wrong, then=Value(WRONG_NUMBER)),
        When(Q(litigator=True) | Q(lead__litigator=True), then=Value(LITIGATOR)),
        When(dnc=True, then=Value(DNC)),
        When(Q(dnc__isnull=True) | Q(dnc_checked_at__isnull=True), then=Value(DNC_UNKNOWN)),
        When(dnc_checked_at__lt=now - DNC_FRESH_FOR, then=Value(DNC_STALE)),
        default=Value(KEPT),
        output_field=CharField(),
    )


def dnc_status(phone: Any) -> str:
    """A phone's DNC cell, from its `scrub_reason`: "true" (must not be dialled), "false"
    (checked clean within 31 days), "stale" or "unknown": never "false" for a check that is
    missing or older than 31 days."""
    return dnc_cell(phone.scrub_reason)


def dnc_cell(reason: str) -> str:
    """The DNC cell of a phone left out for `reason` (KEPT: may be dialled)."""
    if reason in MUST_NOT_DIAL:
        return "true"
    return {DNC_UNKNOWN: "unknown", DNC_STALE: "stale"}.get(reason, "false")


# Every reason's DNC cell, for a lookup per phone.
DNC_CELLS: dict[str, str] = {reason: dnc_cell(reason) for reason in (*REASONS, KEPT)}


def judged_phones(now: dt.datetime | None = None) -> QuerySet[Any]:
    """Phones with their `scrub_reason` (typed Any: django-stubs cannot see an annotation
    through a function's return type)."""
    return Phone.objects.annotate(scrub_reason=scrub_reason(now))


def _has_kept_phone(now: dt.datetime) -> Exists:
    return Exists(judged_phones(now).filter(lead_id=OuterRef("pk"), scrub_reason=KEPT))


def _has_phone() -> Exists:
    return Exists(Phone.objects.filter(lead_id=OuterRef("pk")))


def leads_in_export(
    leads: QuerySet[Lead], *, scrub: bool, needs_phone: bool, now: dt.datetime | None = None
) -> QuerySet[Lead]:
    """The leads an export holds. With scrub, a lead whose every number was left out is
    left out too; a dialer file (`needs_phone`) holds only leads with a number to dial."""
    now = now or timezone.now()
    if needs_phone:
        return leads.filter(_has_kept_phone(now)) if scrub else leads.filter(_has_phone())
    return leads.filter(_has_kept_phone(now) | ~_has_phone()) if scrub else leads


@dataclass(frozen=True)
class ScrubSummary:
    numbers: int = 0  # numbers left out
    leads: int = 0  # leads left out entirely: they had numbers and none is left
    by_reason: dict[str, int] = field(default_factory=dict)
    kept_numbers: int = 0

    def reasons(self) -> list[tuple[str, str, int]]:
        """(code, what a person reads, count) for each reason that left a number out."""
        return [
            (code, REASONS[code], self.by_reason[code])
            for code in REASONS
            if self.by_reason.get(code)
        ]

    def header(self) -> str:
        """`dnc=3, dnc_stale=1`: the per-reason counts for a response header."""
        return ", ".join(f"{code}={count}" for code, _, count in self.reasons())


def scrub_summary(leads: QuerySet[Lead], *, now: dt.datetime | None = None) -> ScrubSummary:
    """What scrub leaves out of these leads: three aggregate queries, however many leads."""
    now = now or timezone.now()
    ids = leads.order_by().values("pk")
    counts = dict(
        judged_phones(now)
        .filter(lead_id__in=ids)
        .order_by()
        .values("scrub_reason")
        .annotate(n=Count("id"))
        .values_list("scrub_reason", "n")
    )
    kept = counts.pop(KEPT, 0)
    emptied = Lead.objects.filter(pk__in=ids).filter(_has_phone()).exclude(_has_kept_phone(now))
    return ScrubSummary(
        numbers=sum(counts.values()), leads=emptied.count(), by_reason=counts, kept_numbers=kept
    )
