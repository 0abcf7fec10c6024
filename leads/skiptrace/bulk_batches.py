"""One batch of a bulk skip trace: claim its leads, send one BatchData request (while the
batches before are finished), settle it and store the contacts in one transaction, count it.

The answer is stored once the next request is out, so that what the job does between two
requests (store an answer, size and claim the next batch) does not hold the next one back:
the budget the next batch is sized by counts the answer not stored yet at its most, and when
that is too little, the answer is stored first and the batch sized again, as if in turn.

A batch BatchData failed without billing is sent again (BATCH_ATTEMPTS); one whose outcome is
unknown never is, since it may have been billed. A vendor error for one lead is an error,
never a no-match.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from billing import pricing
from billing.guard import CapExceeded
from billing.limits import user_spend_today
from billing.meter import BillingMeter, BillingTicket
from billing.selectors import provider_spend_today
from leadflow.text import counted
from leads.models import BulkTraceJob, Lead
from leads.scoring.services import enqueue_ai_scoring
from leads.skiptrace.contacts import skip_trace_request, store_matches
from leads.skiptrace.line_types import closing_connections
from leads.skiptrace.services import (
    after_traces,
    claim_leads,
    provider_label,
    release_leads,
    reuse_stored_trace,
)
from providers.batchdata import BatchDataClient, SkipTraceBatch, SkipTraceMatch
from providers.http import ProviderError
from providers.registry import BATCH

logger = logging.getLogger("leadflow.skiptrace")

ONE_LEAD = {"matches": 1}  # the most one lead of a batch can bill
BATCH_ATTEMPTS = 3  # a batch BatchData failed without billing is sent this many times at most
BATCH_RETRY_PAUSE_SECONDS = 0.5


@dataclass
class Answered:
    """A BatchData request answered but not stored yet: its ticket still open (the money held
    at its most), the leads it traced, every lead of its batch (claimed) and the answer."""

    ticket: BillingTicket
    traced: list[Lead]
    claimed_ids: list[int]
    batch: SkipTraceBatch
    closing: ExitStack  # leaves the ticket's block once the answer is stored

    @property
    def held_micros(self) -> int:
        return self.ticket.charge.reservation.amount_micros


@dataclass
class Finishing:
    """The batches traced last, still under their claims: the one answered, whose answer is
    still to store, and the one stored, whose line types, compliance and scores are still to
    do. `run()` does both, once, while the next BatchData request is out."""

    job: BulkTraceJob
    progress: Callable[[BulkTraceJob], None] | None = None
    leads: list[Lead] = field(default_factory=list)
    answered: Answered | None = None

    @property
    def held_micros(self) -> int:
        """What the answer not stored yet still holds of today's budget (at its most)."""
        return self.answered.held_micros if self.answered is not None else 0

    def store(self) -> None:
        """Settle the answered request and store what it found, in one transaction; its
        batch's leads wait for `run()`."""
        answered, self.answered = self.answered, None
        if answered is None:
            return
        with answered.closing:
            _store_batch(self.job, answered.ticket, answered.traced, answered.batch)
        self.job.refresh_from_db()
        # Under the claims, as for one lead: nobody re-checks (and pays for) these phones.
        self.leads = list(Lead.objects.filter(pk__in=answered.claimed_ids).order_by("pk"))
        report_progress(self.job, self.progress)

    def run(self) -> None:
        self.store()
        leads, self.leads = self.leads, []
        if not leads:
            return
        ids = [lead.pk for lead in leads]
        try:
            after_traces(leads, enqueue_ai=False, user_id=self.job.user_id)
        finally:
            release_leads(ids)
        enqueue_ai_scoring(ids, after_trace=True)
        self.job.refresh_from_db()

    def abandon(self) -> None:
        """The job stops on an error: the answer in is stored all the same (its request was
        billed), and every claim is given back."""
        ids = [lead.pk for lead in self.leads]
        if self.answered is not None:
            ids += self.answered.claimed_ids
        try:
            self.store()
        finally:
            self.leads = []
            release_leads(ids)


def report_progress(job: BulkTraceJob, progress: Callable[[BulkTraceJob], None] | None) -> None:
    BulkTraceJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    if progress is not None:
        progress(job)


