"""How fast an investor's CSV list becomes leads: `POST /api/imports`'s commit, end to end.

Run from the repo root: `.venv/bin/python bench/import_bench.py` (BENCH_ROWS to change the
count, default 100,000; a throwaway SQLite file in /tmp, your database is not touched). The
file is generated: county-style columns (address, city, state, ZIP, owner, mailing address,
half the rows with a phone, a case number kept as notes), 1 % bad rows. The import streams it
(detect, map, normalise, dedup key, bulk upsert, list membership, rules scores). The baseline
is `csv.reader` alone over the same file. Memory: the growth of the process's max RSS during
the timed import (its modules loaded before, as a server has them), against the file's size,
and tracemalloc's peak while importing another file (BENCH_MEMORY_ROWS). The import streams
the file, so the growth stays flat in rows (the normaliser's bounded caches fill first).
Writes the figures to bench/results/import.txt. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from figures import summary_line

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
TARGET_PER_S = 5_000
TARGET_MEMORY_MB = 50
DB_PATH = Path(f"/tmp/leadflow-import-bench-{os.getpid()}.sqlite3")
CSV_PATH = Path(f"/tmp/leadflow-import-bench-{os.getpid()}.csv")
MEMORY_CSV_PATH = Path(f"/tmp/leadflow-import-bench-{os.getpid()}-memory.csv")
MEMORY_ROWS = int(os.environ.get("BENCH_MEMORY_ROWS", "20000"))
STREETS = ["MAIN ST", "N 7TH AVE", "W CAMELBACK RD", "E OAK DR", "S MILL AVE", "PINE LN"]
FIRST = ["JOHN", "MARY", "PAT", "LUIS", "ANA", "WEI", "SAM"]
LAST = ["SMITH", "GARCIA", "NGUYEN", "JOHNSON", "LEE", "BROWN", "DAVIS"]


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


def write_file(rows: int, *, seed: int = 12, path: Path | None = None) -> int:
    """A county-style list; every 100th row has a bad ZIP."""
    path = path or CSV_PATH
    rng = random.Random(seed)
    with path.open("w", newline="") as out:
        out.write("Site Address,City,State,Zip,Owner Name,Mailing Address,Phone,Case Number\n")
        for n in range(rows):
            zip5 = f"85{rng.randrange(0, 100):03d}"
            street = f"{n // 50 + 1 + seed * 100_000} {STREETS[n % len(STREETS)]}"
            owner = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if n % 100 == 99:
                zip5 = "ABCDE"
            mailing = f'"{rng.randrange(1, 9999)} ELM ST, DENVER, CO 80212"' if n % 3 == 0 else ""
            phone = f"(602) {rng.randrange(200, 999)}-{rng.randrange(0, 9999):04d}" if n % 2 else ""
            out.write(f"{street},PHOENIX,AZ,{zip5},{owner},{mailing},{phone},TX-{n}\n")
    return path.stat().st_size


def baseline() -> float:
    import csv

    started = time.perf_counter()
    with CSV_PATH.open(newline="") as handle:
        count = sum(1 for _ in csv.reader(handle))
    return (count - 1) / (time.perf_counter() - started)


def timed_import(path: Path, name: str) -> tuple[float, dict]:
    from leads.lists.imports import import_commit

    started = time.perf_counter()
    with path.open("rb") as stream:
        result = import_commit(stream, list_name=name, user_id=None, file_name=path.name)
    counts = {"rows": result.rows, "created": result.created, "merged": result.merged,
              "rejected": len(result.rejected)}  # fmt: skip
    return time.perf_counter() - started, counts


def traced_peak_mb(rows: int) -> float:
    """The traced peak of an import of another file (tracemalloc slows Python several times,
    so the timed run goes without it)."""
    write_file(rows, seed=99, path=MEMORY_CSV_PATH)
    tracemalloc.start()
    timed_import(MEMORY_CSV_PATH, "Bench (memory)")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    setup_django()
    import leads.lists.imports  # noqa: F401  # loaded, as in a server, before memory is read

    size = write_file(ROWS)
    try:
        reader_rate = baseline()
        rss_before = max_rss_mb()
        elapsed, counts = timed_import(CSV_PATH, "Bench")
        rss_growth = max_rss_mb() - rss_before
        peak_mb = traced_peak_mb(MEMORY_ROWS)
    finally:
        for path in (DB_PATH, CSV_PATH, MEMORY_CSV_PATH, Path(f"{DB_PATH}-wal"),
                     Path(f"{DB_PATH}-shm")):  # fmt: skip
            path.unlink(missing_ok=True)
    rate = counts["rows"] / elapsed
    text = "\n".join(
        [
            f"Import benchmark: {counts['rows']:,} CSV rows ({size / 1e6:.1f} MB), SQLite",
            f"import: {elapsed:.2f} s; {counts['created']:,} created, {counts['merged']:,} "
            f"merged, {counts['rejected']:,} rejected",
            f"memory: max RSS growth {rss_growth:.1f} MB during the timed import; traced peak "
            f"{peak_mb:.1f} MB importing another {MEMORY_ROWS:,} rows (tracemalloc)",
            summary_line(
                "import",
                value=rate,
                unit="rows/s",
                baseline=reader_rate,
                target=f"{TARGET_PER_S} rows/s",
                met=rate >= TARGET_PER_S,
            ),
            summary_line(
                "import_memory",
                value=rss_growth,
                unit="MB",
                baseline=size / 1e6,
                baseline_unit="MB (the file)",
                target=f"<= {TARGET_MEMORY_MB} MB",
                met=rss_growth <= TARGET_MEMORY_MB,
            ),
        ]
    )
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "import.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
