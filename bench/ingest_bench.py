"""How fast ATTOM records become de-duplicated leads: parse + normalise + dedup + upsert.

Run from the repo root: `.venv/bin/python bench/ingest_bench.py` (BENCH_RECORDS to change the
count; a throwaway SQLite file in /tmp, your database is not touched). The records are the
ATTOM sandbox's own wire JSON (attomavm/detail pages of 100 for as many Arizona ZIPs as it
takes), so parsing is real. They are ingested in batches of 500, as searches do, twice: into an
empty table (the insert path), then again (the update path, where every lead is re-found).
The figure `ingest` is what `ingest_records` does with parsed records (normalise, dedup,
upsert, read the leads back), the slower of the two paths; its baseline is the normaliser
alone (`normalize_address` + `address_key` for the property and the mailing address) on
the same records, cold. Parsing the wire JSON (the ATTOM client's work) is timed apart.
For reference, a plain `Lead.objects.bulk_create` of the same rows, built beforehand with
unique keys, into an empty table. Each figure is the best of BENCH_ROUNDS rounds (default 2).
SQLite by default; BENCH_DATABASE_URL=postgres://... runs it on that (empty) PostgreSQL
database instead. Writes the figures to bench/results/ingest.txt. Timings are printed,
never asserted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from figures import machine_load, summary_line

ROOT = Path(__file__).resolve().parent.parent
RECORDS = int(os.environ.get("BENCH_RECORDS", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))  # best of, against a busy machine's noise
BATCH = 500  # records per ingest call, like a search of 500 per page
ATTOM_PAGE = 100
TARGET_PER_S = 5_000
TARGET_RATIO = 0.5  # of the normaliser alone
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
DB_PATH = Path(f"/tmp/leadflow-ingest-bench-{os.getpid()}.sqlite3")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")
    os.environ["DATABASE_URL"] = DATABASE_URL or f"sqlite:///{DB_PATH}"
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
    return {
        "seconds": ingest_s,
        "parse_s": parse_s,
        "ingest_s": ingest_s,
        "with_parse_per_s": len(items) / (parse_s + ingest_s),
        "per_s": len(items) / ingest_s,
        "created": created,
        "leads": leads,
    }


def measure_baseline(items: list[Any]) -> dict[str, float]:
    from leads.models import Lead
    from leads.search.ingest import _dedup, lead_from_record
    from providers.attom import parse_items

    records, _ = parse_items(items)
    values, _ = _dedup([lead_from_record(record, sandbox=True) for record in records])
    rows = [Lead(**lead) for lead in values]
    empty_table()
    began = time.perf_counter()
    Lead.objects.bulk_create(rows, batch_size=BATCH)
    seconds = time.perf_counter() - began
    empty_table()
    return {"seconds": seconds, "rows": len(rows), "per_s": len(rows) / seconds}


def measure_normaliser(items: list[Any]) -> dict[str, float]:
    """The normaliser alone on the same addresses, cold: the baseline of `ingest`."""
    from leads.search import normalize
    from providers.attom import parse_items

    records, _ = parse_items(items)
    clear_caches()
    began = time.perf_counter()
    for record in records:
        address = normalize.normalize_address(
            record.street, city=record.city, state=record.state, zip_code=record.zip5
        )
        normalize.address_key(address)
        if record.mailing_address:
            normalize.address_key(normalize.parse_one_line(record.mailing_address))
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "per_s": len(records) / seconds}


def best(runs: list[dict]) -> dict:
    return max(runs, key=lambda run: run["per_s"])


def report(first: dict, again: dict, baseline: dict, norm: dict, records: int, load: str) -> str:
    from django.db import connection

    from leads.models import Lead

    stored = Lead.objects.count()

    def line(name: str, run: dict) -> str:
        return (
            f"{name}{run['per_s']:>10,.0f} records/s  (normalise+dedup+upsert+read back "
            f"{run['ingest_s']:.2f} s; with the wire JSON's parse ({run['parse_s']:.2f} s) "
            f"{run['with_parse_per_s']:,.0f} records/s; {run['created']:,} created)"
        )

    slower = min(first["per_s"], again["per_s"])
    met = slower >= TARGET_PER_S and slower >= TARGET_RATIO * norm["per_s"]
    return "\n".join(
        [
            f"Ingest benchmark: {records:,} ATTOM sandbox records (attomavm/detail wire JSON), "
            f"batches of {BATCH}, {connection.vendor}; best of {ROUNDS} rounds",
            load,
            line("first ingest (insert): ", first),
            line("re-ingest (update):    ", again),
            f"normaliser alone:      {norm['per_s']:>10,.0f} records/s  "
            f"({norm['seconds']:.2f} s, property and mailing address, cold)",
            f"reference:             {baseline['per_s']:>10,.0f} rows/s     "
            f"({baseline['seconds']:.2f} s, plain bulk_create of {baseline['rows']:,} built "
            "Lead rows into an empty table)",
            f"leads stored: {stored:,} ({records - stored:,} records were duplicates of another)",
            f"at the end: {machine_load()}",
            summary_line(
                "ingest",
                value=slower,
                unit="records/s",
                baseline=norm["per_s"],
                target=f">= {TARGET_PER_S} records/s and >= {TARGET_RATIO} x baseline",
                met=met,
            ),
        ]
    )


def main() -> None:
    setup_django()
    try:
        started = time.perf_counter()
        items = wire_items(RECORDS)
        print(f"fetched {len(items):,} sandbox records in {time.perf_counter() - started:.1f} s")
        load = machine_load()
        baselines, firsts, agains, norms = [], [], [], []
        for round_ in range(ROUNDS):
            if round_:
                empty_table()
            baselines.append(measure_baseline(items))
            norms.append(measure_normaliser(items))
            firsts.append(measure_ingest(items))
            agains.append(measure_ingest(items))
        text = report(best(firsts), best(agains), best(baselines), best(norms), len(items), load)
        empty_table()
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "ingest.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