def trace_batch_retrying(
    job: BulkTraceJob,
    client: BatchDataClient,
    leads: list[Lead],
    vendor: ThreadPoolExecutor,
    finishing: Finishing,
) -> bool:
    """`_trace_batch`, tried again after a vendor failure that billed nothing (a 5xx or 429
    past the seam's own retries). Never after an unknown outcome: that may have been billed,
    and a second request would pay twice."""
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            return _trace_batch(job, client, leads, vendor, finishing)
        except ProviderError as exc:
            if exc.permanent or exc.outcome_unknown or attempt == BATCH_ATTEMPTS:
                raise
            logger.info("bulk job %s: BatchData failed (%s); trying again", job.pk, exc.message)
            time.sleep(BATCH_RETRY_PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")


def count_errors(job: BulkTraceJob, leads: list[Lead], exc: ProviderError) -> None:
    """A batch BatchData failed: its leads are errors (not no-matches), and the job goes on."""
    logger.warning(
        "bulk job %s: %s not traced: %s", job.pk, counted(len(leads), "lead"), exc.message
    )
    BulkTraceJob.objects.filter(pk=job.pk).update(
        processed=F("processed") + len(leads), errors=F("errors") + len(leads)
    )
    job.refresh_from_db()


def affordable(job: BulkTraceJob, wanted: int, *, held_micros: int = 0) -> int:
    """How many of `wanted` leads today's budget (and the job's own limit) can pay for, with
    `held_micros` of the job's still held for a request not settled yet."""
    per_lead = pricing.max_cost_micros(BATCH, ONE_LEAD)
    if per_lead == 0:
        return wanted
    budget = provider_spend_today(BATCH).remaining_micros
    if job.user_id is not None:
        agent_left = user_spend_today(job.user_id, BATCH).remaining_micros
        budget = budget if agent_left is None else min(budget, agent_left)
    if job.max_cost_micros is not None:
        budget = min(budget, job.max_cost_micros - job.cost_micros - held_micros)
    return max(min(wanted, budget // per_lead), 0)


def _trace_batch(
    job: BulkTraceJob,
    client: BatchDataClient,
    leads: list[Lead],
    vendor: ThreadPoolExecutor,
    finishing: Finishing,
) -> bool:
    """Send one batch's request and finish the batches before it meanwhile; its answer waits
    in `finishing`, its leads still claimed. False when the cap refused the request (nothing
    was sent, nothing is claimed, the batches before wait)."""
    mine = claim_leads([lead.pk for lead in leads])
    claimed = [lead for lead in leads if lead.pk in mine]  # the rest: someone else's now
    ids = [lead.pk for lead in claimed]
    handed_over = False
    try:
        # Traced since the job began (an agent's click, say): free, as anywhere in the window.
        meanwhile = Lead.objects.freshly_traced().filter(pk__in=ids).in_bulk()
        to_trace = [lead for lead in claimed if lead.pk not in meanwhile]
        if not to_trace:
            finishing.run()
            finishing.leads = list(Lead.objects.filter(pk__in=ids).order_by("pk"))
        elif not _charge_and_send(job, client, to_trace, ids, vendor, finishing):
            return False
        for lead in meanwhile.values():
            reuse_stored_trace(lead, job.user_id)
        BulkTraceJob.objects.filter(pk=job.pk).update(
            processed=F("processed") + len(leads) - len(to_trace),
            reused=F("reused") + len(meanwhile),
        )
        job.refresh_from_db()
        handed_over = True
        return True
    finally:
        if not handed_over:
            release_leads(ids)


def _charge_and_send(
    job: BulkTraceJob,
    client: BatchDataClient,
    to_trace: list[Lead],
    claimed_ids: list[int],
    vendor: ThreadPoolExecutor,
    finishing: Finishing,
) -> bool:
    """One BatchData request for these leads, its money reserved; once it is answered, the
    answer waits in `finishing` to be settled and stored (in one transaction) while the next
    request is out. False when the cap refused it."""
    meter = BillingMeter(user_id=job.user_id)
    with ExitStack() as closing:
        try:
            ticket = closing.enter_context(
                meter.request(
                    provider=BATCH, operation="skip_trace", max_usage={"matches": len(to_trace)}
                )
            )
        except CapExceeded:
            logger.info("bulk job %s: the cap was spent by another request mid-job", job.pk)
            return False
        items = [skip_trace_request(lead) for lead in to_trace]
        sent = vendor.submit(closing_connections, client.skip_trace, items)
        try:
            finishing.run()  # while BatchData answers
        except BaseException:
            # However the batches before ended, this request went out: settle it.
            _store_batch(job, ticket, to_trace, sent.result())
            raise
        batch = sent.result()  # a ProviderError leaves the ticket's block: released
        finishing.answered = Answered(ticket, to_trace, claimed_ids, batch, closing.pop_all())
    return True


def _store_batch(
    job: BulkTraceJob, ticket: BillingTicket, claimed: list[Lead], batch: SkipTraceBatch
) -> None:
    with transaction.atomic():
        ticket.billed(usage={"matches": batch.match_count}, call=batch.call)
        per_match = ticket.cost_of(ONE_LEAD)
        store_matches(
            [
                (lead, match, per_match if match.matched and not match.error else 0)
                for lead, match in zip(claimed, batch.matches, strict=True)
            ],
            provider=provider_label(),
            user_id=job.user_id,
        )
        _count_batch(job, claimed, batch.matches, ticket.charged_micros)


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
