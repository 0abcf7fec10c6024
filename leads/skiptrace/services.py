"""Skip tracing one lead: reuse what we know, else BatchData through the spend guard.

- A lead traced within SKIP_TRACE_REUSE_DAYS answers from its stored result, free, unless
  `force` (a no-match too).
- A lead whose owner (normalised name + mailing address) was traced for another property
  reuses that person's contacts, free.
- Otherwise one metered BatchData request: it may bill one match; the ledger is settled with
  the matches billed (a no-match is free) in the same transaction as the contacts are stored.
- A claim on the lead row (a conditional UPDATE) makes concurrent requests for one lead
  produce one provider call and one charge; the others wait (at most half the server's
  timeout) and get the stored result. `force` joins too: a trace that finished within the
  server's timeout answers a forced request for free, so a burst of forced clicks pays once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.permissions import SKIP_TRACE, ensure_permitted
from billing.guard import record_free
from billing.meter import BillingMeter
from billing.models import Outcome
from leads.activity.services import lead_activity_record
from leads.bulk_insert import update_rows
from leads.lead_contacts import attach_contacts
from leads.models import ActivityKind, Lead, SkipTraceStatus
from leads.scoring.services import SCORE_FIELDS, enqueue_ai_scoring, lead_score_rules
from leads.skiptrace.compliance import COMPLIANCE_FIELDS, apply_do_not_call_list, refresh_compliance
from leads.skiptrace.contacts import copy_contacts, skip_trace_request, store_match
from leads.skiptrace.line_types import check_line_types
from providers.batchdata import BatchDataClient
from providers.modes import OFF, SANDBOX, provider_mode
from providers.registry import BATCH, ProviderOff

logger = logging.getLogger("leadflow.skiptrace")

CLAIM_TIMEOUT = dt.timedelta(minutes=2)  # a claim older than this was abandoned
WAIT_POLL_SECONDS = 0.05
# What the work after a trace writes to a lead it rescored (each column once).
RESCORED_FIELDS = list(dict.fromkeys([*COMPLIANCE_FIELDS, *SCORE_FIELDS]))


class SkipTraceUnavailable(ProviderOff):
    """BatchData is off: no key is set and the sandbox is off."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(BATCH, reason)


class LeadBusy(Exception):
    """Another request is tracing this lead and did not finish in time."""


@dataclass
class TraceOutcome:
    lead: Lead
    cost_micros: int
    reused: bool
    detail: str = ""
    notes: list[str] = field(default_factory=list)


def provider_label() -> str:
    return "batchdata-sandbox" if provider_mode(BATCH) == SANDBOX else "batchdata"


def ensure_skip_tracing_on() -> None:
    """Refuse, with the reason, any trace while BatchData is off."""
    if provider_mode(BATCH) == OFF:
        raise SkipTraceUnavailable()  # the registry's reason: what to set


def lead_skip_trace(*, lead: Lead, user_id: int | None = None, force: bool = False) -> TraceOutcome:
    ensure_skip_tracing_on()
    ensure_permitted(user_id, SKIP_TRACE)
    if not claim_lead(lead.pk):
        return _wait_for_other(lead, user_id)
    try:
        lead.refresh_from_db()
        reused = _just_traced(lead, user_id) if force else reuse_stored_trace(lead, user_id)
        outcome = reused or _trace(lead, user_id)
        # Under the claim: a caller arriving meanwhile must neither pay for the same
        # line-type lookups again nor see the contacts before the best phone is chosen.
        outcome.notes = after_trace(outcome.lead, user_id=user_id)
    finally:
        release_lead(lead.pk)
    return outcome


def claim_lead(lead_id: int) -> bool:
    now = timezone.now()
    return bool(Lead.objects.filter(_unclaimed(now), pk=lead_id).update(skip_trace_claimed_at=now))


def claim_leads(lead_ids: Sequence[int]) -> set[int]:
    """`claim_lead` for many leads in two statements; returns the ids claimed (the others
    are someone else's). The rows read are locked until the claim commits (on SQLite the
    transaction holds the write lock from its start), so no concurrent claim takes one too."""
    now = timezone.now()
    with transaction.atomic():
        free = list(
            Lead.objects.select_for_update()
            .filter(_unclaimed(now), pk__in=list(lead_ids))
            .order_by("pk")  # locked in one order: two jobs' claims never deadlock
            .values_list("pk", flat=True)
        )
        Lead.objects.filter(pk__in=free).update(skip_trace_claimed_at=now)
    return set(free)


def _unclaimed(now: dt.datetime) -> Q:
    return Q(skip_trace_claimed_at__isnull=True) | Q(skip_trace_claimed_at__lt=now - CLAIM_TIMEOUT)


def release_lead(lead_id: int) -> None:
    release_leads([lead_id])


def release_leads(lead_ids: Iterable[int]) -> None:
    Lead.objects.filter(pk__in=list(lead_ids)).update(skip_trace_claimed_at=None)


def _just_traced(lead: Lead, user_id: int | None) -> TraceOutcome | None:
    """`force` joins a trace that finished within the server's timeout: every request of a
    burst of forced clicks was asked while it ran (no request lives longer), so the burst
    pays once, however the requests' claims interleave."""
    joined_since = timezone.now() - dt.timedelta(seconds=settings.WEB_TIMEOUT_SECONDS)
    if lead.skip_traced_at is None or lead.skip_traced_at < joined_since:
        return None
    _record_reuse(lead, user_id, "traced moments ago by a concurrent request")
    return TraceOutcome(lead, 0, reused=True, detail="traced moments ago — free")


