"""Background work on Django's Tasks API: priorities, worker heartbeats, and recovery of the
tasks a dead worker left running.

Every `db_worker` (leadflow's override of django_tasks_db's command) beats every
HEARTBEAT_SECONDS from a thread of its own and, every RECOVER_EVERY beats, looks for RUNNING
tasks whose worker has stopped beating: each goes back to READY to run again (tasks are
written to be safe to run twice), or is finished as failed after MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import close_old_connections, connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leadflow.models import TaskWorker

logger = logging.getLogger("leadflow.worker")

# Django's Tasks API runs higher priorities first (-100 to 100).
PRIORITY_USER_STARTED = 50  # an agent is watching it: bulk traces
PRIORITY_BACKGROUND = -50  # nobody waits on it: AI scoring

HEARTBEAT_SECONDS = 10.0
RECOVER_EVERY = 3  # beats
DEAD_AFTER = dt.timedelta(seconds=60)  # six missed beats
# A task claimed by a worker we have never heard of (one started without the heartbeat).
UNKNOWN_WORKER_AFTER = dt.timedelta(minutes=30)
FORGET_WORKERS_AFTER = dt.timedelta(days=1)
MAX_ATTEMPTS = 3
WORKER_DIED = "leadflow.worker.WorkerDied"


def live_workers(now: dt.datetime | None = None) -> int:
    """How many workers have beaten lately."""
    now = now or timezone.now()
    return TaskWorker.objects.filter(seen_at__gte=now - DEAD_AFTER).count()


def beat(worker_id: str) -> None:
    TaskWorker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": timezone.now(), "host": socket.gethostname(), "pid": os.getpid()},
    )


def recover_abandoned_tasks(now: dt.datetime | None = None) -> list[str]:
    """Put back (or fail) the RUNNING tasks whose worker is dead; returns their ids."""
    now = now or timezone.now()
    workers = dict(TaskWorker.objects.values_list("worker_id", "seen_at"))
    recovered = []
    for result in DBTaskResult.objects.running().only("id", "worker_ids", "started_at"):
        if _abandoned(result, workers, now) and _recover(result, now):
            recovered.append(str(result.pk))
    TaskWorker.objects.filter(seen_at__lt=now - FORGET_WORKERS_AFTER).delete()
    return recovered


def _abandoned(result: DBTaskResult, workers: dict[str, dt.datetime], now: dt.datetime) -> bool:
    last = result.worker_ids[-1] if result.worker_ids else None
    seen_at = workers.get(last) if last else None
    if seen_at is not None:
        return seen_at < now - DEAD_AFTER
    started_at = result.started_at or now
    return started_at < now - UNKNOWN_WORKER_AFTER


def _recover(result: DBTaskResult, now: dt.datetime) -> bool:
    """One conditional UPDATE, so two workers recovering at once act on a task once."""
    running = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING)
    if len(result.worker_ids) >= MAX_ATTEMPTS:
        logger.warning("task %s: its worker died %d times; failed", result.pk, MAX_ATTEMPTS)
        return bool(
            running.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=WORKER_DIED,
                traceback=f"The worker running this task stopped, {MAX_ATTEMPTS} times.",
            )
        )
    logger.warning("task %s: its worker %s died; queued again", result.pk, result.worker_ids)
    return bool(running.update(status=TaskResultStatus.READY))


@contextmanager
def heartbeat(worker_id: str, *, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Beat (and recover dead workers' tasks) in a thread while the block runs."""
    beat(worker_id)
    recover_abandoned_tasks()
    close_old_connections()
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat_until, args=(worker_id, stop, every), name="heartbeat", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every)


def _beat_until(worker_id: str, stop: threading.Event, every: float) -> None:
    beats = 0
    while not stop.wait(every):
        beats += 1
        try:
            beat(worker_id)
            if beats % RECOVER_EVERY == 0:
                recover_abandoned_tasks()
        except Exception:  # a locked or lost database: beat again next time
            logger.exception("worker %s: heartbeat failed", worker_id)
        finally:
            close_old_connections()
    connection.close()
