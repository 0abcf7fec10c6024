"""How the pipeline board holds up with 20,000 leads, against 2,000 as the baseline.

Run from the repo root: `.venv/bin/python bench/board_bench.py` (a throwaway SQLite file in a
temp dir; your database is not touched; BENCH_LEADS changes the large count). Builds the
baseline board, measures it, grows the same database to the large count and measures again:
the board page (GET /pipeline/ through the test client, logged in, production settings) and
`board_columns()` alone, each as the median server time of several runs and its number of SQL
queries, then the time of one move. Writes the figures to bench/results/board.txt.
Timings are printed, never asserted; the query counts are the point: they must not grow.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

from figures import machine_load, summary_line

ROOT = Path(__file__).resolve().parent.parent
LEADS = int(os.environ.get("BENCH_LEADS", "20000"))
BASELINE_LEADS = LEADS // 10
RUNS = 7
TARGET_MS = 100.0  # the board page at 20,000 leads, as bench-load asks of its p95
MOVES = 10
CREATE_BATCH = 2_000
# How a real board fills up: most leads wait in "new", few reach a contract.
STAGE_SHARES = {
    "new": 0.45,
    "contacted": 0.20,
    "follow_up": 0.12,
    "negotiating": 0.08,
    "under_contract": 0.04,
    "closed_won": 0.03,
    "dead": 0.08,
}
PAGES = {
    "board page": "/pipeline/",
    "board page, filtered": "/pipeline/?temperature=HOT&contactable=true",
}


def setup_django(db_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["SECRET_KEY"] = "bench-only-" + "k3Y9" * 12  # long enough for DEBUG off
    os.environ["DEBUG"] = "false"
    os.environ["LEADFLOW_ENV_FILE"] = "/dev/null"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "false"  # the test client speaks plain HTTP
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Production serves hashed static names from collectstatic's manifest; the bench has
    # none, and where a script tag points does not change the board's cost.
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    call_command("createcachetable")  # the default cache is a table


def grow_board(total: int, rng: random.Random) -> None:
    """Add leads until there are `total`, each stage at its share, positions dense."""
    from django.db import transaction
    from django.db.models import Count

    from leads.models import Lead

    have = dict(Lead.objects.values_list("stage").annotate(n=Count("pk")).order_by())
    for stage, share in STAGE_SHARES.items():
        start, end = have.get(stage, 0), round(total * share)
        for first in range(start, end, CREATE_BATCH):
            with transaction.atomic():
                Lead.objects.bulk_create(
                    [_lead(stage, n, rng) for n in range(first, min(first + CREATE_BATCH, end))]
                )


def _lead(stage: str, position: int, rng: random.Random):
    from leads.models import Lead, Source
    from leads.scoring.temperature import temperature_for

    score = rng.randrange(0, 101)
    contactable = rng.random() < 0.4
    key = f"{stage}-{position}"
    return Lead(
        source=rng.choice([Source.ATTOM, Source.ATTOM_SANDBOX, Source.MANUAL]),
        sandbox=rng.random() < 0.3,
        street=f"{position} W {stage.upper()} ST",
        city="PHOENIX",
        state="AZ",
        zip_code="85034",
        normalized_address=f"{key} w main st phoenix az 85034",
        owner_name=f"OWNER, PAT {key}",
        normalized_owner=f"owner pat {key}",
        ai_score=score,
        temperature_tag=temperature_for(score),
        best_phone=f"+1602555{position % 10_000:04d}" if contactable else "",
        contactable=contactable,
        stage=stage,
        position=position,
    )


def logged_in_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(username="bench")
    client = Client()
    client.force_login(user)
    return client


def measure(work: Callable[[], object]) -> dict[str, float]:
    """Median server time of RUNS runs (after one warm-up) and the queries of one run."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    work()
    # A request starts by clearing the query log; from a clear log its queries all count.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        work()
    count = len(queries.captured_queries)  # read now: the next request clears the log
    seconds = [_timed(work) for _ in range(RUNS)]
    return {"ms": statistics.median(seconds) * 1000, "queries": count}