def wait_limit_seconds() -> float:
    """How long a request waits for another trace of its lead: half the server's timeout
    (WEB_TIMEOUT_SECONDS, gunicorn's `timeout`), so the wait and the answer fit inside it."""
    return settings.WEB_TIMEOUT_SECONDS / 2


def _wait_for_other(lead: Lead, user_id: int | None) -> TraceOutcome:
    deadline = time.monotonic() + wait_limit_seconds()
    while Lead.objects.filter(pk=lead.pk, skip_trace_claimed_at__isnull=False).exists():
        if time.monotonic() > deadline:
            raise LeadBusy("This lead is being traced right now; try again in a moment.")
        time.sleep(WAIT_POLL_SECONDS)
    lead.refresh_from_db()
    _record_reuse(lead, user_id, "traced by a concurrent request")
    return TraceOutcome(lead, 0, reused=True, detail="traced by a concurrent request")


def reuse_stored_trace(lead: Lead, user_id: int | None) -> TraceOutcome | None:
    if lead.trace_is_fresh:
        _record_reuse(lead, user_id, "traced within the reuse window")
        return TraceOutcome(lead, 0, reused=True, detail="already traced — free")
    same_owner = same_owner_traced(lead)
    if same_owner is not None:
        with transaction.atomic():
            copy_contacts(source=same_owner, target=lead)
            _record_reuse(lead, user_id, f"same owner as lead {same_owner.pk}")
            lead_activity_record(
                lead_id=lead.pk,
                kind=ActivityKind.TRACED,
                user_id=user_id,
                text=f"Skip traced: the owner's contacts from lead {same_owner.pk}, free",
            )
        return TraceOutcome(lead, 0, reused=True, detail="owner already traced — free")
    return None


def same_owner_traced(lead: Lead) -> Lead | None:
    if not (lead.normalized_owner and lead.normalized_mailing):
        return None
    return (
        Lead.objects.freshly_traced()
        .filter(
            normalized_owner=lead.normalized_owner,
            normalized_mailing=lead.normalized_mailing,
            skip_trace_status=SkipTraceStatus.MATCHED,
        )
        .exclude(pk=lead.pk)
        .order_by("-skip_traced_at")
        .first()
    )


def traced_owners(leads: Iterable[Lead]) -> set[tuple[str, str]]:
    """The (owner, mailing) pairs among these leads' owners that `same_owner_traced` may
    find: one query to tell which leads of a bulk job are worth asking about."""
    owners = {
        lead.normalized_owner for lead in leads if lead.normalized_owner and lead.normalized_mailing
    }
    return set(
        Lead.objects.freshly_traced()
        .filter(normalized_owner__in=owners, skip_trace_status=SkipTraceStatus.MATCHED)
        .values_list("normalized_owner", "normalized_mailing")
    )


def _record_reuse(lead: Lead, user_id: int | None, detail: str) -> None:
    record_free(
        provider=BATCH,
        operation="skip_trace",
        outcome=Outcome.REUSED,
        user_id=user_id,
        lead_id=lead.pk,
        sandbox=lead.sandbox,
        detail=detail,
    )


def _trace(lead: Lead, user_id: int | None) -> TraceOutcome:
    client = BatchDataClient.from_settings()
    meter = BillingMeter(user_id=user_id, lead_id=lead.pk)
    with meter.request(provider=BATCH, operation="skip_trace", max_usage={"matches": 1}) as ticket:
        batch = client.skip_trace([skip_trace_request(lead)])
        with transaction.atomic():
            ticket.billed(usage={"matches": batch.match_count}, call=batch.call)
            cost = ticket.charged_micros
            store_match(
                lead,
                batch.matches[0],
                cost_micros=cost,
                provider=provider_label(),
                user_id=user_id,
            )
    return TraceOutcome(lead, cost, reused=False)


def after_trace(lead: Lead, *, enqueue_ai: bool = True, user_id: int | None = None) -> list[str]:
    """Line types (optional), the do-not-call list, compliance and the score follow a trace.

    Returns notes on anything left undone (e.g. line-type checks stopped at their cap).
    """
    return after_traces([lead], enqueue_ai=enqueue_ai, user_id=user_id)[lead.pk]


def after_traces(
    leads: Sequence[Lead], *, enqueue_ai: bool = True, user_id: int | None = None
) -> dict[int, list[str]]:
    """`after_trace` for a batch (a bulk trace passes up to 100 leads): a few queries per
    batch for the reads, the do-not-call marks and the writes (plus one metered request per
    unchecked phone). Updates the given instances; returns each lead's notes.
    """
    notes = check_line_types(leads, user_id=user_id)
    apply_do_not_call_list(leads)
    for lead in leads:
        vars(lead).pop("_prefetched_objects_cache", None)  # its phones changed since
    attach_contacts(leads)  # phones, e-mails and lists (the stacking reason) for them all
    now = timezone.now()
    rescored, kept = [], []
    for lead in leads:
        refresh_compliance(lead, save=False)
        if lead.scored_by in ("", "rules"):  # an AI score is kept until the model rescores it
            lead_score_rules(lead=lead, save=False)
            rescored.append(lead)
        else:
            kept.append(lead)
        lead.updated_at = now
    update_rows(rescored, RESCORED_FIELDS)
    update_rows(kept, COMPLIANCE_FIELDS)
    if enqueue_ai:
        enqueue_ai_scoring([lead.pk for lead in leads], after_trace=True)
    return notes
