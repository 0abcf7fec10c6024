"""AI scoring of 1,000 leads through the OpenAI sandbox at a real model's latency: one request
per lead (the baseline) against batches of AI_SCORING_BATCH_SIZE.

Run from the repo root: `.venv/bin/python bench/ai_scoring_bench.py` (a throwaway SQLite file
under /tmp). The sandbox answers after BENCH_OPENAI_MS (default 900) ms and counts tokens as
characters / 4, so tokens per lead are what the prompts cost. Scoring 1,000 leads one by one
at that latency takes a quarter of an hour, so the single-request run scores a sample of
BENCH_SINGLE_SAMPLE leads (default 30) and its time for 1,000 is that sample's, scaled; the
batched run scores all 1,000. Figures go to bench/results/ai_scoring.txt; timings are
printed, never asserted.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from figures import machine_load, summary_line

ROOT = Path(__file__).resolve().parent.parent
LEADS = int(os.environ.get("BENCH_LEADS", "1000"))
SAMPLE = int(os.environ.get("BENCH_SINGLE_SAMPLE", "30"))
OPENAI_MS = int(os.environ.get("BENCH_OPENAI_MS", "900"))
TOKEN_TARGET = 0.5  # batched tokens per lead at most half of one request per lead
RESULTS = ROOT / "bench" / "results" / "ai_scoring.txt"


def setup_django(db_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="leadflow.settings",
        DATABASE_URL=f"sqlite:///{db_path}",
        SECRET_KEY="bench-only-" + "k3Y9" * 12,  # long enough for DEBUG off
        DEBUG="false",
        LEADFLOW_ENV_FILE="/dev/null",
        SANDBOX_PROVIDERS="true",
        DAILY_CAP_OPENAI_CENTS="100000",
        LOG_LEVEL="ERROR",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")  # the default cache is a table
    settings.SANDBOX_LATENCY_MS = {"openai": OPENAI_MS}


def make_leads(count: int) -> None:
    import random

    from leads.models import Lead

    rng = random.Random(7)
    Lead.objects.bulk_create(
        Lead(
            street=f"{100 + n} W MAIN ST",
            city="PHOENIX",
            state="AZ",
            zip_code="85034",
            normalized_address=f"{100 + n} W MAIN ST||85034",
            owner_name=f"OWNER {n}",
            normalized_owner=f"OWNER {n}",
            absentee=rng.random() < 0.4,
            year_built=rng.randrange(1920, 2020),
            avm_value_usd=rng.randrange(150_000, 900_000),
            estimated_equity_usd=rng.randrange(-50_000, 600_000),
            beds=rng.randrange(1, 6),
        )
        for n in range(count)
    )


def score(lead_ids: list[int], *, batch_size: int) -> dict[str, float]:
    from django.conf import settings
    from django.db.models import Sum

    from billing.models import LedgerEntry
    from leads.models import Lead
    from leads.scoring.services import leads_rescore

    settings.AI_SCORING_BATCH_SIZE = batch_size
    before = LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    started = time.perf_counter()
    summary = leads_rescore(queryset=Lead.objects.filter(pk__in=lead_ids), use_ai=True)
    seconds = time.perf_counter() - started
    rows = LedgerEntry.objects.filter(id__gt=before, provider="openai")
    tokens = rows.aggregate(
        total=Sum("billable_units"), cost=Sum("cost_micros"), reserved=Sum("reserved_micros")
    )
    return {
        "seconds": seconds,
        "leads": len(lead_ids),
        "ai_scored": summary.ai_scored,
        "requests": rows.count(),
        "tokens": tokens["total"] or 0,
        "cost_micros": tokens["cost"] or 0,
    }


def main() -> None:
    load = machine_load()
    with tempfile.TemporaryDirectory(prefix="ai-scoring-bench-", dir="/tmp") as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        from billing.reconcile import reconcile
        from leads.models import Lead

        make_leads(LEADS + SAMPLE)
        ids = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
        single = score(ids[:SAMPLE], batch_size=1)
        batched = score(ids[SAMPLE:], batch_size=20)
        reconciled = all(check.ok for check in reconcile())
    single_per_lead = single["tokens"] / single["leads"]
    batched_per_lead = batched["tokens"] / batched["leads"]
    single_1000 = single["seconds"] / single["leads"] * LEADS
    lines = [
        f"AI scoring benchmark: {LEADS:,} leads, OpenAI sandbox answering after {OPENAI_MS} ms "
        "(SQLite)",
        load,
        f"one request per lead: {single['leads']} leads in {single['seconds']:.1f} s, "
        f"{single['requests']} request(s), {single_per_lead:.0f} tokens/lead, "
        f"{single['cost_micros'] / single['leads']:.0f} micro-dollars/lead; "
        f"{LEADS:,} leads would take {single_1000:.0f} s",
        f"batches of 20:        {batched['leads']} leads in {batched['seconds']:.1f} s, "
        f"{batched['requests']} request(s), {batched_per_lead:.0f} tokens/lead, "
        f"{batched['cost_micros'] / batched['leads']:.0f} micro-dollars/lead, "
        f"{batched['ai_scored']} scored by AI",
        f"ledger reconciles: {'yes' if reconciled else 'NO'}",
        f"at the end: {machine_load()}",
        summary_line(
            "ai_scoring_batched",
            value=batched_per_lead,
            unit="tokens/lead",
            baseline=single_per_lead,
            target=f"<= {TOKEN_TARGET} x one request per lead",
            met=batched_per_lead <= TOKEN_TARGET * single_per_lead and reconciled,
        ),
        summary_line(
            "ai_scoring_batched_time",
            value=batched["seconds"],
            unit="s",
            baseline=single_1000,
            target="<= 0.1 x one request per lead",
            met=batched["seconds"] <= 0.1 * single_1000,
        ),
    ]
    report = "\n".join(lines) + "\n"
    print(report, end="")
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()
