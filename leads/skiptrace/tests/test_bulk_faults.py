"""Bulk traces under vendor faults: errors are errors, a failed batch that billed nothing is
sent again, an unknown outcome is never sent twice, and a job nobody picked up says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import LedgerEntry, Outcome
from leadflow.models import TaskWorker
from leads.models import BulkTraceJob, Lead
from leads.skiptrace.job_status import WAITING_AFTER, waiting_for_worker
from leads.skiptrace.tests.test_bulk_trace import make_leads, run_job
from leads.skiptrace.tests.test_skiptrace import PRICE, set_cap
from providers.sandbox import faults

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    set_cap(settings, "twilio", 0)


def test_it_sends_a_batch_again_after_a_failure_that_billed_nothing():
    faults.queue("batch", "503", count=4)  # the seam's four attempts at the first request

    job, _ = run_job(make_leads(3))

    assert job.status == BulkTraceJob.Status.DONE
    assert (job.errors, job.processed) == (0, 3)
    assert faults.request_count("batch") == 5
    outcomes = list(LedgerEntry.objects.filter(provider="batch").values_list("outcome", flat=True))
    assert sorted(outcomes) == sorted([Outcome.ERROR, Outcome.SUCCESS])


def test_it_counts_a_batch_with_an_unknown_outcome_as_errors_and_goes_on():
    faults.queue("batch", "timeout")  # the first batch's answer never comes back

    lead_ids = make_leads(150)
    job, _ = run_job(lead_ids)

    assert job.status == BulkTraceJob.Status.DONE
    assert job.processed == job.matched + job.no_match + job.errors == 150
    assert job.errors >= 100  # the first batch (and any item the vendor failed on)
    first_batch = Lead.objects.filter(pk__in=lead_ids[:100])
    assert not first_batch.filter(skip_traced_at__isnull=False).exists()
    assert "not traced (BatchData errors)" in job.message
    assert faults.request_count("batch") == 2  # never sent twice: it may have been billed
    unknown = LedgerEntry.objects.get(provider="batch", outcome=Outcome.UNKNOWN)
    assert unknown.cost_micros == 100 * PRICE  # at its maximum until reconciled


def test_it_fails_the_job_when_batchdata_keeps_failing():
    faults.queue("batch", "timeout", count=3)

    job, _ = run_job(make_leads(301))

    assert job.status == BulkTraceJob.Status.FAILED
    assert "BatchData failed" in job.message and "101 left" in job.message
    assert faults.request_count("batch") == 3


def _queued(ago: dt.timedelta) -> BulkTraceJob:
    job = BulkTraceJob.objects.create(lead_ids=[1], total=1)
    BulkTraceJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - ago)
    job.refresh_from_db()
    return job


def test_it_says_a_job_waits_for_a_worker_when_none_is_running():
    job = _queued(WAITING_AFTER + dt.timedelta(seconds=1))
    assert "no task worker is running" in waiting_for_worker(job)


def test_it_says_the_workers_are_busy_when_one_is_alive():
    TaskWorker.objects.create(worker_id="busy", seen_at=timezone.now())
    job = _queued(WAITING_AFTER + dt.timedelta(seconds=1))
    assert "workers are busy" in waiting_for_worker(job)


def test_it_says_nothing_about_a_job_just_started_or_picked_up():
    assert waiting_for_worker(_queued(dt.timedelta(seconds=1))) == ""
    running = _queued(dt.timedelta(minutes=5))
    running.status = BulkTraceJob.Status.RUNNING
    assert waiting_for_worker(running) == ""


def test_the_progress_shows_the_wait(agent_client, agent):
    job = _queued(dt.timedelta(minutes=1))
    BulkTraceJob.objects.filter(pk=job.pk).update(user=agent)

    page = agent_client.get(f"/leads/bulk-skiptrace/{job.pk}/")
    api = agent_client.get(f"/api/bulk-traces/{job.pk}")

    assert "Waiting for a worker" in page.content.decode()
    assert "no task worker is running" in api.json()["waitingForWorker"]
