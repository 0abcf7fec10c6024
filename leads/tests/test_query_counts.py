"""Every page and API endpoint reads in a fixed number of SQL queries, however many leads.

Each case counts one request's queries with FEW leads, then with MANY (each on two lists,
with a note, a task, phones and an e-mail): the two must be equal, and equal to the number
pinned here (a change that adds a query per lead, or any query, shows). Every named route
either has its count pinned here or is a route a GET does not read (it must answer 405), so
a new page or endpoint without a pinned count fails. The query cache is off here: these
count what the code asks the database for.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from billing.models import LedgerEntry, Outcome
from leads.activity.models import FollowUpTask
from leads.activity.services import note_add
from leads.lists.models import LeadList, ListImport, ListMembership, StagedUpload
from leads.models import BulkTraceJob, Lead, SkipTraceStatus, Stage
from leads.tests.factories import make_email, make_lead, make_phone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_query_cache")]

FEW, MANY = 10, 60  # every column and page holds leads in both


def grow_to(count: int) -> None:
    """Leads across the stages, each traced with two phones and an e-mail, and their ledger,
    on two lists, with a note and a task."""
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
        _worked(lead)


def _worked(lead: Lead) -> None:
    agent = get_user_model().objects.get(username="agent")
    for name in LISTS:
        lead_list, _ = LeadList.objects.get_or_create(name=name, defaults={"created_by": agent})
        ListMembership.objects.create(lead_list=lead_list, lead=lead, added_at=timezone.now())
    note_add(lead_id=lead.pk, user_id=agent.pk, text=f"Called {lead.owner_name}")
    FollowUpTask.objects.create(
        lead=lead, title="Call back", due=timezone.localdate(), assignee=agent, created_by=agent
    )


LISTS = ("Tax delinquent", "Absentee owners")  # every lead is on both: they overlap wholly


def first_lead_url(pattern: str) -> Callable[[], str]:
    return lambda: pattern.format(id=Lead.objects.order_by("pk").values_list("pk", flat=True)[0])


def job_url() -> str:
    job = BulkTraceJob.objects.order_by("pk").first()
    if job is None:
        agent = get_user_model().objects.get(username="agent")
        job = BulkTraceJob.objects.create(user=agent, lead_ids=[], total=0)
    return f"/api/bulk-traces/{job.pk}"


def list_url(pattern: str) -> Callable[[], str]:
    return lambda: pattern.format(id=LeadList.objects.get(name=LISTS[0]).pk)


def overlap_url() -> str:
    a, b = (LeadList.objects.get(name=name).pk for name in LISTS)
    return f"/lists/overlap/?a={a}&b={b}"


IMPORTED = (
    "Property Address,City,State,Zip,Owner Name,Phone 1\n"
    "12 W Elm St,Phoenix,AZ,85034,ANN LEE,(602) 555-0101\n"
    ",Phoenix,AZ,85034,NO STREET,\n"  # rejected: no street
)


def _agent_client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="agent"))
    return client


def uploaded_url(
    model: type[ListImport | StagedUpload], to: str, pattern: str
) -> Callable[[], str]:
    """The URL of the row of `model` that uploading IMPORTED to `to` makes, uploaded the
    first time it is asked."""

    def url() -> str:
        row = model.objects.order_by("pk").first()
        if row is None:
            upload = SimpleUploadedFile("county.csv", IMPORTED.encode(), "text/csv")
            _agent_client().post(to, {"file": upload, "listName": "County"})
            row = model.objects.get()
        return pattern.format(id=row.pk)

    return url


def import_url(pattern: str) -> Callable[[], str]:
    """An import of two rows, one rejected, made through the API."""
    return uploaded_url(ListImport, "/api/imports", pattern)


def staged_url(pattern: str) -> Callable[[], str]:
    """A file the import page has staged for review."""
    return uploaded_url(StagedUpload, "/lists/import/", pattern)


# The board reads its columns' first cards in one UNION ALL on PostgreSQL; SQLite takes no
# LIMIT inside a compound query, so there it reads them one column at a time (7 queries).
BOARD_CARDS = 1 if connection.vendor == "postgresql" else len(Stage.values)

# (path or a function giving it, queries per request)
PAGES: dict[str, tuple[str | Callable[[], str], int]] = {
    "search page": ("/", 6),
    "search page, cached search": ("/?zip=85034&pageSize=10", 10),
    "api search, cached": ("/api/search?zip=85034&pageSize=10", 4),
    "leads page": ("/leads/", 8),
    "leads page, filtered": ("/leads/?temperature=HOT&contactable=true", 8),
    "lead page": (first_lead_url("/leads/{id}/"), 9),  # + whether its last trace failed
    "skip-trace modal": (first_lead_url("/leads/{id}/skiptrace/"), 7),
    "board": ("/pipeline/", 8 + BOARD_CARDS),  # the cards' lists: one query for them all
    "board column": ("/pipeline/new/?offset=0", 4),
    "export": ("/leads/export.csv", 10),
    "spend page": ("/spend/", 22),
    "api leads": ("/api/leads", 4),
    "api lead": (first_lead_url("/api/leads/{id}"), 3),
    "api export": ("/api/leads/export.csv", 10),
    "api spend": ("/api/spend", 12),
    "api system status": ("/api/system/status", 9),
    "api bulk trace": (job_url, 3),
    "bulk trace progress": (
        lambda: job_url().replace("/api/bulk-traces/", "/leads/bulk-skiptrace/") + "/",
        3,
    ),
    "search price": ("/search/price/?pageSize=25", 5),
    "export page": ("/leads/export/", 5),
    "api export preview": ("/api/leads/export/preview", 2),
    "dispositions page": ("/leads/dispositions/", 2),
    "tasks page": ("/tasks/", 4),
    "api tasks": ("/api/tasks", 2),
    "api activity": (first_lead_url("/api/leads/{id}/activity"), 3),
    "lists page": ("/lists/", 4),
    "list page": (list_url("/lists/{id}/"), 10),
    "overlap page": (overlap_url, 9),
    "api lists": ("/api/lists", 2),
    "api list": (list_url("/api/lists/{id}"), 2),
    "import page": ("/lists/import/", 2),
    "import progress": (import_url("/lists/imports/{id}/"), 3),
    "rejected rows": (import_url("/lists/imports/{id}/rejected.csv"), 2),
    "api import": (import_url("/api/imports/{id}"), 2),
    "api rejected rows": (import_url("/api/imports/{id}/rejected.csv"), 2),
    "import counts": (staged_url("/lists/import/{id}/counts/"), 2),
}
# Pages an admin reads (agents are refused them) and pages for visitors not logged in.
ADMIN_PAGES: dict[str, tuple[str | Callable[[], str], int]] = {
    "api user permissions": ("/api/users/agent/permissions", 3),
    "api user limits": ("/api/users/agent/limits", 3),
}
ANONYMOUS_PAGES: dict[str, tuple[str | Callable[[], str], int]] = {
    "log-in page": ("/accounts/login/", 0),
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


def assert_fixed(client, name: str, target: str | Callable[[], str], expected: int) -> None:
    grow_to(FEW)
    few = count_queries(client, target() if callable(target) else target)
    grow_to(MANY)
    many = count_queries(client, target() if callable(target) else target)
    assert (few, many) == (expected, expected), (
        f"{name}: {few} queries with {FEW}, {many} with {MANY}"
    )


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True  # searches answer from the sandbox, then the cache


@pytest.mark.parametrize("name", list(PAGES))
def test_it_reads_each_page_in_a_fixed_number_of_queries(name, agent_client):
    assert_fixed(agent_client, name, *PAGES[name])


@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_it_reads_each_admin_page_in_a_fixed_number_of_queries(name, agent, admin_client):
    assert_fixed(admin_client, name, *ADMIN_PAGES[name])


@pytest.mark.parametrize("name", list(ANONYMOUS_PAGES))
def test_it_reads_each_page_for_visitors_in_a_fixed_number_of_queries(name, agent, client):
    assert_fixed(client, name, *ANONYMOUS_PAGES[name])


# Routes a GET does not read (they change something; their own tests check what they write).
WRITES_ONLY = frozenset(
    {
        "logout", "skiptrace-run", "do-not-call", "bulk-skiptrace-preview",
        "bulk-skiptrace-start", "api-skiptrace", "api-bulk-traces", "api-bulk-trace-preview",
        "pipeline-move", "pipeline-assign", "api-move", "api-dispositions", "task-toggle",
        "note-create", "task-create", "api-notes", "api-lead-tasks", "api-task-done",
        "leads-assign", "api-leads-assign", "api-list-leads", "api-list-refresh",
        "api-saved-searches", "api-imports", "list-add", "list-remove", "list-refresh-preview",
        "list-refresh", "search-save", "list-import-review", "list-import-commit",
    }
)  # fmt: skip


def named_routes(patterns=None) -> dict[str, URLPattern]:
    """Every named route of the project's own (not the admin's), by name."""
    routes: dict[str, URLPattern] = {}
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                routes.update(named_routes(entry.url_patterns))
        elif entry.name:
            routes[entry.name] = entry
    return routes


def test_every_page_and_api_endpoint_that_reads_has_its_count_pinned(agent_client):
    grow_to(FEW)
    targets = [
        target for table in (PAGES, ADMIN_PAGES, ANONYMOUS_PAGES) for target, _ in table.values()
    ]
    counted = {resolve((t() if callable(t) else t).split("?")[0]).url_name for t in targets}
    missing = set(named_routes()) - counted - WRITES_ONLY
    assert not missing, f"routes with no pinned query count: {sorted(missing)}"
    assert not counted & WRITES_ONLY


@pytest.mark.parametrize("name", sorted(WRITES_ONLY))
def test_a_route_that_writes_refuses_a_get(name, agent_client):
    route = named_routes()[name]
    values = {"str": "new", "id": "1", "int": "1"}
    kwargs = {
        key: values.get(type(converter).__name__.removesuffix("Converter").lower(), "1")
        for key, converter in route.pattern.converters.items()
    }
    path = reverse(name, kwargs=kwargs)
    assert agent_client.get(path).status_code == 405, path
