"""How fast ATTOM records become de-duplicated leads: parse + normalise + dedup + upsert.

Run from the repo root: `.venv/bin/python bench/ingest_bench.py` (BENCH_RECORDS to change the
count; a throwaway SQLite file in /tmp, your database is not touched). The records are the
ATTOM sandbox's own wire JSON (attomavm/detail pages of 100 for as many Arizona ZIPs as it
takes), so parsing is real. They are ingested in batches of 500, as searches do, twice: into an
empty table (the insert path), then again (the update path, where every lead is re-found).
The baseline is a plain `Lead.objects.bulk_create` of the same rows, built beforehand with
unique keys, into an empty table. Each figure is the best of BENCH_ROUNDS rounds (default 2).
Writes the figures to bench/results/ingest.txt. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RECORDS = int(os.environ.get("BENCH_RECORDS", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))  # best of, against a busy machine's noise
BATCH = 500  # records per ingest call, like a search of 500 per page
ATTOM_PAGE = 100
TARGET_PER_S = 5_000
DB_PATH = Path(f"/tmp/leadflow-ingest-bench-{os.getpid()}.sqlite3")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{DB_PATH}"
    os.environ["SECRET_KEY"] = "bench-only-" + "k3Y9" * 12  # long enough for DEBUG off
    os.environ["DEBUG"] = "false"
    os.environ["LEADFLOW_ENV_FILE"] = "/dev/null"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")  # the default cache is a table


def wire_items(count: int) -> list[Any]:
    """`property[]` items as the ATTOM sandbox sends them, ZIP by ZIP, page by page."""
    import requests

    from providers.sandbox.attom import AVM_DETAIL_PATH, AttomSandboxAdapter
    from providers.sandbox.attom_data import places

    session = requests.Session()
    session.mount("https://attom.test/", AttomSandboxAdapter())
    session.headers.update({"apikey": "sandbox-key", "Accept": "application/json"})
    zips = sorted(zip5 for zip5, home in places().items() if home.state == "AZ")
    items: list[Any] = []
    for zip5 in zips:
        page = 1
        while len(items) < count:
            params: dict[str, str | int] = {
                "postalcode": zip5,
                "page": page,
                "pagesize": ATTOM_PAGE,
            }
            response = session.get("https://attom.test" + AVM_DETAIL_PATH, params=params)
            found = response.json().get("property", []) if response.status_code == 200 else []
            items += found
            if len(found) < ATTOM_PAGE:
                break
            page += 1
        if len(items) >= count:
            break
    return items[:count]


def clear_caches() -> None:
    """Normalisation memoises; every run starts cold, as a new process would."""
    from leads.search import normalize

    for value in vars(normalize).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


def empty_table() -> None:
    from leads.models import Lead

    Lead.objects.all().delete()


def measure_ingest(items: list[Any]) -> dict[str, float]:
    from leads.search.ingest import ingest_records
    from providers.attom import parse_items

    clear_caches()
    parse_s = ingest_s = 0.0
    created = leads = 0
    for start in range(0, len(items), BATCH):
        began = time.perf_counter()
        records, _ = parse_items(items[start : start + BATCH])
        parsed = time.perf_counter()
        result = ingest_records(records, sandbox=True)
        ingest_s += time.perf_counter() - parsed
        parse_s += parsed - began
        created += result.created
        leads += len(result.leads)
    seconds = parse_s + ingest_s
    return {
        "seconds": seconds,
        "parse_s": parse_s,
        "ingest_s": ingest_s,
        "per_s": len(items) / seconds,
        "created": created,
        "leads": leads,
    }


def measure_baseline(items: list[Any]) -> dict[str, float]:
    from leads.models import Lead
    from leads.search.ingest import _dedup, lead_from_record
    from providers.attom import parse_items

    records, _ = parse_items(items)
    rows, _ = _dedup([lead_from_record(record, sandbox=True) for record in records])
    empty_table()
    began = time.perf_counter()
    Lead.objects.bulk_create(rows, batch_size=BATCH)
    seconds = time.perf_counter() - began
    empty_table()
    return {"seconds": seconds, "rows": len(rows), "per_s": len(rows) / seconds}


def best(runs: list[dict]) -> dict:
    return max(runs, key=lambda run: run["per_s"])


def report(first: dict, again: dict, baseline: dict, records: int, load: float) -> str:
    from leads.models import Lead

    stored = Lead.objects.count()

    def line(name: str, run: dict) -> str:
        return (
            f"{name}{run['per_s']:>10,.0f} records/s  ({run['seconds']:.2f} s: parse "
            f"{run['parse_s']:.2f} s, normalise+dedup+upsert {run['ingest_s']:.2f} s; "
            f"{run['created']:,} created)"
        )

    met = min(first["per_s"], again["per_s"]) >= TARGET_PER_S
    return "\n".join(
        [
            f"Ingest benchmark: {records:,} ATTOM sandbox records (attomavm/detail wire JSON), "
            f"batches of {BATCH}, SQLite; best of {ROUNDS} rounds",
            f"machine: {os.cpu_count()} CPU(s), load average {load:.1f} at the start",
            line("first ingest (insert): ", first),
            line("re-ingest (update):    ", again),
            f"baseline:              {baseline['per_s']:>10,.0f} rows/s     "
            f"({baseline['seconds']:.2f} s, plain bulk_create of {baseline['rows']:,} built "
            "Lead rows into an empty table)",
            f"ratio ours/baseline: insert {first['per_s'] / baseline['per_s']:.2f}, "
            f"update {again['per_s'] / baseline['per_s']:.2f}",
            f"leads stored: {stored:,} ({records - stored:,} records were duplicates of another)",
            f"target >= {TARGET_PER_S:,} records/s: {'met' if met else 'MISSED'}",
        ]
    )


def main() -> None:
    setup_django()
    try:
        started = time.perf_counter()
        items = wire_items(RECORDS)
        print(f"fetched {len(items):,} sandbox records in {time.perf_counter() - started:.1f} s")
        load = os.getloadavg()[0]
        baselines, firsts, agains = [], [], []
        for round_ in range(ROUNDS):
            if round_:
                empty_table()
            baselines.append(measure_baseline(items))
            firsts.append(measure_ingest(items))
            agains.append(measure_ingest(items))
        text = report(best(firsts), best(agains), best(baselines), len(items), load)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "ingest.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
