"""Every page and API endpoint reads in a fixed number of SQL queries, however many leads.

Each case counts one request's queries with 5 leads, then with 50: the two must be equal, and
equal to the number pinned here (a change that adds a query per lead, or any query, shows).
The query cache is off here: these count what the code asks the database for.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import LedgerEntry, Outcome
from leads.models import BulkTraceJob, Lead, SkipTraceStatus, Stage
from leads.tests.factories import make_email, make_lead, make_phone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_query_cache")]

FEW, MANY = 10, 60  # every column and page holds leads in both


def grow_to(count: int) -> None:
    """Leads across the stages, each traced with two phones and an e-mail, and their ledger."""
    stages = list(Stage.values)
    for n in range(Lead.objects.count(), count):
        lead = make_lead(
            stage=stages[n % len(stages)],
            position=n,
            ai_score=65 + n % 20,  # HOT, as its tag says
            temperature_tag="HOT",
            skip_trace_status=SkipTraceStatus.MATCHED,
            skip_traced_at=timezone.now(),
            best_phone=f"+1602555{n:04d}",
            contactable=True,
        )
        make_phone(lead, f"+1602555{n:04d}", rank=0)
        make_phone(lead, f"+1480555{n:04d}", rank=1, line_type="landline")
        make_email(lead, f"owner{n}@example.com")
        LedgerEntry.objects.create(
            provider="batch", operation="skip_trace", outcome=Outcome.SUCCESS,
            cost_micros=70_000, day=timezone.localdate(), lead=lead,
        )  # fmt: skip


def first_lead_url(pattern: str) -> Callable[[], str]:
    return lambda: pattern.format(id=Lead.objects.order_by("pk").values_list("pk", flat=True)[0])


def job_url() -> str:
    job = BulkTraceJob.objects.order_by("pk").first()
    if job is None:
        agent = get_user_model().objects.get(username="agent")
        job = BulkTraceJob.objects.create(user=agent, lead_ids=[], total=0)
    return f"/api/bulk-traces/{job.pk}"


# The board reads its columns' first cards in one UNION ALL on PostgreSQL; SQLite takes no
# LIMIT inside a compound query, so there it reads them one column at a time (7 queries).
BOARD_CARDS = 1 if connection.vendor == "postgresql" else len(Stage.values)

# (path or a function giving it, queries per request)
PAGES: dict[str, tuple[str | Callable[[], str], int]] = {
    "search page": ("/", 7),
    "search page, cached search": ("/?zip=85034&pageSize=10", 11),
    "api search, cached": ("/api/search?zip=85034&pageSize=10", 5),
    "leads page": ("/leads/", 9),
    "leads page, filtered": ("/leads/?temperature=HOT&contactable=true", 9),
    "lead page": (first_lead_url("/leads/{id}/"), 10),  # + whether its last trace failed
    "skip-trace modal": (first_lead_url("/leads/{id}/skiptrace/"), 7),
    "board": ("/pipeline/", 8 + BOARD_CARDS),  # the cards' lists: one query for them all
    "board column": ("/pipeline/new/?offset=0", 4),
    "export": ("/leads/export.csv", 11),
    "spend page": ("/spend/", 22),
    "api leads": ("/api/leads", 4),
    "api lead": (first_lead_url("/api/leads/{id}"), 3),
    "api export": ("/api/leads/export.csv", 11),
    "api spend": ("/api/spend", 12),
    "api system status": ("/api/system/status", 9),
    "api bulk trace": (job_url, 3),
}


def count_queries(client, path: str) -> int:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        b"".join(response.streaming_content) if response.streaming else response.content
    # The default cache is a database table (Redis in production): its reads are the cache's
    # work, not the page's, and are not counted (the session's read is one: cached_db).
    return sum(1 for q in queries.captured_queries if settings.CACHE_TABLE not in q["sql"])


@pytest.mark.parametrize("name", list(PAGES))
def test_it_reads_each_page_in_a_fixed_number_of_queries(name, agent_client, settings):
    settings.SANDBOX_PROVIDERS = True  # searches answer from the sandbox, then the cache
    target, expected = PAGES[name]
    grow_to(FEW)
    few = count_queries(agent_client, target() if callable(target) else target)
    grow_to(MANY)
    many = count_queries(agent_client, target() if callable(target) else target)
    assert (few, many) == (expected, expected), (
        f"{name}: {few} queries with {FEW}, {many} with {MANY}"
    )
