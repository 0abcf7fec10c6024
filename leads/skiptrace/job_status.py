"""What a bulk job's progress says while no worker has picked it up."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from leadflow.worker import live_workers
from leads.models import BulkTraceJob

# A worker polls for tasks every second; a queued job untouched this long is waiting.
WAITING_AFTER = dt.timedelta(seconds=10)


def waiting_for_worker(job: BulkTraceJob, *, now: dt.datetime | None = None) -> str:
    """A warning for a job still queued a while after it was started, else ""."""
    now = now or timezone.now()
    queued = job.status == BulkTraceJob.Status.QUEUED and job.heartbeat_at is None
    if not queued or job.created_at > now - WAITING_AFTER:
        return ""
    if not live_workers(now):
        return (
            "Waiting for a worker: no task worker is running, so this job has not started. "
            "Start one with `manage.py db_worker` (make run starts one beside the server)."
        )
    return "Waiting for a worker: the workers are busy with other tasks; this job starts next."
