"""The load generator of bench/http_load.py, run in a process of its own.

`drive()` starts `python bench/load_driver.py ...` and reads its figures back as JSON. The
child sends requests to 127.0.0.1 only, from `clients` threads each holding one keep-alive
connection, picking endpoints by weight, until BENCH_SECONDS pass or BENCH_MAX_REQUESTS are
sent, whichever comes first.
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
from dataclasses import dataclass, field
from pathlib import Path

SECONDS = float(os.environ.get("BENCH_SECONDS", "12"))
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "4000"))
# endpoint: weight in the mix
ENDPOINTS = {
    "search_cached": 4,
    "search_uncached": 1,
    "lead_list": 3,
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
        values = sorted(self.latencies_ms.get(endpoint) or [0.0])
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


def drive(*, port: int, token: str, clients: int) -> Figures:
    command = [sys.executable, __file__, "--port", str(port), "--clients", str(clients)]
    command += ["--run", str(next(_runs))]
    result = subprocess.run(
        command,
        input=token,
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 120,
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
    if endpoint == "lead_detail":
        return "GET", f"/leads/{lead}/"
    if endpoint == "board":
        return "GET", "/pipeline/"
    if endpoint == "skip_trace":
        return "POST", f"/api/leads/{lead}/skiptrace"
    return "GET", "/api/leads/export.csv?temperature=ON_FIRE&stage=new"


def _client(index: int, args: argparse.Namespace, token: str, shared: dict) -> None:
    rng = random.Random(f"{args.run}-{index}")
    names, weights = list(ENDPOINTS), list(ENDPOINTS.values())
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
    while time.monotonic() < shared["deadline"]:
        with shared["lock"]:
            if shared["sent"] >= MAX_REQUESTS:
                return
            shared["sent"] += 1
        endpoint = rng.choices(names, weights)[0]
        method, path = _request(endpoint, rng, shared["uncached"])
        started = time.perf_counter()
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status < 400 or (endpoint == "skip_trace" and response.status == 409)
        except (OSError, ValueError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            ok = False
        elapsed_ms = (time.perf_counter() - started) * 1000
        with shared["lock"]:
            if ok:
                shared["latencies_ms"].setdefault(endpoint, []).append(elapsed_ms)
            else:
                shared["errors"][endpoint] = shared["errors"].get(endpoint, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--run", type=int, default=0)
    args = parser.parse_args()
    token = sys.stdin.read().strip()
    shared: dict = {
        "lock": threading.Lock(),
        "sent": 0,
        "deadline": time.monotonic() + SECONDS,
        "latencies_ms": {},
        "errors": {},
        "uncached": itertools.count(args.run * 100_000),
    }
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_client, args=(i, args, token, shared)) for i in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    figures = {
        "seconds": seconds,
        "latencies_ms": shared["latencies_ms"],
        "errors": shared["errors"],
    }
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
