"""A task put back after its worker died runs again without paying twice or counting twice."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from billing.models import LedgerEntry
from leads.models import BulkTraceJob
from leads.scoring.services import score_leads_ai_task
from leads.skiptrace.bulk import run_bulk_trace
from leads.tests.factories import make_lead
from providers.sandbox import faults

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox_and_database_tasks(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def second_attempt(task_id: str) -> DBTaskResult:
    """The task as a worker runs it again: one worker claimed it and died, recovery put it back."""
    result = DBTaskResult.objects.get(pk=task_id)
    result.claim("the-worker-that-died")
    DBTaskResult.objects.filter(pk=task_id).update(status="READY")
    result = DBTaskResult.objects.get(pk=task_id)
    result.claim("the-next-worker")
    Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="the-next-worker", excluded_queue_names=[],
    ).run_task(result)  # fmt: skip
    result.refresh_from_db()
    return result


def test_a_rerun_scoring_task_skips_the_leads_it_already_paid_to_score():
    scored, unscored = make_lead(), make_lead()
    task = score_leads_ai_task.enqueue([scored.pk, unscored.pk])
    # The first attempt scored one lead before its worker died.
    type(scored).objects.filter(pk=scored.pk).update(
        ai_scored_at=timezone.now(), scored_by="gpt-4o-mini"
    )

    result = second_attempt(task.id)

    assert result.status == "SUCCESSFUL", result.traceback
    assert result.return_value["total"] == 1
    assert faults.request_count("openai") == 1
    assert LedgerEntry.objects.filter(provider="openai", lead=unscored).count() == 1
    assert not LedgerEntry.objects.filter(provider="openai", lead=scored).exists()


def test_a_rerun_bulk_task_finishes_its_half_done_job_with_what_is_left():
    job = BulkTraceJob.objects.create(
        lead_ids=[make_lead().pk for _ in range(4)], total=4, processed=2,
        status=BulkTraceJob.Status.RUNNING,
    )  # fmt: skip
    task = run_bulk_trace.enqueue(job.pk)

    result = second_attempt(task.id)

    assert result.status == "SUCCESSFUL", result.traceback
    job.refresh_from_db()
    assert job.status == BulkTraceJob.Status.FAILED
    assert "worker running this job stopped" in job.message and "2 leads left" in job.message
    assert faults.request_count("batch") == 0


def test_a_rerun_bulk_task_runs_a_job_that_never_started(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "twilio": 0}
    job = BulkTraceJob.objects.create(lead_ids=[make_lead().pk for _ in range(3)], total=3)
    task = run_bulk_trace.enqueue(job.pk)

    second_attempt(task.id)

    job.refresh_from_db()
    assert job.status == BulkTraceJob.Status.DONE
    assert job.processed == 3
