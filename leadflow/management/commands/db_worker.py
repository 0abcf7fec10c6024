"""django_tasks_db's `db_worker`, with a heartbeat and the recovery of tasks a dead worker
left running (leadflow.worker). Same options."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands import db_worker

from leadflow.worker import heartbeat


class Command(db_worker.Command):
    help = "Run a database background worker; it beats, and puts back the tasks of dead workers."

    def handle(self, *args: Any, **options: Any) -> None:
        with heartbeat(options["worker_id"]):
            super().handle(*args, **options)
