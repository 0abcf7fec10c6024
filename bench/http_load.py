"""HTTP load benchmark: `make bench-load`.

Serves LeadFlow with gunicorn (4 workers) on local PostgreSQL + Redis, sandbox providers
(no added latency) and 20,000 seeded leads, in a database of its own (BENCH_PG_DB, default
leadflow_bench, created and dropped here), and drives it from a second process over loopback
only (bench/load_driver.py), each client keeping one connection and sending a mix of cached
search, uncached search, lead list (page and API), lead detail, board, skip trace and export
(the pages with a logged-in session, the API with a bearer token). Per stack, in order:

- 1 client, closed loop: the service time over HTTP;
- 8 and 32 clients, paced: each client thinks BENCH_THINK_MS (mean, default 1,000 ms)
  between answers, for BENCH_PACED_SECONDS (default 60: about 110 lead pages at 8 clients,
  so a p95 is not two slow answers): what an agent meets while the
  others work — the targets are judged here, at 8 clients;
- 8 and 32 clients, closed loop (no think time), for BENCH_SECONDS (default 12): the
  saturation throughput; p95 there is mostly queueing (about clients / cores x service).

Every run stops at BENCH_MAX_REQUESTS (default 4,000) requests too. The PostgreSQL runs
happen twice in the same run, with the query cache (django-cachalot) on and off; then the
same runs against the SQLite default under `manage.py runserver` (what `make run` serves).
Prints p50/p95/p99 and requests/s per endpoint and run, the machine load, and one summary
line per endpoint and run (`load_<endpoint>_<clients>` paced, `load_<endpoint>_1` the
service time, `load_<endpoint>_<clients>_closed` the closed loop; PostgreSQL with the default
query-cache setting) whose baseline is the same endpoint on SQLite under runserver. After
the PostgreSQL runs, the endpoint furthest over its target at 8 clients is profiled with
pyinstrument through the test client (bench/service_time.py), and its call tree printed.
Writes bench/results/load.txt. Timings are printed, never asserted.

Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), BENCH_CACHE_URL
(default redis://127.0.0.1:6379/14: flushed here), BENCH_PORT (default 8765).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import machine_load, summary_line
from load_driver import ENDPOINTS, THINK_MS, Credentials, Figures, drive, model

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PG_DB = os.environ.get("BENCH_PG_DB", "leadflow_bench")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
LEADS = int(os.environ.get("BENCH_LEADS", "20000"))
# (name, clients, mean think ms): the runs of each stack, in order
RUNS: tuple[tuple[str, int, float], ...] = (
    ("1", 1, 0.0),
    ("8", 8, THINK_MS),
    ("32", 32, THINK_MS),
    ("8_closed", 8, 0.0),
    ("32_closed", 32, 0.0),
)
TARGET_RUN = "8"
PASSWORD = "bench-load-password"  # the bench user's, in a database dropped after the run
# p95 targets at 8 clients on PostgreSQL, ms
TARGETS_MS = {
    "search_cached": 25,
    "search_uncached": 150,
    "lead_list": 50,
    "lead_list_api": 50,
    "lead_detail": 30,
    "board": 100,
}
RESULTS = ROOT / "bench" / "results" / "load.txt"
SETTLED = "from django.core.cache import cache; cache.clear(); import seed_load; seed_load.settle()"
CACHALOT_DEFAULT_ON = False  # as leadflow/settings.py's CACHALOT_ENABLED default


def base_env(database_url: str, cache_url: str, *, cachalot: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="leadflow.settings",
        LEADFLOW_ENV_FILE=os.devnull,
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        SECRET_KEY="bench-only-" + "x" * 40,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SANDBOX_PROVIDERS="true",
        SANDBOX_LATENCY_MS="",
        CACHALOT_ENABLED="true" if cachalot else "false",
        DAILY_CAP_ATTOM_CENTS="100000000",
        DAILY_CAP_BATCH_CENTS="100000000",
        DAILY_CAP_TWILIO_CENTS="0",  # skip traces here are BatchData's; no line types
        DAILY_CAP_OPENAI_CENTS="0",
        LOG_LEVEL="ERROR",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG_URL}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
    )


def prepare(env: dict[str, str]) -> Credentials:
    """Migrate, seed the leads and a user; return how that user logs in."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    printed = manage(env, "shell", "-c", f"import seed_load; seed_load.seed({LEADS}, {PASSWORD!r})")
    token = printed.strip().splitlines()[-1]  # after the shell's own notes
    return Credentials(token=token, username="bench", password=PASSWORD)


