"""Bulk skip trace: preview → confirm → a background task sending batches of up to 100.

Each batch reserves only what today's remaining budget can pay for, so the job stops
cleanly at the cap and says how many leads are left untraced.

A BatchData request takes its vendor a second or two: while it is out (on a thread of its
own, HTTP only), the job finishes the batch before it (line-type lookups, compliance,
scores), so the vendors' waits overlap instead of adding up. Database work stays on the
job's thread.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.tasks import TaskContext, task
from django.utils import timezone

from accounts.permissions import SKIP_TRACE, ensure_permitted
from billing import pricing
from billing.limits import user_spend_today
from billing.selectors import provider_spend_today
from leadflow.text import counted
from leadflow.worker import PRIORITY_USER_STARTED
from leads.models import BulkTraceJob, Lead
from leads.skiptrace.bulk_batches import (
    ONE_LEAD,
    Finishing,
    affordable,
    count_errors,
    report_progress,
    trace_batch_retrying,
)
from leads.skiptrace.costs import TraceCost, trace_max_cost
from leads.skiptrace.line_types import unchecked_phones
from leads.skiptrace.services import (
    after_traces,
    claim_lead,
    ensure_skip_tracing_on,
    release_leads,
    reuse_stored_trace,
    traced_owners,
)
from providers.batchdata import BatchDataClient
from providers.http import ProviderError
from providers.registry import BATCH, ProviderOff

logger = logging.getLogger("leadflow.skiptrace")

BATCH_SIZE = 100  # BatchData's limit per request
BULK_LIMIT = 5_000  # leads in one job
# A running job reports progress at least once a batch (a BatchData request and its line-type
# lookups take well under a minute); this long without a word, its worker has died.
STALL_AFTER = dt.timedelta(minutes=10)
MAX_CAP_RACES = 3
MAX_FAILED_BATCHES = 3  # failed batches in a row: BatchData is down, stop the job


@dataclass(frozen=True)
class BulkPreview:
    count: int
    free: int  # traced within the reuse window: answered from storage at $0
    to_trace: int
    price_micros: int  # the most one lead can cost BatchData: one match
    cost: TraceCost  # the most the leads to trace can cost, every provider included
    remaining_micros: int  # today's BatchData budget left

    @property
    def max_cost_micros(self) -> int:
        """The most the job can cost: matches, line-type checks and rescores."""
        return self.cost.total_micros

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
        price_micros=pricing.max_cost_micros(BATCH, ONE_LEAD),
        cost=trace_max_cost(
            count - free, stored_unchecked=unchecked_phones(leads.freshly_traced())
        ),
        remaining_micros=provider_spend_today(BATCH).remaining_micros,
    )


def bulk_trace_start(
    *, lead_ids: Sequence[int], user_id: int | None, max_cost_micros: int | None = None
) -> BulkTraceJob:
    """Queue a bulk trace; refused up front while BatchData is off (SkipTraceUnavailable) or
    the user may not skip trace (PermissionRefused)."""
    ensure_skip_tracing_on()
    ensure_permitted(user_id, SKIP_TRACE)
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
    except ProviderOff as exc:  # SkipTraceUnavailable, or turned off since that check
        return _fail(job, exc.reason)
    except Exception as exc:
        _fail(job, f"Stopped by an unexpected error ({type(exc).__name__}).")
        raise


def visible_jobs(user: AbstractBaseUser | AnonymousUser) -> QuerySet[BulkTraceJob]:
    """Agents see the jobs they started; staff see every job."""
    jobs = BulkTraceJob.objects.all()
    if getattr(user, "is_staff", False):
        return jobs
    return jobs.filter(user_id=user.pk) if user.pk is not None else jobs.none()


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
        message=f"{reason} {counted(left, 'lead')} left untraced; start again to trace them "
        "(leads already traced are free).",
    )
    return job


def _run(job: BulkTraceJob, progress: Callable[[BulkTraceJob], None] | None) -> BulkTraceJob:
    _set(job, status=BulkTraceJob.Status.RUNNING)
    pending = _reuse_stored(job)
    report_progress(job, progress)
    client = BatchDataClient.from_settings()
    finishing = Finishing(job, progress)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="batchdata") as vendor:
        try:
            left = _send_batches(job, client, pending, vendor, finishing, progress)
            finishing.run()
        except ProviderError as exc:
            finishing.run()
            return _vendor_failed(job, exc)
        except BaseException:
            finishing.abandon()
            raise
    if left:
        return _stop(job, left)
    return _done(job)


def _send_batches(
    job: BulkTraceJob,
    client: BatchDataClient,
    pending: list[Lead],
    vendor: ThreadPoolExecutor,
    finishing: Finishing,
    progress: Callable[[BulkTraceJob], None] | None,
) -> int:
    """Trace the pending leads batch by batch; returns how many the cap left untraced. A batch
    BatchData keeps failing counts its leads as errors and the job goes on; a permanent
    failure, or MAX_FAILED_BATCHES in a row, stops the job (ProviderError)."""
    races = failed_in_a_row = 0
    while pending:
        wanted = min(len(pending), BATCH_SIZE)
        size = affordable(job, wanted, held_micros=finishing.held_micros)
        if size < wanted and finishing.answered is not None:
            finishing.store()  # what its no-matches did not bill goes back to the budget
            size = affordable(job, wanted)
        if size == 0 or races > MAX_CAP_RACES:
            return len(pending)
        try:
            sent = trace_batch_retrying(job, client, pending[:size], vendor, finishing)
        except ProviderError as exc:
            failed_in_a_row += 1
            if exc.permanent or failed_in_a_row >= MAX_FAILED_BATCHES:
                raise
            count_errors(job, pending[:size], exc)
            pending, races = pending[size:], 0
            report_progress(job, progress)
            continue
        failed_in_a_row = 0
        if sent:  # progress is reported as its answer is stored
            pending, races = pending[size:], 0
        elif finishing.answered is not None:  # the cap was spent by someone else first:
            races += 1  # size the batch again, by what the answer in really cost
            finishing.store()  # (which reports the progress)
        else:
            races += 1
            report_progress(job, progress)
    return 0


def _vendor_failed(job: BulkTraceJob, exc: ProviderError) -> BulkTraceJob:
    _set(
        job,
        status=BulkTraceJob.Status.FAILED,
        finished_at=timezone.now(),
        message=f"BatchData failed: {exc.message}. {job.total - job.processed} left.",
    )
    return job


def _done(job: BulkTraceJob) -> BulkTraceJob:
    message = (
        f"Traced {counted(job.matched, 'match', 'matches')}, "
        f"{counted(job.no_match, 'no-match', 'no-matches')}, {job.reused} free."
    )
    if job.errors:
        message += (
            f" {counted(job.errors, 'lead')} not traced (BatchData errors): start again for them."
        )
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
            after_traces(reused[start : start + BATCH_SIZE], enqueue_ai=False, user_id=job.user_id)
    finally:
        release_leads(lead.pk for lead in reused)
    BulkTraceJob.objects.filter(pk=job.pk).update(
        reused=F("reused") + len(reused), processed=F("processed") + len(reused)
    )
    job.refresh_from_db()
    return pending


def _stop(job: BulkTraceJob, left: int) -> BulkTraceJob:
    own_limit = job.max_cost_micros is not None and (
        job.max_cost_micros - job.cost_micros < provider_spend_today(BATCH).remaining_micros
    )
    reason = "Stopped at this job's cost limit" if own_limit else "Stopped at today's BatchData cap"
    if not own_limit and job.user_id is not None:
        agent_left = user_spend_today(job.user_id, BATCH).remaining_micros
        if agent_left is not None and agent_left < provider_spend_today(BATCH).remaining_micros:
            reason = "Stopped at your daily BatchData limit"
    _set(
        job,
        status=BulkTraceJob.Status.STOPPED,
        finished_at=timezone.now(),
        message=f"{reason}: {counted(left, 'lead')} left untraced. "
        "They can be traced after the cap resets or is raised.",
    )
    return job


def _set(job: BulkTraceJob, **fields: Any) -> None:
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    BulkTraceJob.objects.filter(pk=job.pk).update(**fields)
