"""Bulk skip trace through the BatchData sandbox: preview, batches of 100, the cap, the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from billing.guard import spend_day
from billing.models import LedgerEntry, Outcome, SpendDay
from billing.money import format_dollars
from leadflow.text import counted
from leads.models import BulkTraceJob, Lead, SkipTraceStatus
from leads.skiptrace.bulk import (
    STALL_AFTER,
    bulk_preview,
    bulk_trace_run,
    bulk_trace_start,
    recover_stalled_jobs,
)
from leads.skiptrace.costs import trace_max_cost
from leads.skiptrace.services import SkipTraceUnavailable, lead_skip_trace
from leads.skiptrace.tests.test_skiptrace import PRICE, sandbox_lead, set_cap
from leads.tests.factories import make_lead
from providers.sandbox import faults

pytestmark = pytest.mark.django_db

CAP_MICROS = 20_000_000  # DAILY_CAP_BATCH_CENTS=2000, the default


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": CAP_MICROS}


@pytest.fixture
def no_line_types(settings):
    """Twilio is on in sandbox mode; a zero cap keeps these tests about BatchData."""
    set_cap(settings, "twilio", 0)


def make_leads(count: int) -> list[int]:
    return [make_lead().pk for _ in range(count)]


def run_job(lead_ids: list[int], **fields) -> tuple[BulkTraceJob, list[int]]:
    job = BulkTraceJob.objects.create(lead_ids=lead_ids, total=len(lead_ids), **fields)
    progress: list[int] = []
    bulk_trace_run(job, progress=lambda j: progress.append(j.processed))
    job.refresh_from_db()
    return job, progress


def batch_ledger():
    return LedgerEntry.objects.filter(provider="batch", operation="skip_trace")


def ledger_sum() -> int:
    return batch_ledger().aggregate(total=Sum("cost_micros"))["total"] or 0


def day() -> SpendDay:
    return SpendDay.objects.get(provider="batch", day=spend_day())


# -- preview -------------------------------------------------------------------------------


def test_it_previews_what_a_bulk_trace_would_cost():
    recent = [make_lead(skip_traced_at=timezone.now() - dt.timedelta(days=10)) for _ in range(3)]
    stale = make_lead(skip_traced_at=timezone.now() - dt.timedelta(days=100))
    never = make_leads(4)
    SpendDay.objects.create(provider="batch", day=spend_day(), settled_micros=500_000)

    preview = bulk_preview([lead.pk for lead in recent] + [stale.pk, *never])

    assert (preview.count, preview.free, preview.to_trace) == (8, 3, 5)
    assert preview.price_micros == PRICE
    assert preview.cost.match_micros == 5 * PRICE
    assert preview.max_cost_micros == trace_max_cost(5).total_micros  # line types, rescore too
    assert preview.remaining_micros == CAP_MICROS - 500_000
    assert preview.affordable == 5


def test_it_previews_how_many_todays_budget_can_pay_for(settings):
    set_cap(settings, "batch", 3 * PRICE + 1)

    preview = bulk_preview(make_leads(10))

    assert (preview.to_trace, preview.affordable) == (10, 3)
    assert preview.remaining_micros == 3 * PRICE + 1


# -- running -------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_line_types")
def test_it_traces_250_leads_in_three_requests():
    lead_ids = make_leads(250)

    job, progress = run_job(lead_ids)

    assert faults.request_count("batch") == 3
    assert progress == [0, 100, 200, 250]  # 100 + 100 + 50
    assert job.status == BulkTraceJob.Status.DONE
    assert job.requests == 3
    assert job.matched + job.no_match + job.errors + job.reused == job.processed == 250
    assert job.total == 250
    assert 0 < job.matched < 250 and job.reused == 0
    assert job.cost_micros == job.matched * PRICE
    assert job.message.startswith(
        f"Traced {counted(job.matched, 'match', 'matches')}, "
        f"{counted(job.no_match, 'no-match', 'no-matches')}, 0 free."
    )
    rows = batch_ledger()
    assert rows.count() == 3
    assert all(row.outcome == Outcome.SUCCESS for row in rows)
    assert sum(row.billable_units for row in rows) == job.matched
    row = day()
    assert row.settled_micros == ledger_sum() == job.cost_micros
    assert row.reserved_micros == 0
    leads = Lead.objects.filter(pk__in=lead_ids)
    # Items the vendor failed on (meta.error) are not counted as traced, so no reuse hides them.
    assert not leads.filter(skip_traced_at__isnull=True).exclude(skip_trace_status="error").exists()
    assert not leads.filter(skip_trace_status="error", skip_traced_at__isnull=False).exists()
    assert not leads.filter(skip_trace_claimed_at__isnull=False).exists()
    assert leads.filter(skip_trace_status=SkipTraceStatus.MATCHED).count() == job.matched
    # A vendor error is an error, never a no-match.
    assert leads.filter(skip_trace_status=SkipTraceStatus.ERROR).count() == job.errors
    assert leads.filter(skip_trace_status=SkipTraceStatus.NO_MATCH).count() == job.no_match
    total = leads.aggregate(total=Sum("skip_trace_cost_micros"))["total"]
    assert total == job.cost_micros
    # After the trace, every lead has compliance and a score worked out.
    assert not leads.filter(ai_score__isnull=True).exists()
    assert leads.filter(contactable=True).exists()
    assert not leads.filter(contactable=True, best_phone="", emails__isnull=True).exists()


@pytest.mark.usefixtures("no_line_types")
def test_it_answers_recently_traced_leads_for_free_first():
    fresh = sandbox_lead()
    lead_skip_trace(lead=fresh)
    lead_ids = [fresh.pk, *make_leads(4)]
    faults.clear()

    job, _ = run_job(lead_ids)

    assert faults.request_count("batch") == 1
    assert job.reused == 1
    assert job.matched + job.no_match + job.errors + job.reused == 5
    assert batch_ledger().filter(outcome=Outcome.REUSED, lead=fresh).count() == 1
    fresh.refresh_from_db()
    assert fresh.skip_trace_cost_micros == PRICE  # paid once, by the first trace


@pytest.mark.usefixtures("no_line_types")
def test_it_does_not_pay_again_for_a_lead_traced_while_the_job_runs():
    agents_pick = sandbox_lead()
    lead_ids = [agents_pick.pk, *make_leads(4)]

    def agent_clicks(job: BulkTraceJob) -> None:
        if job.processed == 0:  # after the free answers, before the first batch
            lead_skip_trace(lead=Lead.objects.get(pk=agents_pick.pk))

    job = BulkTraceJob.objects.create(lead_ids=lead_ids, total=5)
    bulk_trace_run(job, progress=agent_clicks)

    job.refresh_from_db()
    assert faults.request_count("batch") == 2  # the agent's trace and one batch of four
    assert job.reused == 1
    assert job.matched + job.no_match + job.errors + job.reused == job.processed == 5
    agents_pick.refresh_from_db()
    assert agents_pick.skip_trace_cost_micros == PRICE
    assert day().settled_micros == ledger_sum() == PRICE + job.cost_micros


@pytest.mark.usefixtures("no_line_types")
def test_it_stops_cleanly_at_the_cap(settings):
    cap = 40 * PRICE + 30_000  # room for 40 matches, not 41
    set_cap(settings, "batch", cap)
    lead_ids = make_leads(120)

    job, _ = run_job(lead_ids)

    assert job.status == BulkTraceJob.Status.STOPPED
    assert job.matched == 40
    left = job.total - job.processed
    assert left > 0
    assert f"{left} lead{'' if left == 1 else 's'} left untraced" in job.message
    row = day()
    assert row.settled_micros == ledger_sum() == job.cost_micros == 40 * PRICE
    assert row.settled_micros + row.reserved_micros <= cap
    assert row.reserved_micros == 0
    untraced = Lead.objects.filter(pk__in=lead_ids, skip_traced_at__isnull=True).exclude(
        skip_trace_status="error"
    )
    assert untraced.count() == left
    assert not Lead.objects.filter(pk__in=lead_ids, skip_trace_claimed_at__isnull=False).exists()


@pytest.mark.usefixtures("no_line_types")
def test_a_jobs_own_limit_counts_the_answer_not_stored_yet_at_its_most():
    """The next batch is sized while the answer before it waits to be stored: that answer
    counts at its most (100 matches), so a limit that cannot cover both has the answer
    stored first, and the batch sized by what it really cost."""
    lead_ids = make_leads(250)

    job, progress = run_job(lead_ids, max_cost_micros=150 * PRICE)

    assert job.status == BulkTraceJob.Status.STOPPED
    assert job.requests >= 2 and progress[-1] == job.processed
    assert job.cost_micros == ledger_sum() == job.matched * PRICE <= 150 * PRICE
    assert job.cost_micros > 150 * PRICE - 100 * PRICE  # the second batch was not left out
    assert day().reserved_micros == 0
    assert not Lead.objects.filter(pk__in=lead_ids, skip_trace_claimed_at__isnull=False).exists()


@pytest.mark.usefixtures("no_line_types")
def test_it_stops_before_sending_anything_when_the_budget_is_spent(settings):
    set_cap(settings, "batch", PRICE - 1)

    job, _ = run_job(make_leads(5))

    assert job.status == BulkTraceJob.Status.STOPPED
    assert "5 leads left untraced" in job.message
    assert faults.request_count("batch") == 0
    assert not batch_ledger().exists()


def test_it_fails_the_job_when_batchdata_fails(settings):
    faults.queue("batch", "401")

    job, _ = run_job(make_leads(3))

    assert job.status == BulkTraceJob.Status.FAILED
    assert "Invalid token." in job.message and "3 left" in job.message
    assert day().settled_micros == ledger_sum() == 0


def test_it_checks_line_types_until_the_twilio_cap(settings):
    set_cap(settings, "twilio", 2 * 8_000)  # two lookups
    lead_ids = [sandbox_lead(phones=2).pk, sandbox_lead(phones=2).pk, sandbox_lead().pk]

    job, _ = run_job(lead_ids)

    assert job.status == BulkTraceJob.Status.DONE
    assert faults.request_count("twilio") == 2
    twilio = LedgerEntry.objects.filter(provider="twilio")
    assert list(twilio.values_list("outcome", "cost_micros").order_by("id")) == [
        (Outcome.SUCCESS, 8_000),
        (Outcome.SUCCESS, 8_000),
        (Outcome.REFUSED, 0),  # once refused, the rest of the batch waits
    ]


def test_it_finishes_a_batch_while_the_next_batchdata_request_is_out(settings):
    # The second request's wait is long enough for the first batch's answer to be stored and
    # its lookups started on a loaded machine: the test is of overlap, not of speed.
    settings.SANDBOX_LATENCY_MS = {"batch": 1000, "twilio": 50}
    first = [sandbox_lead().pk for _ in range(100)]
    second = [sandbox_lead().pk for _ in range(3)]

    job, _ = run_job(first + second)

    assert job.status == BulkTraceJob.Status.DONE and job.requests == 2
    # The first batch's lookups went out while the second BatchData request was out: the
    # two vendors' waits overlapped instead of adding up.
    assert faults.started_while("twilio", "batch") > 0
    assert (
        Lead.objects.filter(pk__in=first + second, skip_trace_claimed_at__isnull=False).count() == 0
    )


# -- the background task -------------------------------------------------------------------


def test_it_enqueues_the_job_after_commit(settings, agent, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    set_cap(settings, "twilio", 0)
    lead_ids = make_leads(5)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = bulk_trace_start(lead_ids=lead_ids, user_id=agent.pk)
        assert job.status == BulkTraceJob.Status.QUEUED
        assert faults.request_count("batch") == 0  # nothing before the commit

    assert len(callbacks) >= 1
    job.refresh_from_db()
    assert job.status == BulkTraceJob.Status.DONE
    assert (job.total, job.processed, job.user_id) == (5, 5, agent.pk)
    assert faults.request_count("batch") == 1
    assert set(batch_ledger().values_list("user_id", flat=True)) == {agent.pk}


def test_it_refuses_to_start_while_batchdata_is_off(settings, agent):
    settings.SANDBOX_PROVIDERS, settings.BATCHDATA_API_KEY = False, ""
    with pytest.raises(SkipTraceUnavailable, match="BATCHDATA_API_KEY"):
        bulk_trace_start(lead_ids=make_leads(2), user_id=agent.pk)
    assert not BulkTraceJob.objects.exists()


def test_it_fails_a_queued_job_with_the_reason_when_batchdata_was_turned_off(settings):
    lead_ids = make_leads(3)
    settings.SANDBOX_PROVIDERS, settings.BATCHDATA_API_KEY = False, ""

    job, _ = run_job(lead_ids)

    assert job.status == BulkTraceJob.Status.FAILED and job.finished_at is not None
    assert "Skip tracing is off" in job.message and "3 leads left" in job.message
    assert faults.request_count("batch") == 0


def test_it_never_leaves_a_job_running_when_an_error_stops_it(no_line_types):
    job = BulkTraceJob.objects.create(lead_ids=make_leads(3), total=3)

    def broken_progress(current: BulkTraceJob) -> None:
        raise RuntimeError("the progress display broke")

    with pytest.raises(RuntimeError):
        bulk_trace_run(job, progress=broken_progress)

    job.refresh_from_db()
    assert job.status == BulkTraceJob.Status.FAILED
    assert "unexpected error (RuntimeError)" in job.message


def test_it_finishes_as_failed_a_job_whose_worker_died():
    long_ago = timezone.now() - STALL_AFTER - dt.timedelta(seconds=1)
    dead = BulkTraceJob.objects.create(
        lead_ids=make_leads(2), total=2, status=BulkTraceJob.Status.RUNNING, heartbeat_at=long_ago
    )
    alive = BulkTraceJob.objects.create(
        lead_ids=[], total=0, status=BulkTraceJob.Status.RUNNING, heartbeat_at=timezone.now()
    )

    assert recover_stalled_jobs() == 1

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == BulkTraceJob.Status.FAILED and "worker" in dead.message
    assert "2 leads left untraced" in dead.message
    assert alive.status == BulkTraceJob.Status.RUNNING


# -- the command ---------------------------------------------------------------------------


def command(*args: str) -> str:
    out = StringIO()
    call_command("skiptrace_leads", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("no_line_types")
def test_the_command_previews_and_changes_nothing_on_a_dry_run():
    lead_ids = make_leads(3)

    out = command("--dry-run")

    most = format_dollars(trace_max_cost(3).total_micros, up=True)
    assert f"3 leads: 0 already traced (free), 3 to trace, at most {most}" in out
    assert "today's budget left $20.00" in out
    assert faults.request_count("batch") == 0
    assert not BulkTraceJob.objects.exists() and not LedgerEntry.objects.exists()
    assert not Lead.objects.filter(pk__in=lead_ids, skip_traced_at__isnull=False).exists()


@pytest.mark.usefixtures("no_line_types")
def test_the_command_traces_and_prints_a_summary():
    make_leads(3)

    out = command()

    job = BulkTraceJob.objects.get()
    assert job.status == BulkTraceJob.Status.DONE
    assert (
        f"Done: {job.matched} matched, {job.no_match} no match, "
        f"{counted(job.errors, 'error')}, 0 free, 1 request, "
        f"cost ${job.cost_micros / 1_000_000:.2f}." in out
    )
    assert day().settled_micros == job.cost_micros == job.matched * PRICE


@pytest.mark.usefixtures("no_line_types")
def test_the_command_spends_at_most_max_cost_cents():
    make_leads(30)

    out = command("--max-cost-cents", "21")  # three matches

    job = BulkTraceJob.objects.get()
    assert job.max_cost_micros == 210_000
    assert job.cost_micros == ledger_sum() == 3 * PRICE
    assert job.status == BulkTraceJob.Status.STOPPED
    assert "left untraced" in out


@pytest.mark.parametrize("amount", ["abc", "-5", "0.000001"])
def test_the_command_refuses_a_bad_max_cost(amount):
    make_leads(2)

    with pytest.raises(CommandError):
        command("--max-cost-cents", amount)

    assert faults.request_count("batch") == 0
    assert not BulkTraceJob.objects.exists()


def test_the_command_says_when_batchdata_is_off(settings):
    settings.SANDBOX_PROVIDERS, settings.BATCHDATA_API_KEY = False, ""

    with pytest.raises(CommandError, match="Skip tracing is off"):
        command()


def test_it_leaves_a_lead_another_request_is_tracing_to_that_request(no_line_types):
    busy = make_lead(
        skip_traced_at=timezone.now(), skip_trace_status=SkipTraceStatus.MATCHED,
        skip_trace_claimed_at=timezone.now(),
    )  # fmt: skip
    job, _ = run_job([busy.pk])
    busy.refresh_from_db()
    assert job.reused == 0 and job.requests == 0
    assert busy.skip_trace_claimed_at is not None  # the other request's claim is untouched
    assert not LedgerEntry.objects.filter(lead=busy).exists()


def test_it_releases_the_claims_of_the_leads_it_answered_for_free(no_line_types):
    traced = make_lead(skip_traced_at=timezone.now(), skip_trace_status=SkipTraceStatus.MATCHED)
    job, _ = run_job([traced.pk])
    traced.refresh_from_db()
    assert job.reused == 1 and job.requests == 0
    assert traced.skip_trace_claimed_at is None
