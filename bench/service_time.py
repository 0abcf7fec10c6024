"""Single-client service time of the hot endpoints, for bench/http_load.py: each endpoint is
requested `REPEATS` times in a row through Django's test client (the whole middleware stack,
no HTTP server), on the benchmark's seeded database, after one warm-up request. Prints the
median wall time and the median CPU time of this process per request: on a shared machine
the wall time carries the other processes' load, the CPU time much less of it (the database
server's own work is in neither). `profile` prints where one endpoint's time goes: a
pyinstrument call tree over `PROFILE_REPEATS` requests. Run through `manage.py shell -c`.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.test import Client
from load_driver import ZIPS
from pyinstrument import Profiler

REPEATS = 15
PROFILE_REPEATS = 50
PROFILE_SHARE = 0.02  # calls under 2% of the time are left out of the tree
Url = Callable[[], str]


def _urls() -> dict[str, tuple[str, Url]]:
    """endpoint: (who asks: "api" or "page", the next URL)."""
    uncached = itertools.count(900_000)  # the load runs' own counters start far below

    def next_uncached() -> str:
        n = next(uncached)
        page_size = 10 + (n // len(ZIPS)) % 40
        return f"/api/search?zip={ZIPS[n % len(ZIPS)]}&pageSize={page_size}&page={1 + n % 3}"

    return {
        "search_cached": ("api", lambda: "/api/search?zip=85034&pageSize=25"),
        "search_uncached": ("api", next_uncached),
        "lead_list": ("page", lambda: "/leads/?page=3"),
        "lead_list_api": ("api", lambda: "/api/leads?page=3"),
        "lead_detail": ("page", lambda: "/leads/1234/"),
        "board": ("page", lambda: "/pipeline/"),
    }


def _timed(client: Client, path: str) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _clients(token: str, username: str) -> dict[str, Client]:
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    page = Client()
    page.force_login(get_user_model().objects.get(username=username))
    return {"api": api, "page": page}


def report(token: str, username: str) -> None:
    clients = _clients(token, username)
    print(f"  {'endpoint':<16}{'wall ms':>9}{'cpu ms':>9}   (median of {REPEATS}, one client)")
    for name, (who, url) in _urls().items():
        client = clients[who]
        _timed(client, url())  # warm-up
        walls, cpus = zip(*(_timed(client, url()) for _ in range(REPEATS)), strict=True)
        print(f"  {name:<16}{statistics.median(walls):>9.1f}{statistics.median(cpus):>9.1f}")


def profile(token: str, username: str, endpoint: str) -> None:
    """pyinstrument's call tree of `endpoint` over PROFILE_REPEATS requests, after a warm-up."""
    who, url = _urls()[endpoint]
    client = _clients(token, username)[who]
    _timed(client, url())
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(PROFILE_REPEATS):
        _timed(client, url())
    profiler.stop()
    tree = profiler.output_text(
        processor_options={"filter_threshold": PROFILE_SHARE}, time="percent_of_total"
    )
    print(f"  {endpoint}, {PROFILE_REPEATS} requests, one client (pyinstrument):")
    print("\n".join(f"  {line}" for line in tree.splitlines() if line.strip()))
