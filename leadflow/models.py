"""What the project itself keeps: the task workers that are alive."""

from __future__ import annotations

from django.db import models


class TaskWorker(models.Model):
    """A `db_worker` process, with its last heartbeat. A running task whose worker has not
    beaten for a while was left by a dead worker (see leadflow.worker)."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.host} (pid {self.pid})"
