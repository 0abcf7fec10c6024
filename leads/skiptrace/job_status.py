"""What a background job's progress says while no worker has picked it up (a bulk trace, a
large CSV import)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from django.utils import timezone

from leadflow.worker import live_workers

QUEUED = "queued"  # BulkTraceJob.Status.QUEUED, ImportStatus.QUEUED

# A worker polls for tasks every second; a queued job untouched this long is waiting.
WAITING_AFTER = dt.timedelta(seconds=10)


class BackgroundJob(Protocol):
    status: str
    created_at: dt.datetime
    heartbeat_at: dt.datetime | None  # its worker's last progress


def waiting_for_worker(job: BackgroundJob, *, now: dt.datetime | None = None) -> str:
    """A warning for a job still queued a while after it was started, else ""."""
    now = now or timezone.now()
    queued = job.status == QUEUED and job.heartbeat_at is None
    if not queued or job.created_at > now - WAITING_AFTER:
        return ""
    if not live_workers(now):
        return (
            "Waiting for a worker: no task worker is running, so this job has not started. "
            "Start one with `manage.py db_worker` (make run starts one beside the server)."
        )
    return "Waiting for a worker: the workers are busy with other tasks; this job starts next."
