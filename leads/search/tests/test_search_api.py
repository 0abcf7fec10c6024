"""/api/search: ATTOM live (answered by `responses` in ATTOM's wire format) and sandboxed,
the cache, the daily cap, vendor errors, bad parameters, stored leads and paging."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.cache import cache
from django.db.models import Sum

from billing.models import DailyCap, LedgerEntry, Outcome, SpendDay
from leads.models import Lead
from leads.tests.factories import make_lead
from providers.attom import AREA_SEARCH_PATH
from providers.sandbox import attom_data, faults
from providers.tests.attom_wire import avm_item, envelope, error_body

pytestmark = pytest.mark.django_db

API = "/api/search"
SEARCH_URL = "https://attom.test" + AREA_SEARCH_PATH
CENTS = 10_000  # micro-dollars
RECORD_MICROS = 10 * CENTS  # the default ATTOM price per record returned


LEAD_KEYS = {
    "id", "attomId", "address", "street", "unit", "city", "state", "zip", "zip4", "county",
    "ownerName", "mailingAddress", "absentee", "corporateOwner", "source", "sandbox", "aiScore",
    "temperature", "scoreReasons", "scoredBy", "stage", "bestPhone", "phones", "emails",
    "dncFlag", "contactable", "skipTraceProvider", "skipTracedAt",
}  # fmt: skip
TEMPERATURES = {"DEAD", "WARM", "HOT", "ON_FIRE"}


def wire_item(index: int = 0) -> dict[str, Any]:
    """The example item as a distinct property: its own attomId, house number and owner."""
    item = avm_item()
    if index:
        number = 4529 + 2 * index
        item["identifier"].update(Id=184713191 + index, attomId=184713191 + index)
        item["address"].update(line1=f"{number} WINONA CT", postal2=f"{2512 + index}")
        item["address"]["oneLine"] = f"{number} WINONA CT, DENVER, CO 80212"
        item["owner"]["owner1"] = {"lastname": f"OWNER{index} ", "firstnameandmi": "PAT"}
        item["owner"]["owner3"] = {}
    return item


def params_of(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.ATTOM_API_KEY = "test-key"


@pytest.fixture
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True


@pytest.fixture
def attom(live):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def search(client, **params) -> Any:
    return client.get(API, {k: str(v) for k, v in params.items()})


def attom_rows() -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(provider="attom").order_by("pk"))


def assert_day_matches_ledger() -> None:
    day = SpendDay.objects.get(provider="attom")
    ledger = LedgerEntry.objects.filter(provider="attom", day=day.day)
    assert day.settled_micros == (ledger.aggregate(s=Sum("cost_micros"))["s"] or 0)
    assert day.reserved_micros == 0


# -- live, through responses ----------------------------------------------------------------


def test_it_answers_leads_in_the_documented_shape(agent_client, attom):
    attom.get(SEARCH_URL, json=envelope([wire_item(i) for i in range(3)], total=3127, pagesize=3))

    response = search(agent_client, zip="80212", pageSize=3)

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["page"], body["pageSize"]) == (3127, 1, 3)
    assert (body["source"], body["cached"], body["costCents"]) == ("attom", False, 30)
    assert len(body["leads"]) == 3
    assert all(lead.keys() >= LEAD_KEYS for lead in body["leads"])
    first = body["leads"][0]
    assert first["id"] == Lead.objects.get(attom_id=184713191).pk
    assert first["attomId"] == 184713191
    assert first["address"] == "4529 WINONA CT, DENVER, CO 80212"
    assert (first["street"], first["unit"], first["city"], first["state"]) == (
        "4529 WINONA CT", "", "DENVER", "CO",
    )  # fmt: skip
    assert (first["zip"], first["zip4"], first["county"]) == ("80212", "2512", "Denver County")
    assert first["ownerName"] == "JEREMY A & MEGAN L MARTIN"
    assert first["mailingAddress"] == "PO BOX 57172, JACKSONVILLE, FL 32241-7172"
    assert (first["absentee"], first["corporateOwner"]) == (True, False)
    assert (first["source"], first["sandbox"]) == ("attom", False)
    assert isinstance(first["aiScore"], int)
    assert first["temperature"] in TEMPERATURES
    assert first["scoredBy"] == "rules"
    assert first["scoreReasons"] and all(isinstance(r, str) for r in first["scoreReasons"])
    assert first["stage"] == "new"
    assert (first["bestPhone"], first["phones"], first["emails"]) == (None, [], [])
    assert (first["dncFlag"], first["contactable"]) == (False, False)
    assert (first["skipTraceProvider"], first["skipTracedAt"]) == (None, None)
    assert [lead["attomId"] for lead in body["leads"]] == [184713191, 184713192, 184713193]


def test_it_asks_attom_with_the_key_and_the_query(agent_client, attom):
    attom.get(SEARCH_URL, json=envelope([wire_item()], total=1, pagesize=25))

    search(agent_client, zip="80212", absentee="true", minBeds=2, maxValue=700000)

    assert len(attom.calls) == 1
    request = attom.calls[0].request
    assert request.headers["apikey"] == "test-key"
    assert request.headers["Accept"] == "application/json"
    assert params_of(attom.calls[0]) == {
        "postalcode": "80212", "absenteeowner": "absentee", "minBeds": "2",
        "maxAVMValue": "700000", "page": "1", "pagesize": "25",
    }  # fmt: skip


def test_it_writes_one_ledger_row_per_attom_request_at_the_records_price(agent_client, attom):
    attom.get(SEARCH_URL, json=envelope([wire_item(i) for i in range(4)], total=4, pagesize=25))

    search(agent_client, zip="80212")

    [row] = attom_rows()
    assert (row.operation, row.outcome, row.http_status) == ("property_search", "success", 200)
    assert (row.billable_units, row.cost_micros) == (4, 4 * RECORD_MICROS)
    assert row.reserved_micros == 25 * RECORD_MICROS
    assert (row.cached, row.sandbox, row.attempts) == (False, False, 1)
    assert_day_matches_ledger()


def test_it_treats_success_without_result_as_an_empty_free_answer(agent_client, attom):
    attom.get(SEARCH_URL, status=400, json=error_body(400, "SuccessWithoutResult"))

    body = search(agent_client, zip="80212").json()

    assert (body["leads"], body["total"], body["costCents"]) == ([], 0, 0)
    [row] = attom_rows()
    assert (row.outcome, row.cost_micros, row.http_status) == ("empty", 0, 400)
    assert_day_matches_ledger()


# -- the sandbox ----------------------------------------------------------------------------


def test_it_searches_the_sandbox_and_marks_every_lead(agent_client, sandbox):
    body = search(agent_client, zip="85034", pageSize=10).json()

    assert body["source"] == "attom-sandbox"
    assert body["total"] == 347
    assert body["costCents"] == 10 * len(body["leads"]) == 100
    assert all(lead["sandbox"] is True for lead in body["leads"])
    assert all(lead["source"] == "attom-sandbox" for lead in body["leads"])
    assert all(lead["zip"] == "85034" for lead in body["leads"])
    [row] = attom_rows()
    assert row.sandbox is True
    assert faults.request_count("attom") == 1
    assert_day_matches_ledger()


def test_it_answers_the_same_search_the_same_way_in_the_sandbox(agent_client, sandbox):
    first = search(agent_client, zip="85034", pageSize=10).json()
    cache.clear()
    Lead.objects.all().delete()
    second = search(agent_client, zip="85034", pageSize=10).json()

    def facts(body):
        return [(x["attomId"], x["address"], x["ownerName"], x["aiScore"]) for x in body["leads"]]

    assert facts(first) == facts(second)
    assert second["source"] == "attom-sandbox"


def test_it_resolves_a_city_once_then_searches_it(agent_client, sandbox):
    body = search(agent_client, city="Phoenix", state="AZ", pageSize=5).json()

    assert body["source"] == "attom-sandbox"
    assert len(body["leads"]) == 5
    assert all(lead["city"] == "PHOENIX" for lead in body["leads"])
    assert [row.operation for row in attom_rows()] == ["location_lookup", "property_search"]

    search(agent_client, city="phoenix ", state="az", pageSize=5, page=2)

    operations = [row.operation for row in attom_rows()]
    assert operations.count("location_lookup") == 1  # the place's geoIdV4 is cached
    assert_day_matches_ledger()


def test_it_searches_a_radius(agent_client, sandbox):
    body = search(agent_client, lat="33.4484", lng="-112.0740", radius="2", pageSize=5).json()

    assert body["source"] == "attom-sandbox"
    assert len(body["leads"]) == 5
    assert all(lead["state"] == "AZ" for lead in body["leads"])


# -- the cache ------------------------------------------------------------------------------


def test_it_answers_a_repeated_search_from_the_cache_for_free(agent_client, attom):
    attom.get(SEARCH_URL, json=envelope([wire_item(i) for i in range(3)], total=3, pagesize=25))
    first = search(agent_client, zip="80212").json()

    again = search(agent_client, zip="80212")

    assert again.status_code == 200
    body = again.json()
    assert len(attom.calls) == 1
    assert (body["source"], body["cached"], body["costCents"]) == ("cache", True, 0)
    assert [lead["id"] for lead in body["leads"]] == [lead["id"] for lead in first["leads"]]
    assert body["total"] == first["total"]
    paid, cached = attom_rows()
    assert (cached.outcome, cached.cost_micros, cached.cached) == (Outcome.CACHED, 0, True)
    assert paid.cost_micros == 3 * RECORD_MICROS
    assert_day_matches_ledger()


@pytest.mark.parametrize("change", [{"page": 2}, {"absentee": "true"}, {"pageSize": 10}])
def test_it_misses_the_cache_for_another_page_or_filter(agent_client, attom, change):
    attom.get(SEARCH_URL, json=envelope([wire_item(i) for i in range(3)], total=3, pagesize=25))
    search(agent_client, zip="80212")

    body = search(agent_client, zip="80212", **change).json()

    assert len(attom.calls) == 2
    assert body["source"] == "attom"
    assert body["cached"] is False


def test_it_serves_a_cache_hit_when_the_cap_is_spent(agent_client, attom):
    attom.get(SEARCH_URL, json=envelope([wire_item(i) for i in range(3)], total=3, pagesize=25))
    search(agent_client, zip="80212")
    DailyCap.objects.create(provider="attom", cap_micros=0)

    response = search(agent_client, zip="80212")

    assert response.status_code == 200
    assert response.json()["source"] == "cache"
    assert len(attom.calls) == 1


# -- the daily cap --------------------------------------------------------------------------


def test_it_refuses_with_429_and_asks_nothing_when_the_cap_is_spent(agent_client, attom):
    DailyCap.objects.create(provider="attom", cap_micros=100 * CENTS)

    response = search(agent_client, zip="80212")  # 25 records may cost $2.50

    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "daily_cap_exceeded"
    assert body["provider"] == "attom"
    assert (body["capCents"], body["spentCents"]) == (100, 0)
    assert body["resetsAt"]
    assert len(attom.calls) == 0
    [row] = attom_rows()
    assert (row.outcome, row.cost_micros) == (Outcome.REFUSED, 0)


def test_it_refuses_in_the_sandbox_before_any_request(agent_client, sandbox):
    DailyCap.objects.create(provider="attom", cap_micros=0)

    response = search(agent_client, zip="85034")

    assert response.status_code == 429
    assert faults.request_count("attom") == 0
    assert LedgerEntry.objects.filter(outcome=Outcome.REFUSED).count() == 1
    assert not Lead.objects.exists()


def test_it_counts_what_was_spent_in_the_refusal(agent_client, attom):
    attom.get(SEARCH_URL, json=envelope([wire_item(i) for i in range(3)], total=3, pagesize=25))
    DailyCap.objects.create(provider="attom", cap_micros=260 * CENTS)
    search(agent_client, zip="80212")  # reserves $2.50, spends $0.30

    response = search(agent_client, zip="80212", page=2)  # $0.30 + $2.50 > $2.60

    assert response.status_code == 429
    assert (response.json()["capCents"], response.json()["spentCents"]) == (260, 30)
    assert len(attom.calls) == 1


# -- vendor errors --------------------------------------------------------------------------


def test_it_answers_502_not_500_when_attom_rejects_the_key(agent_client, attom):
    attom.get(SEARCH_URL, status=401, json=error_body(401, "Unauthorized"))

    response = search(agent_client, zip="80212")

    assert response.status_code == 502
    assert response.json() == {
        "error": "provider_error", "provider": "attom", "message": "Unauthorized",
        "retryable": False,
    }  # fmt: skip
    assert len(attom.calls) == 1  # a bad key is never retried
    [row] = attom_rows()
    assert (row.outcome, row.http_status, row.cost_micros) == ("error", 401, 0)
    assert_day_matches_ledger()


def test_it_retries_server_errors_then_succeeds(agent_client, attom):
    for _ in range(3):
        attom.get(SEARCH_URL, status=500, body="Internal Server Error")
    attom.get(SEARCH_URL, json=envelope([wire_item(i) for i in range(2)], total=2, pagesize=25))

    response = search(agent_client, zip="80212")  # backs off 0.25 + 0.5 + 1 s

    assert response.status_code == 200
    assert len(response.json()["leads"]) == 2
    assert len(attom.calls) == 4
    [row] = attom_rows()
    assert (row.attempts, row.http_status, row.cost_micros) == (4, 200, 2 * RECORD_MICROS)


def test_it_gives_up_on_repeated_rate_limits_with_a_retryable_502(agent_client, attom):
    attom.get(SEARCH_URL, status=429, headers={"Retry-After": "0"}, body="")

    response = search(agent_client, zip="80212")

    assert response.status_code == 502
    body = response.json()
    assert (body["error"], body["provider"], body["retryable"]) == ("provider_error", "attom", True)
    assert len(attom.calls) == 4  # the first try and three retries
    [row] = attom_rows()
    assert (row.outcome, row.http_status, row.cost_micros) == ("error", 429, 0)
    assert_day_matches_ledger()


def test_it_retries_a_sandbox_server_error_once_queued(agent_client, sandbox):
    faults.queue("attom", "500", count=1)

    response = search(agent_client, zip="85034", pageSize=5)

    assert response.status_code == 200
    assert len(response.json()["leads"]) == 5
    assert faults.request_count("attom") == 2


# -- bad parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "__all__"),
        ({"zip": "85034", "city": "Phoenix", "state": "AZ"}, "__all__"),
        ({"city": "Phoenix"}, "state"),
        ({"city": "Phoenix", "state": "ZZ"}, "state"),
        ({"zip": "abcde"}, "zip"),
        ({"zip": "00000"}, "zip"),
        ({"zip": "85034", "pageSize": 501}, "pageSize"),
        ({"zip": "85034", "page": 0}, "page"),
        ({"zip": "85034", "minBeds": 4, "maxBeds": 2}, "maxBeds"),
        ({"radius": 5}, "lat"),
        ({"zip": "85034", "absentee": "maybe"}, "absentee"),
    ],
)
def test_it_refuses_bad_parameters_with_400_and_no_paid_call(agent_client, sandbox, params, field):
    response = search(agent_client, **params)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert field in body["fields"]
    assert all(isinstance(m, str) for messages in body["fields"].values() for m in messages)
    assert faults.request_count("attom") == 0
    assert not LedgerEntry.objects.exists()


def test_it_says_why_a_zip_is_refused(agent_client, sandbox):
    assert search(agent_client, zip="00000").json()["fields"] == {
        "zip": ["00000 is not a US ZIP code."]
    }


# -- stored leads ---------------------------------------------------------------------------


def test_it_searches_stored_leads_only_when_attom_is_not_wanted(agent_client, sandbox):
    kept = [make_lead(zip_code="85034", ai_score=score) for score in (10, 70, 40)]
    make_lead(zip_code="85004")

    body = search(agent_client, zip="85034", attom="false").json()

    assert (body["source"], body["total"], body["costCents"]) == ("local", 3, 0)
    assert [lead["id"] for lead in body["leads"]] == [kept[1].pk, kept[2].pk, kept[0].pk]
    assert faults.request_count("attom") == 0
    assert not LedgerEntry.objects.exists()


def test_it_searches_stored_leads_with_a_note_when_attom_is_off(agent_client, settings):
    settings.SANDBOX_PROVIDERS, settings.ATTOM_API_KEY = False, ""
    make_lead(zip_code="85034")
    make_lead(zip_code="85034")

    body = search(agent_client, zip="85034").json()

    assert (body["source"], body["total"], len(body["leads"])) == ("local", 2, 2)
    assert any("ATTOM is off" in note for note in body["notes"])
    assert not LedgerEntry.objects.exists()


def test_it_pages_stored_leads(agent_client, sandbox):
    for _ in range(5):
        make_lead(zip_code="85034")

    body = search(agent_client, zip="85034", attom="false", page=2, pageSize=2).json()

    assert (body["total"], body["page"], len(body["leads"])) == (5, 2, 2)


# -- paging through ATTOM -------------------------------------------------------------------


def _attom_ids(zip5: str, start: int, stop: int) -> set[int]:
    """The properties of results [start, stop) of a sandbox ZIP. A few are listed twice (another
    spelling, same attomId): one lead each, so a page can hold fewer leads than records."""
    window = attom_data.population(zip5)[start:stop]
    return {prop.item["identifier"]["attomId"] for prop in window}


def test_it_merges_attom_pages_into_a_page_of_250(agent_client, sandbox):
    DailyCap.objects.create(provider="attom", cap_micros=100_000 * CENTS)

    first = search(agent_client, zip="85034", confirm="true", pageSize=250).json()

    assert first["total"] == 347
    first_ids = [lead["attomId"] for lead in first["leads"]]
    assert len(first_ids) == len(set(first_ids))
    assert set(first_ids) == _attom_ids("85034", 0, 250)
    rows = attom_rows()
    assert faults.request_count("attom") == len(rows) == 5  # ATTOM pages of 50 tile 250
    assert [row.billable_units for row in rows] == [50] * 5
    assert first["costCents"] == 250 * 10

    second = search(agent_client, zip="85034", confirm="true", pageSize=250, page=2).json()

    second_ids = {lead["attomId"] for lead in second["leads"]}
    assert second_ids == _attom_ids("85034", 250, 347)
    assert len(second_ids) > 90
    assert len(attom_rows()) == 5 + 2  # pages 6 and 7 of 50; the last holds 47
    assert second["costCents"] == 97 * 10
    # Page 2 is other properties, save a duplicate listing of one already on page 1.
    assert len(second_ids - set(first_ids)) >= len(second_ids) - 7
    assert_day_matches_ledger()


def test_it_refuses_up_front_a_page_the_budget_cannot_cover(agent_client, sandbox):
    response = search(
        agent_client, zip="85034", confirm="true", pageSize=250
    )  # $25 > the $15 default cap

    assert response.status_code == 429
    assert faults.request_count("attom") == 0


def test_it_refuses_up_front_when_overlapping_attom_pages_would_pass_the_cap(agent_client, sandbox):
    # 101 per page is fetched as ATTOM pages of 100, and ATTOM bills all 200 records they hold.
    DailyCap.objects.create(provider="attom", cap_micros=150 * RECORD_MICROS)

    response = search(agent_client, zip="85034", confirm="true", pageSize=101)

    assert response.status_code == 429
    assert faults.request_count("attom") == 0  # nothing paid for and then thrown away
    assert SpendDay.objects.get(provider="attom").settled_micros == 0


def test_it_bills_every_record_of_overlapping_attom_pages(agent_client, sandbox):
    DailyCap.objects.create(provider="attom", cap_micros=200 * RECORD_MICROS)

    body = search(agent_client, zip="85034", confirm="true", pageSize=101).json()

    assert [row.billable_units for row in attom_rows()] == [100, 100]
    assert body["costCents"] == 200 * 10
    assert len(body["leads"]) == len(_attom_ids("85034", 0, 101))


# -- access ---------------------------------------------------------------------------------


def test_it_answers_401_json_to_anonymous_callers(client, sandbox):
    response = search(client, zip="85034")

    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"
    assert faults.request_count("attom") == 0


def test_it_keeps_the_cache_hit_json_shape(agent_client, attom):
    attom.get(SEARCH_URL, json=envelope([wire_item()], total=1, pagesize=25))
    fresh = search(agent_client, zip="80212").json()

    cached = search(agent_client, zip="80212").json()

    assert cached["leads"] == fresh["leads"]
    assert json.dumps(cached)  # serialisable as is


def test_it_keeps_and_shows_the_paid_page_when_a_later_attom_page_fails(
    agent_client, attom, settings
):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "attom": 5_000 * CENTS}
    first = envelope([wire_item(i) for i in range(100)], total=300, pagesize=100)
    attom.get(SEARCH_URL, json=first)
    attom.get(SEARCH_URL, status=401, json=error_body(401, "Unauthorized"))

    response = search(agent_client, zip="85034", confirm="true", pageSize=200)

    body = response.json()
    assert response.status_code == 200
    assert len(body["leads"]) == Lead.objects.count() > 0
    assert body["costCents"] == 100 * 10  # the page ATTOM billed, kept
    assert any("failed part-way" in note for note in body["notes"])
    assert [row.outcome for row in attom_rows()] == [Outcome.SUCCESS, Outcome.ERROR]
    search(agent_client, zip="85034", confirm="true", pageSize=200)  # not served from the cache
    assert len(attom.calls) == 3
