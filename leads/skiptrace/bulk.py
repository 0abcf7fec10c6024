"""Bulk skip trace: preview → confirm → a background task sending batches of up to 100.

Each batch reserves only what today's remaining budget can pay for, so the job stops
cleanly at the cap and says how many leads are left untraced.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.tasks import TaskContext, task
from django.utils import timezone

from billing import pricing
from billing.guard import CapExceeded
from billing.meter import BillingMeter
from billing.selectors import provider_spend_today
from leadflow.worker import PRIORITY_USER_STARTED
from leads.models import BulkTraceJob, Lead
from leads.scoring.services import enqueue_ai_scoring
from leads.skiptrace.contacts import skip_trace_request, store_matches
from leads.skiptrace.services import (
    SkipTraceUnavailable,
    after_traces,
    claim_lead,
    ensure_skip_tracing_on,
    provider_label,
    release_leads,
    reuse_stored_trace,
    traced_owners,
)
from providers.batchdata import BatchDataClient, SkipTraceMatch
from providers.http import ProviderError

logger = logging.getLogger("leadflow.skiptrace")

BATCH_SIZE = 100  # BatchData's limit per request
BULK_LIMIT = 5_000  # leads in one job
# A running job reports progress at least once a batch (a BatchData request and its line-type
# lookups take well under a minute); this long without a word, its worker has died.
STALL_AFTER = dt.timedelta(minutes=10)
ONE_LEAD = {"matches": 1}  # the most one lead of a batch can bill
MAX_CAP_RACES = 3
BATCH_ATTEMPTS = 3  # a batch BatchData failed without billing is sent this many times at most
BATCH_RETRY_PAUSE_SECONDS = 0.5
MAX_FAILED_BATCHES = 3  # failed batches in a row: BatchData is down, stop the job


@dataclass(frozen=True)
class BulkPreview:
    count: int
    free: int  # traced within the reuse window: answered from storage at $0
    to_trace: int
    price_micros: int  # the most one lead can cost: one match
    max_cost_micros: int
    remaining_micros: int  # today's BatchData budget left

    @property
    def affordable(self) -> int:
        return (
            min(self.to_trace, self.remaining_micros // self.price_micros)
            if self.price_micros
            else self.to_trace
        )


def bulk_preview(lead_ids: Sequence[int]) -> BulkPreview:
    leads = Lead.objects.filter(pk__in=lead_ids)
    free = leads.freshly_traced().count()
    count = leads.count()
    return BulkPreview(
        count=count,
        free=free,
        to_trace=count - free,
        price_micros=pricing.max_cost_micros("batch", ONE_LEAD),
        max_cost_micros=pricing.max_cost_micros("batch", {"matches": count - free}),
        remaining_micros=provider_spend_today("batch").remaining_micros,
    )


def bulk_trace_start(
    *, lead_ids: Sequence[int], user_id: int | None, max_cost_micros: int | None = None
) -> BulkTraceJob:
    """Queue a bulk trace; refused up front (SkipTraceUnavailable) while BatchData is off."""
    ensure_skip_tracing_on()
    ids = list(Lead.objects.filter(pk__in=lead_ids).order_by("pk").values_list("pk", flat=True))
    job = BulkTraceJob.objects.create(
        user_id=user_id, lead_ids=ids, total=len(ids), max_cost_micros=max_cost_micros
    )
    transaction.on_commit(lambda: run_bulk_trace.enqueue(job.pk))
    return job


@task(priority=PRIORITY_USER_STARTED, takes_context=True)
def run_bulk_trace(context: TaskContext, job_id: int) -> None:
    job = BulkTraceJob.objects.get(pk=job_id)
    if context.attempt > 1 and job.status != BulkTraceJob.Status.QUEUED:
        # Its worker died mid-run: finish it with what is left rather than count twice.
        _fail(job, "The worker running this job stopped.")
        return
    bulk_trace_run(job)


def bulk_trace_run(
    job: BulkTraceJob, *, progress: Callable[[BulkTraceJob], None] | None = None
) -> BulkTraceJob:
    """Run a job to its end. Whatever stops it, it never stays "running": a refusal or a
    failure finishes it as failed with the reason and how many leads are left."""
    try:
        ensure_skip_tracing_on()
        return _run(job, progress)
    except SkipTraceUnavailable as exc:
        return _fail(job, str(exc))
    except Exception as exc:
        _fail(job, f"Stopped by an unexpected error ({type(exc).__name__}).")
        raise


def visible_jobs(user: AbstractBaseUser | AnonymousUser) -> QuerySet[BulkTraceJob]:
    """Agents see the jobs they started; staff see every job."""
    jobs = BulkTraceJob.objects.all()
    return jobs if user.is_staff else jobs.filter(user_id=user.pk)


def recover_stalled_jobs() -> int:
    """Finish as failed the jobs whose worker died mid-run (no progress for STALL_AFTER)."""
    stalled = BulkTraceJob.objects.filter(
        status=BulkTraceJob.Status.RUNNING, heartbeat_at__lt=timezone.now() - STALL_AFTER
    )
    for job in stalled:
        _fail(job, "The worker running this job stopped.")
    return len(stalled)


def _fail(job: BulkTraceJob, reason: str) -> BulkTraceJob:
    job.refresh_from_db()
    left = job.total - job.processed
    _set(
        job,
        status=BulkTraceJob.Status.FAILED,
        finished_at=timezone.now(),
        message=f"{reason} {left} lead(s) left untraced; start again to trace them "
        "(leads already traced are free).",
    )
    return job


def _run(job: BulkTraceJob, progress: Callable[[BulkTraceJob], None] | None) -> BulkTraceJob:
    _set(job, status=BulkTraceJob.Status.RUNNING)
    pending = _reuse_stored(job)
    _report(job, progress)
    client = BatchDataClient.from_settings()
    races = failed_in_a_row = 0
    while pending:
        size = _affordable(job, min(len(pending), BATCH_SIZE))
        if size == 0 or races > MAX_CAP_RACES:
            return _stop(job, len(pending))
        try:
            sent = _trace_batch_retrying(job, client, pending[:size])
        except ProviderError as exc:
            failed_in_a_row += 1
            if exc.permanent or failed_in_a_row >= MAX_FAILED_BATCHES:
                return _vendor_failed(job, exc)
            _count_errors(job, pending[:size], exc)
            sent = True
        else:
            failed_in_a_row = 0
        if sent:
            pending, races = pending[size:], 0
        else:
            races += 1  # someone else spent the budget first: size the batch again
        _report(job, progress)
    return _done(job)


def _trace_batch_retrying(job: BulkTraceJob, client: BatchDataClient, leads: list[Lead]) -> bool:
    """`_trace_batch`, tried again after a vendor failure that billed nothing (a 5xx or 429
    past the seam's own retries). Never after an unknown outcome: that may have been billed,
    and a second request would pay twice."""
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            return _trace_batch(job, client, leads)
        except ProviderError as exc:
            if exc.permanent or exc.outcome_unknown or attempt == BATCH_ATTEMPTS:
                raise
            logger.info("bulk job %s: BatchData failed (%s); trying again", job.pk, exc.message)
            time.sleep(BATCH_RETRY_PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")


def _count_errors(job: BulkTraceJob, leads: list[Lead], exc: ProviderError) -> None:
    """A batch BatchData failed: its leads are errors (not no-matches), and the job goes on."""
    logger.warning("bulk job %s: %d lead(s) not traced: %s", job.pk, len(leads), exc.message)
    BulkTraceJob.objects.filter(pk=job.pk).update(
        processed=F("processed") + len(leads), errors=F("errors") + len(leads)
    )
    job.refresh_from_db()


def _vendor_failed(job: BulkTraceJob, exc: ProviderError) -> BulkTraceJob:
    _set(
        job,
        status=BulkTraceJob.Status.FAILED,
        finished_at=timezone.now(),
        message=f"BatchData failed: {exc.message}. {job.total - job.processed} left.",
    )
    return job


def _done(job: BulkTraceJob) -> BulkTraceJob:
    message = f"Traced {job.matched} match(es), {job.no_match} no-match, {job.reused} free."
    if job.errors:
        message += f" {job.errors} lead(s) not traced (BatchData errors): start again for them."
    _set(job, status=BulkTraceJob.Status.DONE, finished_at=timezone.now(), message=message)
    return job


def _reuse_stored(job: BulkTraceJob) -> list[Lead]:
    """Leads with a recent trace (or a traced owner) cost nothing: answer them first."""
    leads = list(Lead.objects.filter(pk__in=job.lead_ids).order_by("pk"))
    owners = traced_owners(leads)  # one query instead of one per lead
    pending, reused = [], []
    for lead in leads:
        worth_asking = (
            lead.trace_is_fresh or (lead.normalized_owner, lead.normalized_mailing) in owners
        )
        # Claimed like a single trace, so a concurrent trace never repeats its line checks.
        if worth_asking and claim_lead(lead.pk):
            if reuse_stored_trace(lead, job.user_id) is not None:
                reused.append(lead)
                continue
            release_leads([lead.pk])
        pending.append(lead)
    try:
        for start in range(0, len(reused), BATCH_SIZE):
            after_traces(reused[start : start + BATCH_SIZE], enqueue_ai=False)
    finally:
        release_leads(lead.pk for lead in reused)
    BulkTraceJob.objects.filter(pk=job.pk).update(
        reused=F("reused") + len(reused), processed=F("processed") + len(reused)
    )
    job.refresh_from_db()
    return pending


def _affordable(job: BulkTraceJob, wanted: int) -> int:
    """How many of `wanted` leads today's budget (and the job's own limit) can pay for."""
    per_lead = pricing.max_cost_micros("batch", ONE_LEAD)
    if per_lead == 0:
        return wanted
    budget = provider_spend_today("batch").remaining_micros
    if job.max_cost_micros is not None:
        budget = min(budget, job.max_cost_micros - job.cost_micros)
    return max(min(wanted, budget // per_lead), 0)


def _trace_batch(job: BulkTraceJob, client: BatchDataClient, leads: list[Lead]) -> bool:
    """Trace one batch; False when the cap refused it (nothing was sent)."""
    claimed = [lead for lead in leads if claim_lead(lead.pk)]  # the rest: someone else's now
    ids = [lead.pk for lead in claimed]
    try:
        # Traced since the job began (an agent's click, say): free, as anywhere in the window.
        meanwhile = Lead.objects.freshly_traced().filter(pk__in=ids).in_bulk()
        to_trace = [lead for lead in claimed if lead.pk not in meanwhile]
        if to_trace and not _charge_and_store(job, client, to_trace):
            return False
        for lead in meanwhile.values():
            reuse_stored_trace(lead, job.user_id)
        BulkTraceJob.objects.filter(pk=job.pk).update(
            processed=F("processed") + len(leads) - len(to_trace),
            reused=F("reused") + len(meanwhile),
        )
        # Under the claims, as for one lead: nobody re-checks (and pays for) these phones.
        after_traces(list(Lead.objects.filter(pk__in=ids).order_by("pk")), enqueue_ai=False)
    finally:
        release_leads(ids)
    enqueue_ai_scoring(ids)
    job.refresh_from_db()
    return True


def _charge_and_store(job: BulkTraceJob, client: BatchDataClient, claimed: list[Lead]) -> bool:
    """One BatchData request for the claimed leads, settled with their contacts stored in
    one transaction; False when the cap refused it."""
    meter = BillingMeter(user_id=job.user_id)
    try:
        with meter.request(
            provider="batch", operation="skip_trace", max_usage={"matches": len(claimed)}
        ) as ticket:
            batch = client.skip_trace([skip_trace_request(lead) for lead in claimed])
            with transaction.atomic():
                ticket.billed(usage={"matches": batch.match_count}, call=batch.call)
                per_match = ticket.cost_of(ONE_LEAD)
                store_matches(
                    [
                        (lead, match, per_match if match.matched and not match.error else 0)
                        for lead, match in zip(claimed, batch.matches, strict=True)
                    ],
                    provider=provider_label(),
                )
                _count_batch(job, claimed, batch.matches, ticket.charged_micros)
    except CapExceeded:
        logger.info("bulk job %s: the cap was spent by another request mid-job", job.pk)
        return False
    return True


def _count_batch(
    job: BulkTraceJob, leads: list[Lead], matches: Sequence[SkipTraceMatch], cost_micros: int
) -> None:
    """A vendor error for one lead is an error, never a no-match."""
    matched = sum(1 for m in matches if m.matched and not m.error)
    errors = sum(1 for m in matches if m.error)
    BulkTraceJob.objects.filter(pk=job.pk).update(
        processed=F("processed") + len(leads),
        requests=F("requests") + 1,
        matched=F("matched") + matched,
        no_match=F("no_match") + len(leads) - matched - errors,
        errors=F("errors") + errors,
        cost_micros=F("cost_micros") + cost_micros,
    )


def _stop(job: BulkTraceJob, left: int) -> BulkTraceJob:
    own_limit = job.max_cost_micros is not None and (
        job.max_cost_micros - job.cost_micros < provider_spend_today("batch").remaining_micros
    )
    reason = "Stopped at this job's cost limit" if own_limit else "Stopped at today's BatchData cap"
    _set(
        job,
        status=BulkTraceJob.Status.STOPPED,
        finished_at=timezone.now(),
        message=f"{reason}: {left} lead(s) left untraced. "
        "They can be traced after the cap resets or is raised.",
    )
    return job


def _set(job: BulkTraceJob, **fields: Any) -> None:
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    BulkTraceJob.objects.filter(pk=job.pk).update(**fields)


def _report(job: BulkTraceJob, progress: Callable[[BulkTraceJob], None] | None) -> None:
    BulkTraceJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    if progress is not None:
        progress(job)
