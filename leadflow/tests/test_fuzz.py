"""Property-based fuzzing of every page, form and JSON endpoint: no input reaches a 500.

The classes the audit found, generated rather than listed: Unicode digits in numeric fields,
integers past 64 bits in pages, offsets and ids, NUL bytes in text, deeply nested JSON,
malformed htmx headers and huge values in Django admin's filters. A native panic (which is
not an Exception) fails the test as it would kill a threaded server's worker.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.models import BulkTraceJob
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

FIELDS = [
    "zip", "city", "county", "state", "lat", "lng", "radius", "absentee", "propertyType",
    "minBeds", "maxBeds", "minValue", "maxValue", "page", "pageSize", "attom", "stage",
    "temperature", "contactable", "source", "q", "days", "scrub", "bom", "preset", "limit",
    "offset", "force", "lead", "position", "expected_position", "row", "number", "owner",
    "all_matching", "filter", "leadIds", "maxCostCents",
]  # fmt: skip
ADMIN_FILTERS = ["id__exact", "pk", "id", "cost_micros__gte", "lead__id__exact", "day__gte",
                 "provider", "q", "o", "p", "e", "user__id__exact", "created_at__gte"]  # fmt: skip

SEARCH_FIELDS = [
    "zip", "city", "county", "state", "lat", "lng", "radius", "absentee", "propertyType",
    "minBeds", "maxBeds", "minValue", "maxValue", "page", "pageSize", "attom",
]  # fmt: skip
LIST_FIELDS = [
    "stage", "temperature", "contactable", "source", "zip", "q", "page", "pageSize", "offset",
    "scrub", "bom", "preset", "limit", "days",
]  # fmt: skip
# The fields each page reads, so most generated values reach a field that parses them.
ROUTE_FIELDS = {"": SEARCH_FIELDS, "api/search": SEARCH_FIELDS}

huge = st.integers(min_value=2**63, max_value=2**256)
digit = st.characters(categories=["Nd"])
unicode_digits = st.one_of(
    st.text(digit, min_size=5, max_size=5),  # a ZIP
    st.text(digit, min_size=1, max_size=8),
    st.text(digit, min_size=2, max_size=5).map(lambda t: "8" + t),  # ASCII and not
)
# Each class of input the audit found, drawn about equally often.
weird_text = st.one_of(
    unicode_digits,
    st.one_of(huge.map(str), huge.map(lambda n: str(-n))),
    st.text(max_size=10).map(lambda t: t + "\x00" + t),
    st.one_of(
        st.sampled_from(["1e400", "NaN", "-0", "Infinity", "0x10", " 7 ", "", "true"]),
        st.text(max_size=30),
    ),
    st.one_of(
        st.integers(-5, 600).map(str),
        st.sampled_from(["new", "contacted", "hot", "85034", "AZ", "PHOENIX", "1", "false"]),
    ),
)
json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), huge, st.floats(allow_nan=True), weird_text
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4)
    ),
    max_leaves=12,
)
deep_json = st.integers(min_value=500, max_value=100_000).map(lambda n: "[" * n + "]" * n)
json_body = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=6).map(json.dumps),
    json_value.map(json.dumps),
    deep_json,
    st.text(max_size=40),
)
HTMX_HEADERS = [
    "HTTP_HX_REQUEST", "HTTP_HX_CURRENT_URL", "HTTP_HX_TARGET", "HTTP_HX_TRIGGER",
    "HTTP_HX_BOOSTED", "HTTP_HX_TRIGGER_NAME", "HTTP_HX_PROMPT", "HTTP_HX_HISTORY_RESTORE_REQUEST",
]  # fmt: skip
htmx_headers = st.dictionaries(
    st.sampled_from(HTMX_HEADERS),
    st.one_of(
        st.sampled_from(["true", "false", "", "%", "http://[::1", "::::"]),
        st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40),
    ),
    max_size=4,
)


def routes() -> list[str]:
    """Every non-admin URL pattern of the resolver, as a route with `{name}` placeholders."""

    def walk(patterns, prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return sorted(r for r in walk(get_resolver().url_patterns) if not r.startswith("admin/"))


ADMIN_CHANGELISTS = [
    "admin/leads/lead/", "admin/billing/ledgerentry/", "admin/billing/spendday/",
    "admin/leads/donotcall/", "admin/accounts/apitoken/",
]  # fmt: skip


def params_of(keys: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Any subset of the fields, each with a value of one of the classes."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(keys, weird_text))


@st.composite
def requests(draw, lead_id: int, job_id: int, route_list: list[str] | None = None):
    # The search (which calls ATTOM and a native ZIP library) is drawn more often.
    route = draw(st.sampled_from(route_list or [*routes(), *ADMIN_CHANGELISTS]))
    ids = st.one_of(st.just(lead_id), st.just(job_id), huge, st.integers(1, 10**6))
    path = "/" + route
    for name in ("<id:lead_id>", "<id:job_id>"):
        path = path.replace(name, str(draw(ids)))
    path = path.replace("<str:stage>", draw(st.sampled_from(["new", "hot", "x", "٣"])))
    keys = ADMIN_FILTERS if route.startswith("admin/") else ROUTE_FIELDS.get(route, LIST_FIELDS)
    keys = draw(st.sampled_from([keys, keys, keys, FIELDS]))
    params = draw(params_of(keys))
    method = draw(st.sampled_from(["GET", "GET", "POST", "POST_JSON"]))
    body = draw(json_body) if method == "POST_JSON" else None
    return method, path, params, body, draw(htmx_headers)


def send(client: Client, request) -> int:
    method, path, params, body, headers = request
    if method == "GET":
        return client.get(path, params, **headers).status_code
    if method == "POST":
        return client.post(path, params, **headers).status_code
    return client.post(path, body, content_type="application/json", **headers).status_code


LIST_ROUTES = [
    "leads/", "api/leads", "leads/export.csv", "pipeline/", "pipeline/<str:stage>/",
    "api/spend", "spend/",
]  # fmt: skip
# Every route, then each kind of input again with more examples where the classes bite.
SWEEPS = {
    "every route": (None, 600),
    "the search form and API": (["", "api/search"], 300),
    "the lead filters": (LIST_ROUTES, 200),
    "Django admin's filters": (ADMIN_CHANGELISTS, 150),
}


def fuzz_routes(client: Client, lead_id: int, job_id: int, route_list, examples: int) -> int:
    sent: list[int] = []

    @settings(
        max_examples=examples, deadline=None, database=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )  # fmt: skip
    @given(request=requests(lead_id, job_id, route_list))
    def fuzz(request) -> None:
        status = send(client, request)
        sent.append(status)
        assert status < 500, request

    fuzz()
    return len(sent)


def test_no_generated_request_reaches_a_500(admin_user, settings_sandbox):
    client = Client(raise_request_exception=True)
    client.force_login(admin_user)
    lead_id = make_lead().pk
    job_id = BulkTraceJob.objects.create(user=admin_user, lead_ids=[lead_id], total=1).pk

    sent = {
        name: fuzz_routes(client, lead_id, job_id, route_list, examples)
        for name, (route_list, examples) in SWEEPS.items()
    }

    assert sum(sent.values()) >= 1_000, sent


@pytest.fixture
def settings_sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.OPENAI_API_KEY = ""
