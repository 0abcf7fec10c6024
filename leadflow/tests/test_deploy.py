"""The README's production steps, followed on a fresh clone: PostgreSQL, Redis, collectstatic,
gunicorn (with gunicorn.conf.py) and a task worker on loopback, then real HTTP requests.

Needs PostgreSQL and Redis on 127.0.0.1 (CI starts them); skipped with the reason elsewhere,
unless LEADFLOW_REQUIRE_SERVICES is set. Commits only: it clones what is committed.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql://postgres@127.0.0.1:5432"
REDIS = ("127.0.0.1", 6379)
STEPS = re.compile(r"<!-- production-steps -->\s*```sh\n(.*?)```", re.S)

pytestmark = pytest.mark.deploy


def _reachable(address: tuple[str, int]) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(address) == 0


@pytest.fixture
def services():
    if not (_reachable(("127.0.0.1", 5432)) and _reachable(REDIS)):
        if os.environ.get("LEADFLOW_REQUIRE_SERVICES") or os.environ.get("CI"):
            pytest.fail("PostgreSQL and Redis must run on 127.0.0.1 for the deploy test")
        pytest.skip("the deploy test needs PostgreSQL and Redis on 127.0.0.1")
    import psycopg

    name = f"lf_deploy_{os.getpid()}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    yield name
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def readme_steps() -> list[str]:
    match = STEPS.search((ROOT / "README.md").read_text())
    assert match, "README.md has no production-steps block"
    return [line for line in match.group(1).splitlines() if line and not line.startswith("#")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "leadflow"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    (clone / ".venv").symlink_to(Path(sys.prefix))  # the virtualenv running this test
    return clone


def _get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https", **headers},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode("utf-8", "replace")


def _wait_for(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while not _reachable(("127.0.0.1", port)):
        assert server.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def test_the_readme_production_steps_serve_pages_on_a_fresh_clone(services, tmp_path):
    clone, port = _clone(tmp_path), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        LEADFLOW_ENV_FILE=os.devnull, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=f"{PG}/{services}",
        CACHE_URL=f"redis://{REDIS[0]}:{REDIS[1]}/6", GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2", SANDBOX_PROVIDERS="true",
    )  # fmt: skip
    running: list[subprocess.Popen] = []
    try:
        for number, line in enumerate(readme_steps()):
            if line.startswith("export "):
                continue  # this host's values are set above
            log = tmp_path / f"step-{number}.log"
            process = subprocess.Popen(
                shlex.split(line), cwd=clone, env=env, stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            if "gunicorn" in line or "db_worker" in line:
                running.append(process)  # servers: they keep running
                if "gunicorn" in line:
                    _wait_for(port, process, log)
            else:
                assert process.wait(timeout=180) == 0, f"{line}\n{log.read_text()}"
        _assert_it_serves(clone, env, port)
    finally:
        for process in running:
            process.terminate()
            process.wait(timeout=30)


def _assert_it_serves(clone: Path, env: dict[str, str], port: int) -> None:
    manage = [str(clone / ".venv/bin/python"), "manage.py"]
    subprocess.run([*manage, "create_demo_user"], cwd=clone, env=env, check=True, timeout=60)
    token = subprocess.run(
        [*manage, "create_api_token", "demo"], cwd=clone, env=env, check=True, timeout=60,
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip

    status, headers, login = _get(port, "/accounts/login/")
    assert status == 200 and "Log in to LeadFlow" in login
    assert "Server" not in headers and "Permissions-Policy" in headers
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', login)
    assert stylesheet, "the page links the hashed stylesheet collectstatic wrote"
    assert _get(port, stylesheet.group(1))[0] == 200
    status, _, body = _get(port, "/api/system/status", Authorization=f"Bearer {token}")
    assert status == 200 and '"attom"' in body