def serve_gunicorn(env: dict[str, str]) -> subprocess.Popen:
    command = [PYTHON, "-m", "gunicorn", "leadflow.wsgi:application", "-c"]
    command += [str(ROOT / "bench" / "gunicorn_bench.conf.py"), "-b", f"127.0.0.1:{PORT}"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def serve_runserver(env: dict[str, str]) -> subprocess.Popen:
    command = [PYTHON, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_until_up(server: subprocess.Popen) -> None:
    import http.client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/accounts/login/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up within 60 s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run_stack(
    label: str, env: dict[str, str], credentials: Credentials, serve, out: list[str]
) -> dict[str, Figures]:
    server = serve(env)
    try:
        wait_until_up(server)
        figures = {}
        for name, clients, think_ms in RUNS:
            figures[name] = drive(
                port=PORT, credentials=credentials, clients=clients, think_ms=think_ms
            )
            _say(out, f"{label}, {clients} clients, {model(think_ms)}:", figures[name].table())
        return figures
    finally:
        stop(server)


def service_times(env: dict[str, str], credentials: Credentials) -> str:
    """bench/service_time.py's table: each endpoint alone, through the test client."""
    manage(env, "shell", "-c", "from django.core.cache import cache; cache.clear()")
    return _through_test_client(env, f"report({credentials.token!r}, 'bench')")


def profile(env: dict[str, str], credentials: Credentials, endpoint: str) -> str:
    """bench/service_time.py's pyinstrument tree of one endpoint."""
    return _through_test_client(env, f"profile({credentials.token!r}, 'bench', {endpoint!r})")


def _through_test_client(env: dict[str, str], call: str) -> str:
    env = {**env, "ALLOWED_HOSTS": env["ALLOWED_HOSTS"] + ",testserver"}
    printed = manage(env, "shell", "-c", f"import service_time; service_time.{call}").splitlines()
    return "\n".join(line for line in printed if line.startswith("  "))  # not the shell's notes


def furthest_over_target(figures: Figures) -> str:
    """The endpoint whose p95 is furthest above its target (or, all met, nearest to it)."""
    return max(TARGETS_MS, key=lambda endpoint: figures.p95_ms(endpoint) / TARGETS_MS[endpoint])


def _say(out: list[str], *lines: str) -> None:
    out.extend(lines)
    print(*lines, sep="\n", flush=True)


def summary(pg: dict[str, Figures], sqlite: dict[str, Figures]) -> list[str]:
    lines = []
    for run, _, _ in RUNS:
        for endpoint in ENDPOINTS:
            ours, base = pg[run].p95_ms(endpoint), sqlite[run].p95_ms(endpoint)
            target = TARGETS_MS.get(endpoint) if run == TARGET_RUN else None
            lines.append(
                summary_line(
                    f"load_{endpoint}_{run}",
                    value=ours,
                    unit="ms p95",
                    baseline=base,
                    baseline_unit="ms p95 (SQLite, runserver)",
                    target=f"p95 <= {target} ms" if target else "none (reported)",
                    met=ours <= target if target else not math.isnan(ours),
                )
            )
    return lines


def main() -> None:
    lines = [f"HTTP load benchmark: {LEADS:,} leads, sandbox providers, loopback only"]
    lines += [f"load models: {model(THINK_MS)}; {model(0)}", machine_load()]
    print(*lines, sep="\n", flush=True)
    results = run_postgresql(lines)
    with tempfile.TemporaryDirectory(prefix="leadflow-load-") as tmp:
        sqlite_env = base_env(f"sqlite:///{tmp}/load.sqlite3", "locmemcache://", cachalot=False)
        sqlite_env["PYTHONPATH"] = str(ROOT / "bench")
        sqlite_credentials = prepare(sqlite_env)
        sqlite = run_stack(
            "SQLite, runserver", sqlite_env, sqlite_credentials, serve_runserver, lines
        )
    runs = " / ".join(name for name, _, _ in RUNS)
    _say(
        lines,
        f"at the end: {machine_load()}",
        f"cachalot on vs off (PostgreSQL, p95 ms, runs {runs}):",
        *compare(results[True], results[False]),
        *summary(results[CACHALOT_DEFAULT_ON], sqlite),
    )
    RESULTS.write_text("\n".join(lines) + "\n")


def run_postgresql(out: list[str]) -> dict[bool, dict[str, Figures]]:
    """The gunicorn runs, query cache on and then off, each after its service times."""
    pg_url = f"{PG_URL}/{PG_DB}"
    psql(f"DROP DATABASE IF EXISTS {PG_DB}")
    psql(f"CREATE DATABASE {PG_DB}")
    try:
        pg_env = base_env(pg_url, CACHE_URL, cachalot=False)
        pg_env["PYTHONPATH"] = str(ROOT / "bench")
        credentials = prepare(pg_env)
        results = {}
        for cachalot in (True, False):
            env = {**pg_env, "CACHALOT_ENABLED": "true" if cachalot else "false"}
            label = (
                f"PostgreSQL + Redis, gunicorn 4 workers, cachalot {'on' if cachalot else 'off'}"
            )
            _say(out, f"{label}, service time:", service_times(env, credentials))
            # Empty, so the uncached searches of the runs are misses whatever ran before; and
            # vacuumed, so this stack does not meet the dead rows (and autovacuum) of the last.
            manage(env, "shell", "-c", SETTLED)
            results[cachalot] = run_stack(label, env, credentials, serve_gunicorn, out)
        # Where the time goes of the endpoint furthest over its target, as served by default.
        env = {**pg_env, "CACHALOT_ENABLED": "true" if CACHALOT_DEFAULT_ON else "false"}
        slowest = furthest_over_target(results[CACHALOT_DEFAULT_ON][TARGET_RUN])
        _say(out, f"profile of {slowest}:", profile(env, credentials, slowest))
        return results
    finally:
        psql(f"DROP DATABASE IF EXISTS {PG_DB}")


def compare(on: dict[str, Figures], off: dict[str, Figures]) -> list[str]:
    rows = []
    for endpoint in ENDPOINTS:
        cells = [
            f"{on[r].p95_ms(endpoint):.0f} on / {off[r].p95_ms(endpoint):.0f} off"
            for r, _, _ in RUNS
        ]
        rows.append(f"  {endpoint:<16} " + "   ".join(cells))
    totals = [
        f"{on[r].requests_per_s():.0f} on / {off[r].requests_per_s():.0f} off req/s"
        for r, _, _ in RUNS
    ]
    rows.append(f"  {'all':<16} " + "   ".join(totals))
    return rows


if __name__ == "__main__":
    main()
