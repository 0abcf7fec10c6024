"""`rescore_leads` in its own process while another process keeps committing writes to the
same SQLite file: it waits its turn instead of failing with "database is locked" (a read
cursor held open across its writes would go stale at the first commit of the other)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LEADS = 450  # more than one chunk of reads

pytestmark = pytest.mark.soak


def _env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(LEADFLOW_ENV_FILE=os.devnull, DEBUG="true", DATABASE_URL=f"sqlite:///{database}")
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_rescoring_survives_another_process_committing_writes(tmp_path):
    database = tmp_path / "rescore.sqlite3"
    env = _env(database)
    assert _manage(env, "migrate", "-v", "0").returncode == 0
    make = f"from leads.tests.factories import make_lead\nfor _ in range({LEADS}): make_lead()"
    assert _manage(env, "shell", "-c", make).returncode == 0
    stop = threading.Event()

    def another_process_writes() -> None:
        other = sqlite3.connect(database, timeout=20)
        while not stop.wait(0.005):
            other.execute("UPDATE leads_lead SET city = city || '' WHERE id = 1")
            other.commit()
        other.close()

    writer = threading.Thread(target=another_process_writes)
    writer.start()
    try:
        result = _manage(env, "rescore_leads", "--rules")
    finally:
        stop.set()
        writer.join()

    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Rescored {LEADS:,} leads" in result.stdout
