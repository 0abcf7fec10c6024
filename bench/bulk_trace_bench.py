"""How fast a bulk skip trace of 1,000 leads runs through the BatchData sandbox.

Run from the repo root: `.venv/bin/python bench/bulk_trace_bench.py` (a throwaway SQLite file
under /tmp; your database is not touched). Leads come from sandbox ATTOM pages of a few
Phoenix ZIPs, ingested the way a search stores them. Two runs, each over 1,000 fresh leads:

(a) BatchData only, as near as sandbox mode allows: sandbox mode turns Twilio on, so its daily
    cap is 0 and line-type lookups are refused before any request is sent. Each batch still
    leaves one refused Twilio ledger row (the report counts them) and the job does the rest
    of its after-trace work (do-not-call list, compliance, rules score) as in production;
(b) with Twilio line-type checks of every phone, under a cap that fits them all;
(c) as (b), with the sandboxes answering as slowly as the real vendors
    (BENCH_LATENCY_MS, default batch:1500,twilio:150, in SANDBOX_LATENCY_MS's form): the
    figure `bulk_trace_latency`, against the ideal time for that latency and
    TWILIO_LOOKUPS_IN_FLIGHT (each BatchData request in turn, each batch's lookups in waves
    of that many while the next request is out; no database, no CPU).

Baseline of (a) and (b): the same 1,000 request items sent straight through
`BatchDataClient.skip_trace` in batches of 100, with no database work. Figures go to
bench/results/bulk_trace.txt.
Timings are printed, never asserted.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from figures import machine_load, summary_line

ROOT = Path(__file__).resolve().parent.parent
LEADS = int(os.environ.get("BENCH_LEADS", "1000"))
BATCH = 100
TARGET_S = 10.0
LATENCY_TARGET_S = 20.0
LATENCY_MS = os.environ.get("BENCH_LATENCY_MS", "batch:1500,twilio:150")
RUN_C_ZIPS = ("85008", "85009", "85013", "85015", "85017", "85018", "85020")
PRICE_CENTS = 7
RUN_A_ZIPS = ("85004", "85016", "85024", "85014")
RUN_B_ZIPS = ("85033", "85019", "85029", "85034")
RESULTS = ROOT / "bench" / "results" / "bulk_trace.txt"


def setup_django(db_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="leadflow.settings",
        DATABASE_URL=f"sqlite:///{db_path}",
        SECRET_KEY="bench-only-" + "k3Y9" * 12,  # long enough for DEBUG off
        DEBUG="false",
        LEADFLOW_ENV_FILE="/dev/null",
        SANDBOX_PROVIDERS="true",
        # All runs' matches fit BatchData's cap; Twilio's env cap is 0 for run (a), and
        # an admin override (a DailyCap row) raises it for run (b).
        DAILY_CAP_BATCH_CENTS=str(3 * LEADS * PRICE_CENTS),
        DAILY_CAP_TWILIO_CENTS="0",
        # One warning per refused lookup in run (a) would flood the terminal.
        LOG_LEVEL="ERROR",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",  # AI scoring is queued, not run
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")  # the default cache is a table


def ingest_leads(zips: tuple[str, ...], count: int) -> list[int]:
    """`count` new leads from sandbox ATTOM pages of `zips`, stored as a search stores them."""
    from leads.search.ingest import ingest_records
    from providers.attom import AttomClient, GeoQuery

    client = AttomClient.from_settings()
    ids: list[int] = []
    for zip_code in zips:
        page = 1
        while len(ids) < count:
            found = client.get_by_geo(GeoQuery(postal_code=zip_code), page=page, page_size=100)
            if not found.records:
                break
            ids += [lead.pk for lead in ingest_records(found.records, sandbox=True).leads]
            page += 1
        if len(ids) >= count:
            break
    ids = list(dict.fromkeys(ids))[:count]
    if len(ids) < count:
        raise SystemExit(f"the sandbox ZIPs {zips} hold only {len(ids)} leads")
    return ids


@dataclass
class RunFigures:
    label: str
    seconds: float
    status: str
    matched: int
    no_match: int
    reused: int
    cost_micros: int
    batch_requests: int
    twilio_requests: int
    twilio_refused: int
    twilio_micros: int
    reconciled: bool
    lookups_per_batch: list[int]


def bulk_run(label: str, lead_ids: list[int]) -> RunFigures:
    from django.db.models import Sum

    from billing.models import LedgerEntry, Outcome
    from billing.reconcile import reconcile
    from leads.models import BulkTraceJob
    from leads.skiptrace.bulk import bulk_trace_run
    from providers import registry

    before = LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    job = BulkTraceJob.objects.create(lead_ids=lead_ids, total=len(lead_ids))
    started = time.perf_counter()
    bulk_trace_run(job)
    seconds = time.perf_counter() - started
    rows = LedgerEntry.objects.filter(id__gt=before)
    batch_rows = rows.filter(provider=registry.BATCH, operation="skip_trace")
    twilio_rows = rows.filter(provider=registry.TWILIO)
    requests = batch_rows.filter(outcome__in=[Outcome.SUCCESS, Outcome.EMPTY])
    batch_micros = batch_rows.aggregate(total=Sum("cost_micros"))["total"] or 0
    price = PRICE_CENTS * 10_000
    reconciled = (
        all(check.ok for check in reconcile())
        and job.cost_micros == batch_micros == job.matched * price
        and job.matched + job.no_match + job.errors + job.reused == job.total
    )
    return RunFigures(
        label=label,
        seconds=seconds,
        status=job.status,
        matched=job.matched,
        no_match=job.no_match,
        reused=job.reused,
        cost_micros=job.cost_micros,
        batch_requests=requests.count(),
        twilio_requests=twilio_rows.exclude(outcome=Outcome.REFUSED).count(),
        twilio_refused=twilio_rows.filter(outcome=Outcome.REFUSED).count(),
        twilio_micros=twilio_rows.aggregate(total=Sum("cost_micros"))["total"] or 0,
        reconciled=reconciled,
        lookups_per_batch=_lookups_per_batch(lead_ids, twilio_rows),
    )


def _lookups_per_batch(lead_ids: list[int], twilio_rows) -> list[int]:
    batch_of = {pk: index // BATCH for index, pk in enumerate(sorted(lead_ids))}
    counts = [0] * math.ceil(len(lead_ids) / BATCH)
    for lead_id in twilio_rows.exclude(outcome="refused").values_list("lead_id", flat=True):
        counts[batch_of[lead_id]] += 1
    return counts


def ideal_seconds(lookups_per_batch: list[int], latency_ms: dict[str, int]) -> float:
    """The vendors' time alone: BatchData requests one after another, each batch's lookups
    in waves of TWILIO_LOOKUPS_IN_FLIGHT while the next request is out."""
    from django.conf import settings

    batch_s, lookup_s = latency_ms.get("batch", 0) / 1000, latency_ms.get("twilio", 0) / 1000
    waves = [math.ceil(n / settings.TWILIO_LOOKUPS_IN_FLIGHT) * lookup_s for n in lookups_per_batch]
    if not waves:
        return 0.0
    overlapped = sum(max(batch_s, wave) for wave in waves[:-1])
    return batch_s + overlapped + waves[-1]


def baseline(lead_ids: list[int]) -> float:
    """The same request items straight through the client: the vendor emulator and JSON only."""
    from leads.models import Lead
    from leads.skiptrace.contacts import skip_trace_request
    from providers.batchdata import BatchDataClient

    items = [skip_trace_request(lead) for lead in Lead.objects.filter(pk__in=lead_ids)]
    client = BatchDataClient.from_settings()
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        client.skip_trace(items[start : start + BATCH])
    return time.perf_counter() - started


def describe(run: RunFigures, base_s: float, target_s: float = TARGET_S) -> list[str]:
    from billing.money import format_dollars

    met = run.seconds < target_s and run.batch_requests == LEADS // BATCH
    return [
        f"{run.label}: {run.seconds:.2f} s, {run.batch_requests} BatchData request(s) "
        f"(target {LEADS // BATCH}, under {target_s:.0f} s: {'met' if met else 'MISSED'})",
        f"  job {run.status}: {run.matched} matched, {run.no_match} no match, {run.reused} free; "
        f"BatchData cost {format_dollars(run.cost_micros)} (= matches x 7 cents)",
        f"  Twilio: {run.twilio_requests} lookup(s), {format_dollars(run.twilio_micros)}, "
        f"{run.twilio_refused} refused by the cap (ledger rows, no request)",
        f"  ledger reconciles (counters = ledger sums, job cost = matches x price): "
        f"{'yes' if run.reconciled else 'NO'}",
        f"  ratio to the baseline: {run.seconds / base_s:.1f}x",
    ]


def latency_run(lead_ids: list[int]) -> tuple[RunFigures, float, dict[str, int]]:
    from django.conf import settings

    from leadflow.settings import _latencies_ms

    os.environ["BENCH_LATENCY_PARSED"] = LATENCY_MS
    latency = _latencies_ms("BENCH_LATENCY_PARSED")
    settings.SANDBOX_LATENCY_MS = latency
    try:
        run = bulk_run(f"(c) as (b), vendors at {LATENCY_MS} ms", lead_ids)
    finally:
        settings.SANDBOX_LATENCY_MS = {}
    return run, ideal_seconds(run.lookups_per_batch, latency), latency


def main() -> None:
    load = machine_load()
    with tempfile.TemporaryDirectory(prefix="bulk-trace-bench-", dir="/tmp") as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        from django.conf import settings

        from billing.models import DailyCap
        from providers.registry import TWILIO

        run_a_ids = ingest_leads(RUN_A_ZIPS, LEADS)
        run_b_ids = ingest_leads(RUN_B_ZIPS, LEADS)
        run_c_ids = ingest_leads(RUN_C_ZIPS, LEADS)
        base_s = baseline(run_a_ids)
        run_a = bulk_run("(a) BatchData only (Twilio cap 0)", run_a_ids)
        DailyCap.objects.create(provider=TWILIO, cap_micros=2 * LEADS * 5 * 8_000)
        run_b = bulk_run("(b) with Twilio line-type checks", run_b_ids)
        run_c, ideal_s, _ = latency_run(run_c_ids)
        in_flight = settings.TWILIO_LOOKUPS_IN_FLIGHT
    lines = [
        f"Bulk skip trace benchmark: {LEADS:,} sandbox leads (ATTOM sandbox, Phoenix ZIPs), "
        f"batches of {BATCH}, SQLite",
        load,
        f"baseline: {base_s:.2f} s for {LEADS // BATCH} BatchDataClient.skip_trace calls "
        "with no database work",
        *describe(run_a, base_s),
        *describe(run_b, base_s),
        *describe(run_c, base_s, LATENCY_TARGET_S)[:-1],
        f"  ideal for {LATENCY_MS} ms with {in_flight} lookups in flight: {ideal_s:.2f} s "
        f"(measured {run_c.seconds:.2f} s)",
        f"at the end: {machine_load()}",
        summary_line(
            "bulk_trace_latency",
            value=run_c.seconds,
            unit="s",
            baseline=ideal_s,
            target=f"<= {LATENCY_TARGET_S:.0f} s",
            met=run_c.seconds <= LATENCY_TARGET_S and run_c.reconciled,
        ),
    ]
    report = "\n".join(lines) + "\n"
    print(report, end="")
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()
