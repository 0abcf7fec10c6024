"""Soak: a real task worker and a writing web process side by side on one SQLite file.

`make run`'s stack: a `db_worker` scoring leads and running a bulk trace while another
process saves 200-record searches (each queueing AI scoring) and a third rescores with the
AI, all on a temp-file SQLite database. Nothing may fail with "database is locked", no task
may be left READY or RUNNING, and every lead ends with an AI score. Bounded: about a minute.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 90
ZIPS = ["85034", "85004", "85006", "85014", "85016"]

WRITER = """
from leads.models import Lead
from leads.search.areas import Area
from leads.search.query import SearchQuery
from leads.search.services import lead_search
from leads.skiptrace.bulk import bulk_trace_start

def search(zip5):
    lead_search(query=SearchQuery(area=Area(kind="zip", zip_code=zip5), page_size=200))

for zip5 in {first}:
    search(zip5)
bulk_trace_start(lead_ids=list(Lead.objects.order_by("pk").values_list("pk", flat=True)[:150]),
                 user_id=None)
for zip5 in {rest}:
    search(zip5)
print("writer done")
"""

pytestmark = pytest.mark.soak


def _env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        LEADFLOW_ENV_FILE=os.devnull, DEBUG="true", DATABASE_URL=f"sqlite:///{database}",
        SANDBOX_PROVIDERS="true", CACHE_URL="", LOG_LEVEL="WARNING",
        DAILY_CAP_ATTOM_CENTS="1000000", DAILY_CAP_BATCH_CENTS="1000000",
        DAILY_CAP_TWILIO_CENTS="1000000", DAILY_CAP_OPENAI_CENTS="1000000",
    )  # fmt: skip
    env.pop("CACHE_URL")
    return env


def _manage(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _count(database: Path, sql: str) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute(sql).fetchone()[0]


def _tasks_left(database: Path) -> int:
    return _count(
        database, "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
        "WHERE status IN ('READY', 'RUNNING')",
    )  # fmt: skip


def test_a_worker_and_writing_processes_share_sqlite_without_locks(tmp_path):
    database = tmp_path / "soak.sqlite3"
    env = _env(database)
    for setup in (("migrate", "-v", "0"), ("createcachetable",)):
        subprocess.run([sys.executable, "manage.py", *setup], cwd=ROOT, env=env, check=True)
    logs = {name: tmp_path / f"{name}.log" for name in ("worker", "writer", "rescore")}
    worker = _manage(
        env, "db_worker", "--queue-name", "*", "--no-reload", "--interval", "0.1",
        "--no-startup-delay", log=logs["worker"],
    )  # fmt: skip
    try:
        script = WRITER.format(first=ZIPS[:2], rest=ZIPS[2:])
        writer = _manage(env, "shell", "-c", script, log=logs["writer"])
        while _count(database, "SELECT COUNT(*) FROM leads_lead") < 300:
            assert writer.poll() is None, logs["writer"].read_text()
            time.sleep(0.2)
        rescore = _manage(env, "rescore_leads", "--ai", "--zip", ZIPS[0], log=logs["rescore"])
        assert writer.wait(timeout=DEADLINE_SECONDS) == 0, logs["writer"].read_text()
        assert rescore.wait(timeout=DEADLINE_SECONDS) == 0, logs["rescore"].read_text()
        _wait_for_the_worker(database, logs["worker"])
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    _assert_nothing_lost(database, logs)


def _wait_for_the_worker(database: Path, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while _tasks_left(database):
        assert time.monotonic() < deadline, f"tasks still queued or running\n{log.read_text()}"
        time.sleep(0.5)


def _assert_nothing_lost(database: Path, logs: dict[str, Path]) -> None:
    for name, log in logs.items():
        text = log.read_text()
        assert "database is locked" not in text, f"{name}:\n{text}"
        assert "Traceback" not in text, f"{name}:\n{text}"
    assert _count(database, "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
                            "WHERE status != 'SUCCESSFUL'") == 0  # fmt: skip
    leads = _count(database, "SELECT COUNT(*) FROM leads_lead")
    assert leads >= 900
    unscored = _count(database, "SELECT COUNT(*) FROM leads_lead WHERE ai_scored_at IS NULL")
    assert unscored == 0, f"{unscored} of {leads} leads have no AI score"
    assert _count(database, "SELECT COUNT(*) FROM leads_bulktracejob WHERE status = 'done'") == 1
