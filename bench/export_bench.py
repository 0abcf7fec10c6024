"""How fast the CSV export streams 100,000 leads, and how much memory it needs.

Run from the repo root: `.venv/bin/python bench/export_bench.py` (a throwaway SQLite file in a
temp dir; your database is not touched), or with `BENCH_DATABASE_URL=postgres://…/db` to run
on that database instead: it is FLUSHED (every table emptied) before the leads are made, so
give it a database of its own. `BENCH_SQLITE_PATH=/some/file.sqlite3` uses that SQLite file
instead of a temp one (kept after the run). `BENCH_REUSE=1` keeps the leads already there when
there are exactly BENCH_LEADS of them: with a fixed file or database, runs after the first skip
making them. Compares our export, through the real queryset path, with a bare
csv.writer over the same cells already in memory, timed in turn BENCH_ROUNDS times (default 3;
the best of each), and writes the figures to
bench/results/export.txt (export-postgresql.txt on PostgreSQL). Timings are printed, never
asserted.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from figures import machine_load, summary_line

ROOT = Path(__file__).resolve().parent.parent
LEADS = int(os.environ.get("BENCH_LEADS", "100000"))
TARGET_ROWS_PER_S = 50_000
TARGET_PEAK_MB = 50
TARGET_RATIO = 0.3  # of a bare csv.writer over the same rows
CREATE_BATCH = 5_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")
    os.environ["DATABASE_URL"] = database_url
    os.environ["SECRET_KEY"] = "bench-only-" + "k3Y9" * 12  # long enough for DEBUG off
    os.environ["DEBUG"] = "true"
    os.environ["LEADFLOW_ENV_FILE"] = "/dev/null"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")  # the default cache is a table
    from django.conf import settings

    # DEBUG=true only lets the settings load without production secrets; DEBUG's query log
    # would otherwise count as export memory, which production never pays.
    settings.DEBUG = False


def create_leads(count: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from leads.models import Lead, Phone

    if os.environ.get("BENCH_REUSE") and Lead.objects.count() == count:
        return
    call_command("flush", interactive=False, verbosity=0)

    rng = random.Random(42)
    for start in range(0, count, CREATE_BATCH):
        with transaction.atomic():
            leads = Lead.objects.bulk_create(
                [_lead(n, rng) for n in range(start, min(start + CREATE_BATCH, count))]
            )
            Phone.objects.bulk_create(
                [phone for lead in leads for phone in _phones(lead, rng)], batch_size=2_000
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as a live database keeps them


def _lead(n: int, rng: random.Random):
    from leads.models import Lead

    value = rng.randrange(150_000, 900_000)
    return Lead(
        source="attom",
        street=f"{n} W Main St",
        city="PHOENIX",
        state="AZ",
        zip_code="85004",
        county="Maricopa",
        normalized_address=f"{n} w main st phoenix az 85004",
        owner_name=f"SMITH, JOHN {n}",
        owner_first_name="JOHN",
        owner_last_name="SMITH",
        normalized_owner=f"smith john {n}",
        mailing_street=f"{n} E Oak Ave",
        mailing_city="TEMPE",
        mailing_state="AZ",
        mailing_zip="85281",
        absentee=n % 3 == 0,
        property_type="SFR",
        beds=rng.randrange(1, 6),
        living_sqft=rng.randrange(800, 4000),
        year_built=rng.randrange(1950, 2020),
        avm_value_usd=value,
        estimated_equity_usd=value // 2,
        ai_score=rng.randrange(0, 101),
        skip_trace_provider="batchdata",
        skip_trace_cost_micros=70_000,
        best_phone=f"+1602555{n % 10_000:04d}",
        contactable=True,
    )


def _phones(lead, rng: random.Random):
    from leads.models import Phone

    return [
        Phone(
            lead=lead,
            number=f"+1602{lead.pk % 1_000_000:06d}{rank}",
            line_type="mobile" if rank == 0 else "landline",
            dnc=rng.choice([True, False, None]),
            rank=rank,
        )
        for rank in range(rng.randrange(1, 4))
    ]


def measure_memory() -> dict[str, float]:
    """One export under tracemalloc (which slows every allocation, so it is not timed)."""
    from leads.export.writer import csv_stream
    from leads.selectors import leads_filtered

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    produced = sum(len(text) for text in csv_stream(leads_filtered(), scrub=False, bom=False))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "peak_mb": peak / 2**20,
        "rss_growth_mb": (rss_after - rss_before) / 1024,  # ru_maxrss is KiB on Linux
        "csv_mb": produced / 2**20,
    }


def measure_fetch_only() -> dict[str, float]:
    """Reading what the export reads of each lead (its runs of cells, already formatted by
    the database, and a few values), and nothing else: a floor for our figure."""
    from leads.export.writer import full_layout_rows
    from leads.selectors import leads_filtered

    rows = full_layout_rows(leads_filtered())
    seconds = min(_timed(lambda: _drain(rows.iterator(chunk_size=2000))) for _ in range(2))
    return {"seconds": seconds, "rows_per_s": LEADS / seconds}


def baseline_rows() -> list[list[Any]]:
    """The cells as values, as the rows held them before the database wrote the cells: a
    number as an int (csv.writer converts it), the rest as text."""
    from leads.export.writer import export_rows
    from leads.selectors import leads_filtered

    rows = [
        [int(cell) if cell.isascii() and cell.isdigit() else cell for cell in row]
        for row in export_rows(leads_filtered(), scrub=False)
    ]
    # Millions of cells the collector would walk on every full collection while ours runs.
    gc.freeze()
    return rows


def measure_rounds(rows: list[list[Any]]) -> tuple[dict[str, float], dict[str, float]]:
    """Ours and the baseline timed in turn, ROUNDS times, the best of each kept: a machine
    whose speed drifts during the run slows both alike."""
    from leads.export.writer import csv_stream
    from leads.selectors import leads_filtered

    ours, baseline = [], []
    for _ in range(ROUNDS):
        ours.append(_timed(lambda: _drain(csv_stream(leads_filtered(), scrub=False, bom=False))))
        baseline.append(_timed(lambda: csv.writer(io.StringIO()).writerows(rows)))
    return (
        {"seconds": min(ours), "rows_per_s": LEADS / min(ours)},
        {"seconds": min(baseline), "rows_per_s": len(rows) / min(baseline)},
    )


def _drain(items) -> None:
    for _ in items:
        pass


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def vendor() -> str:
    from django.db import connection

    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    return names.get(connection.vendor, connection.vendor)


def report(
    ours: dict[str, float],
    memory: dict[str, float],
    fetch: dict[str, float],
    baseline: dict[str, float],
) -> str:
    ratio = ours["rows_per_s"] / baseline["rows_per_s"]
    fast = ours["rows_per_s"] >= TARGET_ROWS_PER_S
    lean = max(memory["peak_mb"], memory["rss_growth_mb"]) < TARGET_PEAK_MB
    return "\n".join(
        [
            f"CSV export benchmark: {LEADS:,} leads, 1-3 phones each ({vendor()}); "
            f"best of {ROUNDS} rounds, ours and the baseline in turn",
            machine_load(),
            f"ours:     {ours['rows_per_s']:>10,.0f} rows/s  ({ours['seconds']:.2f} s, "
            f"{memory['csv_mb']:.1f} MB of CSV)",
            f"baseline: {baseline['rows_per_s']:>10,.0f} rows/s  ({baseline['seconds']:.2f} s, "
            "csv.writer over rows already in memory)",
            f"ratio ours/baseline: {ratio:.2f}",
            f"reading the lead rows alone (values_list + iterator): "
            f"{fetch['rows_per_s']:,.0f} rows/s ({fetch['seconds']:.2f} s)",
            f"peak traced memory while streaming: {memory['peak_mb']:.1f} MB; "
            f"max RSS growth: {memory['rss_growth_mb']:.1f} MB",
            f"at the end: {machine_load()}",
            summary_line(
                "export",
                value=ours["rows_per_s"],
                unit="rows/s",
                baseline=baseline["rows_per_s"],
                target=f">= {TARGET_ROWS_PER_S} rows/s and >= {TARGET_RATIO} x baseline",
                met=fast and ratio >= TARGET_RATIO,
            ),
            summary_line(
                "export_memory",
                value=max(memory["peak_mb"], memory["rss_growth_mb"]),
                unit="MB",
                baseline=memory["csv_mb"],
                baseline_unit="MB of CSV",
                target=f"<= {TARGET_PEAK_MB} MB",
                met=lean,
            ),
        ]
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        sqlite_path = os.environ.get("BENCH_SQLITE_PATH") or str(Path(tmp) / "bench.sqlite3")
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{sqlite_path}"
        # Leads are made in a child process, so this one's peak RSS is the export's alone.
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--create", url], check=True)
        print(f"created {LEADS:,} leads in {time.perf_counter() - started:.1f} s", flush=True)
        setup_django(url)
        memory = measure_memory()
        fetch = measure_fetch_only()
        ours, baseline = measure_rounds(baseline_rows())
        text = report(ours, memory, fetch, baseline)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    name = "export.txt" if url.startswith("sqlite") else "export-postgresql.txt"
    (results / name).write_text(text + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--create"]:
        setup_django(sys.argv[2])
        create_leads(LEADS)
    else:
        main()
