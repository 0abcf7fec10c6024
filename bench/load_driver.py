"""The load generator of bench/http_load.py, run in a process of its own.

`drive()` starts `python bench/load_driver.py ...` and reads its figures back as JSON. The
child sends requests to 127.0.0.1 only, bounded in count (BENCH_MAX_REQUESTS) and time. Each
of `clients` threads holds one keep-alive connection, sends one request at a time and picks
endpoints by weight. Two models:

- paced (`think_ms` > 0): after each answer a client waits a think time drawn from an
  exponential distribution with that mean (as an agent reads a page before the next click),
  so the figures are what a user meets while that many others work at the same time;
- closed loop (`think_ms` = 0): the next request goes as soon as the last one is answered.
  Past saturation this measures queueing as much as service: with C clients on K cores, p95
  is about C / K times the service time. One client in a closed loop is the service time.

Pages are requested with a browser session (one login before the clock starts), the API with
the bearer token; an answer counts only when it is the page itself (200; a skip trace's 409
too), so a redirect to the login page is an error, not a fast answer. Before the clock
starts every client sends each endpoint once (not measured): the first request of a worker
process loads its code, templates and the sandbox's ZIP table.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

SECONDS = float(os.environ.get("BENCH_SECONDS", "12"))
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "4000"))
THINK_MS = float(os.environ.get("BENCH_THINK_MS", "1000"))
PACED_SECONDS = float(os.environ.get("BENCH_PACED_SECONDS", "60"))
# endpoint: weight in the mix
ENDPOINTS = {
    "search_cached": 4,
    "search_uncached": 1,
    "lead_list": 2,
    "lead_list_api": 1,
    "lead_detail": 4,
    "board": 2,
    "skip_trace": 1,
    "export": 1,
}
ZIPS = [
    "85003", "85004", "85006", "85007", "85008", "85009", "85012", "85013", "85014", "85015",
    "85016", "85017", "85018", "85019", "85020", "85021", "85022", "85023", "85024", "85027",
]  # fmt: skip
_runs = itertools.count()


@dataclass
class Figures:
    seconds: float
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def p(self, endpoint: str, percent: int) -> float:
        values = sorted(self.latencies_ms.get(endpoint) or [])
        if not values:  # no answer at all: no figure (and no target met)
            return float("nan")
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]

    def p95_ms(self, endpoint: str) -> float:
        return self.p(endpoint, 95)

    def requests_per_s(self, endpoint: str | None = None) -> float:
        names = [endpoint] if endpoint else list(self.latencies_ms)
        return sum(len(self.latencies_ms.get(n, [])) for n in names) / self.seconds

    def table(self) -> str:
        lines = [f"  {'endpoint':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}"]
        for name in ENDPOINTS:
            lines.append(
                f"  {name:<16}{len(self.latencies_ms.get(name, [])):>6}"
                f"{self.p(name, 50):>9.1f}{self.p(name, 95):>9.1f}{self.p(name, 99):>9.1f}"
                f"{self.requests_per_s(name):>8.1f}"
                + (f"  ({self.errors[name]} errors)" if self.errors.get(name) else "")
            )
        lines.append(f"  {'all':<16}{'':>33}{self.requests_per_s():>8.1f}")
        return "\n".join(lines)


def model(think_ms: float) -> str:
    if think_ms:
        return (
            f"paced: each client one request at a time on its own keep-alive connection, "
            f"then a think time (exponential, mean {think_ms:.0f} ms)"
        )
    return (
        "closed loop: each client one request at a time on its own keep-alive connection, "
        "no think time; p95 past saturation ~ clients / cores x service time"
    )


PAGE_ENDPOINTS = {"lead_list", "lead_detail", "board"}


@dataclass(frozen=True)
class Credentials:
    token: str  # the API's bearer token
    username: str  # the pages' login
    password: str


def drive(*, port: int, credentials: Credentials, clients: int, think_ms: float = 0.0) -> Figures:
    seconds = PACED_SECONDS if think_ms else SECONDS
    command = [sys.executable, __file__, "--port", str(port), "--clients", str(clients)]
    command += ["--run", str(next(_runs)), "--think-ms", str(think_ms), "--seconds", str(seconds)]
    result = subprocess.run(
        command,
        input=json.dumps(credentials.__dict__),
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    )
    return Figures(**json.loads(result.stdout))


def _request(endpoint: str, rng: random.Random, uncached: itertools.count) -> tuple[str, str]:
    lead = rng.randrange(1, int(os.environ.get("BENCH_LEADS", "20000")) + 1)
    if endpoint == "search_cached":
        return "GET", "/api/search?zip=85034&pageSize=25"
    if endpoint == "search_uncached":
        n = next(uncached)
        zip_code, page_size = ZIPS[n % len(ZIPS)], 10 + (n // len(ZIPS)) % 40
        return "GET", f"/api/search?zip={zip_code}&pageSize={page_size}&page={1 + n % 3}"
    if endpoint == "lead_list":
        return "GET", f"/leads/?page={rng.randrange(1, 20)}"
    if endpoint == "lead_list_api":
        return "GET", f"/api/leads?page={rng.randrange(1, 20)}"
    if endpoint == "lead_detail":
        return "GET", f"/leads/{lead}/"
    if endpoint == "board":
        return "GET", "/pipeline/"
    if endpoint == "skip_trace":
        return "POST", f"/api/leads/{lead}/skiptrace"
    return "GET", "/api/leads/export.csv?temperature=ON_FIRE&stage=new"


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def login(port: int, credentials: Credentials) -> str:
    """Log in once as a browser does; returns the Cookie header the pages are sent with."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read()
    csrf = _cookies(response)["csrftoken"]
    form = (
        urllib.parse.urlencode(
            {"csrfmiddlewaretoken": csrf, "username": credentials.username},
        )
        + "&"
        + urllib.parse.urlencode({"password": credentials.password})
    )
    headers = {
        "Host": "127.0.0.1",
        "Cookie": f"csrftoken={csrf}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    connection.request("POST", "/accounts/login/", body=form, headers=headers)
    response = connection.getresponse()
    response.read()
    session = _cookies(response).get("sessionid")
    connection.close()
    if response.status != 302 or not session:
        raise SystemExit(f"the bench user could not log in (HTTP {response.status})")
    return f"csrftoken={csrf}; sessionid={session}"


def _answered(endpoint: str, status: int) -> bool:
    return status == 200 or (endpoint == "skip_trace" and status == 409)


class _Client:
    """One closed-loop client: one connection, one request at a time."""

    def __init__(self, port: int, credentials: Credentials, cookie: str) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.api_headers = {"Authorization": f"Bearer {credentials.token}", "Host": "127.0.0.1"}
        self.page_headers = {"Cookie": cookie, "Host": "127.0.0.1"}

    def reconnect(self) -> None:
        """A fresh connection: one that waited for the others to warm up may have outlived
        the server's keep-alive."""
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def send(self, endpoint: str, method: str, path: str) -> tuple[bool, float]:
        headers = self.page_headers if endpoint in PAGE_ENDPOINTS else self.api_headers
        started = time.perf_counter()
        try:
            self.connection.request(method, path, headers=headers)
            response = self.connection.getresponse()
            response.read()
            ok = _answered(endpoint, response.status)
        except (OSError, ValueError, http.client.HTTPException):
            self.reconnect()
            ok = False
        return ok, (time.perf_counter() - started) * 1000


def _client(index: int, args: argparse.Namespace, client: _Client, shared: dict) -> None:
    rng = random.Random(f"{args.run}-{index}")
    names, weights = list(ENDPOINTS), list(ENDPOINTS.values())
    for endpoint in names:  # warm-up, not measured
        client.send(endpoint, *_request(endpoint, rng, shared["uncached"]))
    shared["ready"].wait()
    client.reconnect()
    _think(rng, args.think_ms, shared, first=True)
    while time.monotonic() < shared["deadline"]:
        with shared["lock"]:
            if shared["sent"] >= MAX_REQUESTS:
                return
            shared["sent"] += 1
        endpoint = rng.choices(names, weights)[0]
        ok, elapsed_ms = client.send(endpoint, *_request(endpoint, rng, shared["uncached"]))
        with shared["lock"]:
            if ok:
                shared["latencies_ms"].setdefault(endpoint, []).append(elapsed_ms)
            else:
                shared["errors"][endpoint] = shared["errors"].get(endpoint, 0) + 1
        _think(rng, args.think_ms, shared)


def _think(rng: random.Random, think_ms: float, shared: dict, *, first: bool = False) -> None:
    """A paced client's pause, never past the deadline; the first one is spread evenly so
    the clients do not all start in the same instant."""
    if not think_ms:
        return
    pause_ms = rng.uniform(0, think_ms) if first else rng.expovariate(1 / think_ms)
    time.sleep(max(0.0, min(pause_ms / 1000, shared["deadline"] - time.monotonic())))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--run", type=int, default=0)
    parser.add_argument("--think-ms", type=float, default=0.0)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    args = parser.parse_args()
    credentials = Credentials(**json.loads(sys.stdin.read()))
    cookie = login(args.port, credentials)
    shared: dict = {
        "lock": threading.Lock(),
        "sent": 0,
        "deadline": float("inf"),
        "latencies_ms": {},
        "errors": {},
        "uncached": itertools.count(args.run * 100_000),
    }
    started = [0.0]

    def start_clock() -> None:  # run by the barrier once every client is warm
        started[0] = time.perf_counter()
        shared["deadline"] = time.monotonic() + args.seconds

    shared["ready"] = threading.Barrier(args.clients, action=start_clock, timeout=args.seconds + 60)
    clients = [_Client(args.port, credentials, cookie) for _ in range(args.clients)]
    threads = [
        threading.Thread(target=_client, args=(i, args, clients[i], shared))
        for i in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started[0]
    figures = {
        "seconds": seconds,
        "latencies_ms": shared["latencies_ms"],
        "errors": shared["errors"],
    }
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