def measure_board(client) -> dict[str, dict[str, float]]:
    from leads.pipeline.services import board_columns
    from leads.selectors import NO_FILTERS

    figures = {name: measure(partial(_get, client, url)) for name, url in PAGES.items()}
    figures["board_columns() alone"] = measure(lambda: board_columns(NO_FILTERS))
    figures["reference: LIMIT per column"] = measure(first_cards_per_column)
    return figures


def first_cards_per_column() -> list:
    """Not our code: the counts, then one `ORDER BY position LIMIT 25` per column (index on
    stage, position) — what reading the cards costs when no row outside them is touched."""
    from django.db.models import Count

    from leads.models import Lead, Stage
    from leads.pipeline.services import CARDS_PER_COLUMN

    counts = dict(Lead.objects.values_list("stage").annotate(n=Count("pk")).order_by())
    leads = Lead.objects.order_by("position", "pk")
    cards = [list(leads.filter(stage=stage)[:CARDS_PER_COLUMN]) for stage in Stage.values]
    return [counts, cards]


def _get(client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200 or b'class="board"' not in response.content:
        raise SystemExit(f"GET {url} answered {response.status_code}, not the board")


def measure_move() -> dict[str, float]:
    """A card from the middle of "new" to the top of "contacted" and back: every move
    renumbers the rest of both columns, the most a move ever shifts."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from leads.models import Lead
    from leads.pipeline.services import lead_move

    middle = Lead.objects.filter(stage="new").count() // 2
    lead = Lead.objects.get(stage="new", position=middle)
    trips = [("contacted", 0), ("new", middle)] * (MOVES // 2)
    seconds = []
    for stage, position in trips:
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            seconds.append(
                _timed(partial(lead_move, lead_id=lead.pk, stage=stage, position=position))
            )
    return {"ms": statistics.median(seconds) * 1000, "queries": len(queries.captured_queries)}


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def report(small: dict, large: dict, move: dict, build_s: float) -> str:
    lines = [
        f"Pipeline board benchmark: {BASELINE_LEADS:,} vs {LEADS:,} leads over "
        f"{len(STAGE_SHARES)} stages (SQLite, DEBUG off; median of {RUNS} runs)",
        f"{machine_load()}; building the boards took {build_s:.1f} s",
        f"{'':<28}{BASELINE_LEADS:>8,} leads{LEADS:>14,} leads{'time ratio':>12}{'queries':>10}",
    ]
    for name in small:
        a, b = small[name], large[name]
        queries = f"{a['queries']} -> {b['queries']}"
        lines.append(
            f"{name:<28}{a['ms']:>11.1f} ms{b['ms']:>14.1f} ms{b['ms'] / a['ms']:>11.2f}x"
            f"{queries:>10}"
        )
    steady = all(small[name]["queries"] == large[name]["queries"] for name in small)
    lines += [
        f"query count independent of the number of leads: {'yes' if steady else 'NO'}",
        f"one move in the {LEADS:,}-lead board (middle of 'new' <-> top of 'contacted', "
        f"median of {MOVES}): {move['ms']:.1f} ms, {move['queries']} queries",
        summary_line(
            "board",
            value=large["board page"]["ms"],
            unit="ms",
            baseline=small["board page"]["ms"],
            target=f"<= {TARGET_MS:.0f} ms at {LEADS} leads, queries flat",
            met=large["board page"]["ms"] <= TARGET_MS and steady,
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        setup_django(Path(tmp) / "board.sqlite3")
        rng = random.Random(42)
        client = logged_in_client()
        started = time.perf_counter()
        grow_board(BASELINE_LEADS, rng)
        build_s = time.perf_counter() - started
        small = measure_board(client)
        started = time.perf_counter()
        grow_board(LEADS, rng)
        build_s += time.perf_counter() - started
        large = measure_board(client)
        move = measure_move()
        from django.db import connection

        connection.close()
    text = report(small, large, move, build_s)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "board.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
