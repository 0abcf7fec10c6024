"""Task workers beat; the tasks a dead worker left running are put back, or failed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leadflow import worker
from leadflow.models import TaskWorker
from leads.scoring.services import score_leads_ai_task
from leads.skiptrace.bulk import run_bulk_trace

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def running_task(*worker_ids: str, started_ago=dt.timedelta(minutes=1)) -> DBTaskResult:
    result = DBTaskResult.objects.get(pk=score_leads_ai_task.enqueue([1]).id)
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.RUNNING,
        worker_ids=list(worker_ids),
        started_at=timezone.now() - started_ago,
    )
    return result


def seen(worker_id: str, ago: dt.timedelta) -> None:
    TaskWorker.objects.create(worker_id=worker_id, seen_at=timezone.now() - ago)


def status(result: DBTaskResult) -> str:
    result.refresh_from_db()
    return result.status


def test_it_puts_back_the_task_of_a_worker_that_stopped_beating():
    seen("dead", worker.DEAD_AFTER + dt.timedelta(seconds=1))
    task = running_task("dead")

    assert worker.recover_abandoned_tasks() == [str(task.pk)]
    assert status(task) == TaskResultStatus.READY


def test_it_leaves_the_task_of_a_live_worker_alone():
    seen("alive", dt.timedelta(seconds=5))
    task = running_task("alive", started_ago=dt.timedelta(hours=3))

    assert worker.recover_abandoned_tasks() == []
    assert status(task) == TaskResultStatus.RUNNING


def test_it_fails_a_task_whose_workers_died_too_often():
    seen("dead", dt.timedelta(minutes=5))
    task = running_task(*["dead"] * worker.MAX_ATTEMPTS)

    worker.recover_abandoned_tasks()

    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == worker.WORKER_DIED
    assert task.finished_at is not None


def test_it_waits_longer_for_a_worker_it_never_heard_of():
    recent = running_task("unknown", started_ago=dt.timedelta(minutes=5))
    old = running_task("unknown", started_ago=worker.UNKNOWN_WORKER_AFTER + dt.timedelta(1))

    worker.recover_abandoned_tasks()

    assert status(recent) == TaskResultStatus.RUNNING
    assert status(old) == TaskResultStatus.READY


def test_it_counts_only_workers_that_beat_lately():
    seen("alive", dt.timedelta(seconds=3))
    seen("dead", dt.timedelta(minutes=10))
    worker.beat("me")
    assert worker.live_workers() == 2


def test_it_runs_user_started_work_before_background_scoring():
    scoring = score_leads_ai_task.enqueue([1])
    bulk = run_bulk_trace.enqueue(123)

    first = DBTaskResult.objects.ready().first()

    assert first is not None and str(first.pk) == bulk.id
    assert bulk.task.priority > scoring.task.priority
