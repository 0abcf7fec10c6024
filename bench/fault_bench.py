"""Money and leads under vendor faults: searches, single traces and a 1,000-lead bulk trace
with 0 %, 10 % and 30 % of ATTOM's and BatchData's requests answered by a random fault
(429, 500, 503, a timeout after sending, a refused connection, a malformed body).

Run from the repo root: `.venv/bin/python bench/fault_bench.py` (a throwaway SQLite file
under /tmp). Each run prints: the share of searches and traces that succeeded after retries,
unhandled errors (anything but our own typed errors), lost leads (records paid for and not
stored), double charges (a lead billed twice for one trace), unknown outcomes (charged at
their maximum), and reconcile's verdict before and after settling the unknowns from the
vendor's own figures. The sandbox bills nothing for a request it timed out on (it never
answers it), so its figures are the ledger's known rows. The 0 % run is the baseline (the
sandbox fails a few items of a bulk request on purpose, so it is not 100 %). Targets: >= 95 %
success at 10 % (the issue's), >= 80 % at 30 % (ours); 0 unhandled, lost and double.
Figures go to bench/results/fault.txt.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATES = (0.0, 0.10, 0.30)
SEARCHES = 40
TRACES = 40
BULK_LEADS = int(os.environ.get("BENCH_LEADS", "1000"))
SUCCESS_TARGET = 0.95  # the issue's, at 10 % faults
HEAVY_SUCCESS_TARGET = 0.80  # ours, at 30 %
SEARCH_ZIPS = ("85004", "85006", "85008", "85013", "85014", "85015", "85016", "85018")
BULK_ZIPS = ("85033", "85019", "85029", "85034", "85024")
RESULTS = ROOT / "bench" / "results" / "fault.txt"


def setup_django(db_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="leadflow.settings", DATABASE_URL=f"sqlite:///{db_path}",
        SECRET_KEY="bench-only-" + "k3Y9" * 12, DEBUG="false", LEADFLOW_ENV_FILE="/dev/null",
        SANDBOX_PROVIDERS="true", LOG_LEVEL="CRITICAL", CACHE_URL="locmemcache://",
        DAILY_CAP_ATTOM_CENTS="10000000", DAILY_CAP_BATCH_CENTS="10000000",
        DAILY_CAP_TWILIO_CENTS="0", DAILY_CAP_OPENAI_CENTS="0",
        TASKS_BACKEND="django.tasks.backends.dummy.DummyBackend",
    )  # fmt: skip
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@dataclass
class Run:
    rate: float
    searches_ok: int = 0
    traces_ok: int = 0
    traces_tried: int = 0
    unhandled: int = 0
    lost: int = 0
    double: int = 0
    unknown: int = 0
    before: str = ""
    after: str = ""

    @property
    def success(self) -> float:
        return (self.searches_ok + self.traces_ok) / (SEARCHES + self.traces_tried)


def run_searches(run: Run, offset: int) -> None:
    from leads.search.areas import Area
    from leads.search.query import SearchQuery
    from leads.search.services import lead_search
    from providers.http import ProviderError

    for n in range(SEARCHES):
        zip5 = SEARCH_ZIPS[n % len(SEARCH_ZIPS)]
        page = 1 + offset + n // len(SEARCH_ZIPS)
        query = SearchQuery(area=Area(kind="zip", zip_code=zip5), page=page, page_size=25)
        before = _last_ledger_id()
        try:
            outcome = lead_search(query=query)
        except ProviderError:
            run.lost += _records_lost(before, shown=0)
            continue  # answered 502 with the vendor's reason: handled, not a success
        except Exception:
            run.unhandled += 1
            continue
        run.lost += _records_lost(before, shown=len(outcome.leads))
        run.searches_ok += not any("failed part-way" in note for note in outcome.notes)


def _last_ledger_id() -> int:
    from billing.models import LedgerEntry

    return LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _records_lost(before: int, *, shown: int) -> int:
    """Records this search was billed for (known outcomes) that it did not store and show."""
    from django.db.models import Sum

    from billing.models import LedgerEntry, Outcome

    billed = (
        LedgerEntry.objects.filter(
            id__gt=before, provider="attom", outcome=Outcome.SUCCESS, cost_micros__gt=0
        ).aggregate(units=Sum("billable_units"))["units"]
        or 0
    )
    return max(billed - shown - 2, 0)  # the sandbox lists a few properties twice: one lead


def run_traces(run: Run, lead_ids: list[int]) -> None:
    from leads.models import Lead
    from leads.skiptrace.services import lead_skip_trace
    from providers.http import ProviderError

    for lead in Lead.objects.filter(pk__in=lead_ids):
        run.traces_tried += 1
        try:
            lead_skip_trace(lead=lead)
            run.traces_ok += 1
        except ProviderError:
            pass
        except Exception:
            run.unhandled += 1


def run_bulk(run: Run, lead_ids: list[int]) -> None:
    from leads.models import BulkTraceJob
    from leads.skiptrace.bulk import bulk_trace_run

    job = BulkTraceJob.objects.create(lead_ids=lead_ids, total=len(lead_ids))
    try:
        bulk_trace_run(job)
    except Exception:
        run.unhandled += 1
    job.refresh_from_db()
    run.traces_tried += job.total
    run.traces_ok += job.matched + job.no_match + job.reused


def money_checks(run: Run) -> None:
    from billing.models import LedgerEntry, Outcome
    from billing.pricing import unit_price_micros
    from leads.models import Lead

    per_match = unit_price_micros("batch.matches")
    run.double = Lead.objects.filter(skip_trace_cost_micros__gt=per_match).count()
    paid_not_stored = Lead.objects.filter(skip_trace_cost_micros__gt=0, skip_traced_at=None)
    run.lost += paid_not_stored.count()
    run.unknown = LedgerEntry.objects.filter(outcome=Outcome.UNKNOWN).count()
    run.before = verdict()
    settle_from_vendor_figures()
    run.after = verdict()


def verdict() -> str:
    from billing.reconcile import reconcile

    checks = reconcile()
    if not all(check.ok for check in checks):
        return "MISMATCH"
    unknown = sum(check.unknown_rows for check in checks)
    return f"UNSETTLED ({unknown} unknown)" if unknown else "OK"


def settle_from_vendor_figures() -> None:
    """The sandbox billed exactly the known rows: that is its usage export."""
    from django.db.models import Sum

    from billing.models import LedgerEntry, Outcome
    from billing.settlement import settle_day

    days = LedgerEntry.objects.filter(outcome=Outcome.UNKNOWN, reconciled_at=None)
    for provider, day in set(days.values_list("provider", "day")):
        known = LedgerEntry.objects.filter(provider=provider, day=day).exclude(
            outcome=Outcome.UNKNOWN
        )
        billed = known.aggregate(total=Sum("cost_micros"))["total"] or 0
        settle_day(provider=provider, day=day, vendor_micros=billed)


def fresh_leads(count: int, zips: tuple[str, ...]) -> list[int]:
    from leads.search.ingest import ingest_records
    from providers.attom import AttomClient, GeoQuery

    client = AttomClient.from_settings()
    assert client is not None
    ids: list[int] = []
    for zip5 in zips:
        for page in range(1, 6):
            found = client.get_by_geo(GeoQuery(postal_code=zip5), page=page, page_size=100)
            ids += [lead.pk for lead in ingest_records(found.records, sandbox=True).leads]
            if len(found.records) < 100:
                break
    ids = list(dict.fromkeys(ids))
    if len(ids) < count:
        raise SystemExit(f"the sandbox ZIPs {zips} hold only {len(ids)} leads")
    return ids[:count]


def one_run(rate: float, index: int) -> Run:
    from billing.models import LedgerEntry, SpendDay
    from leads.models import Lead
    from providers.sandbox import faults

    LedgerEntry.objects.filter(adjusts__isnull=False).delete()  # adjustments protect their rows
    LedgerEntry.objects.all().delete()
    SpendDay.objects.all().delete()
    Lead.objects.all().delete()
    faults.clear()
    bulk_ids = fresh_leads(BULK_LEADS + TRACES, BULK_ZIPS)
    run = Run(rate)
    for provider in ("attom", "batch"):
        faults.inject_rate(provider, rate, seed=index)
    run_searches(run, offset=index * 3)
    run_traces(run, bulk_ids[:TRACES])
    run_bulk(run, bulk_ids[TRACES:])
    faults.clear()
    money_checks(run)
    return run


def report(runs: list[Run]) -> list[str]:
    base = runs[0]
    lines = [
        f"Fault benchmark: {SEARCHES} searches, {TRACES} single traces and a "
        f"{BULK_LEADS:,}-lead bulk trace per run (sandbox, SQLite); 0 % is the baseline"
    ]
    for run in runs[1:]:
        pct = f"{run.rate:.0%}"
        ratio = run.success / base.success if base.success else 0
        target = SUCCESS_TARGET if run.rate <= 0.10 else HEAVY_SUCCESS_TARGET
        met = "met" if run.success >= target else "missed"
        lines.append(
            f"bench fault_success_{pct}: {run.success:.1%} succeeded after retries; "
            f"baseline {base.success:.1%}; ratio {ratio:.2f}; target >= {target:.0%}: {met}"
        )
        for name, value in (("unhandled", run.unhandled), ("lost_leads", run.lost),
                            ("double_charges", run.double)):  # fmt: skip
            lines.append(
                f"bench fault_{name}_{pct}: {value} count; baseline "
                f"{getattr(base, _field(name))}; ratio -; target 0: "
                + ("met" if value == 0 else "missed")
            )
        lines.append(
            f"bench fault_unknown_{pct}: {run.unknown} outcome(s) charged at the maximum; "
            f"baseline {base.unknown}; ratio -; target settled: "
            + ("met" if run.after == "OK" else "missed")
        )
        lines.append(f"  reconcile at {pct}: {run.before}; after settling: {run.after}")
    return lines


def _field(name: str) -> str:
    return {"unhandled": "unhandled", "lost_leads": "lost", "double_charges": "double"}[name]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "fault.sqlite3")
        runs = [one_run(rate, index) for index, rate in enumerate(RATES)]
    text = "\n".join(report(runs)) + "\n"
    print(text, end="")
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
