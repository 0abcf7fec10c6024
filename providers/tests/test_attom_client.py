"""The ATTOM client against `responses` fixtures in ATTOM's exact wire format."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from providers.attom import (
    AREA_SEARCH_PATH,
    LOCATION_LOOKUP_PATH,
    AttomClient,
    GeoQuery,
)
from providers.http import (
    OUTCOME_EMPTY,
    OUTCOME_ERROR,
    OUTCOME_UNKNOWN,
    ProviderAuthError,
    ProviderError,
)
from providers.registry import ProviderOff
from providers.tests.attom_wire import avm_item, envelope, error_body

BASE = "https://attom.test"
SEARCH_URL = BASE + AREA_SEARCH_PATH
LOOKUP_URL = BASE + LOCATION_LOOKUP_PATH


def numbered_item(index: int) -> dict[str, Any]:
    item = avm_item()
    item["identifier"] = {**item["identifier"], "attomId": 1_000_000 + index}
    return item


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def params_of(call) -> dict[str, str]:
    return query_of(call.request.url)


def serve_population(mock, total: int) -> None:
    """Answer searches like ATTOM would for `total` results, item i carrying attomId 1e6+i."""

    def answer(request):
        params = {k.lower(): v for k, v in query_of(request.url).items()}
        page, size = int(params["page"]), int(params["pagesize"])
        start = (page - 1) * size
        indexes = range(start, min(start + size, total, 10_000))
        if not indexes:
            return 400, {}, json.dumps(error_body(400, "SuccessWithoutResult"))
        body = envelope([numbered_item(i) for i in indexes], total=min(total, 10_000),
                        page=page, pagesize=size)  # fmt: skip
        return 200, {}, json.dumps(body)

    mock.add_callback(responses.GET, SEARCH_URL, callback=answer)


@dataclass
class RecordingMeter:
    events: list[tuple] = field(default_factory=list)

    @contextmanager
    def request(self, *, provider: str, operation: str, max_usage):
        self.events.append(("request", provider, operation, dict(max_usage)))
        try:
            yield self
        except ProviderError as error:
            self.events.append(("raised", error.call.outcome if error.call else None))
            raise

    def billed(self, *, usage, call) -> None:
        self.events.append(("billed", dict(usage), call.http_status, call.outcome))


@pytest.fixture
def attom():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps) -> AttomClient:
    return AttomClient(api_key="live-key", base_url=BASE, sleep=sleeps.append)


ZIP = GeoQuery(postal_code="80212")


# -- answers --------------------------------------------------------------------------------


def test_it_returns_a_page_with_its_calls(attom, client):
    attom.get(SEARCH_URL, json=envelope([avm_item()], total=1))
    page = client.get_by_geo(ZIP, page=1, page_size=10)
    assert [r.attom_id for r in page.records] == [184713191]
    assert (page.total, page.page, page.page_size, page.skipped) == (1, 1, 10, 0)
    assert page.calls[0].http_status == 200
    assert page.ceiling_reached is False


def test_it_sends_the_key_accept_header_and_query(attom, client):
    attom.get(SEARCH_URL, json=envelope([], total=0))
    query = GeoQuery(postal_code="85034", absentee=True, property_types=("SFR", "CONDOMINIUM"),
                     min_beds=2, max_value=400000)  # fmt: skip
    client.get_by_geo(query, page=1, page_size=25)
    request = attom.calls[0].request
    assert request.headers["apikey"] == "live-key"
    assert request.headers["Accept"] == "application/json"
    assert params_of(attom.calls[0]) == {
        "postalcode": "85034", "absenteeowner": "absentee", "propertytype": "SFR|CONDOMINIUM",
        "minBeds": "2", "maxAVMValue": "400000", "page": "1", "pagesize": "25",
    }  # fmt: skip


def test_it_treats_success_without_result_as_empty(attom, client, sleeps):
    attom.get(SEARCH_URL, status=400, json=error_body(400, "SuccessWithoutResult"))
    meter = RecordingMeter()
    page = client.get_by_geo(ZIP, page=1, page_size=10, meter=meter)
    assert (page.records, page.total) == ([], 0)
    assert page.calls[0].outcome == OUTCOME_EMPTY
    assert len(attom.calls) == 1
    assert sleeps == []
    assert meter.events[-1] == ("billed", {"records": 0, "calls": 0}, 400, OUTCOME_EMPTY)


def test_it_raises_a_permanent_error_with_attoms_message(attom, client):
    attom.get(SEARCH_URL, status=400, json=error_body(-5, "Invalid Parameter"))
    meter = RecordingMeter()
    with pytest.raises(ProviderError) as raised:
        client.get_by_geo(ZIP, page=1, page_size=10, meter=meter)
    error = raised.value
    assert (error.permanent, error.message, error.code, error.status) == (
        True, "Invalid Parameter", -5, 400,
    )  # fmt: skip
    assert error.call.outcome == OUTCOME_ERROR
    assert len(attom.calls) == 1
    assert ("billed", {"records": 0, "calls": 0}, 400, OUTCOME_ERROR) in meter.events


@pytest.mark.parametrize("status", [401, 403])
def test_it_raises_an_auth_error(attom, client, status):
    attom.get(SEARCH_URL, status=status, json=error_body(401, "Unauthorized"))
    with pytest.raises(ProviderAuthError) as raised:
        client.get_by_geo(ZIP, page=1, page_size=10)
    assert raised.value.permanent
    assert raised.value.message == "Unauthorized"


def test_it_retries_a_429_then_parses(attom, client, sleeps):
    attom.get(SEARCH_URL, status=429)
    attom.get(SEARCH_URL, json=envelope([avm_item()], total=1))
    page = client.get_by_geo(ZIP, page=1, page_size=10)
    assert len(page.records) == 1
    assert sleeps == [0.25]
    assert page.calls[0].attempts == 2


def test_it_raises_a_retryable_error_after_repeated_server_errors(attom, client, sleeps):
    attom.get(SEARCH_URL, status=503, body="Service Unavailable")
    with pytest.raises(ProviderError) as raised:
        client.get_by_geo(ZIP, page=1, page_size=10)
    assert raised.value.retryable
    assert raised.value.status == 503
    assert sleeps == [0.25, 0.5, 1.0]


def test_it_raises_a_retryable_error_when_retry_after_is_too_long(attom, client, sleeps):
    attom.get(SEARCH_URL, status=429, headers={"Retry-After": "120"})
    with pytest.raises(ProviderError) as raised:
        client.get_by_geo(ZIP, page=1, page_size=10)
    assert raised.value.retryable
    assert "retry after 120" in raised.value.message
    assert sleeps == []


def test_it_bills_a_malformed_200_at_the_most(attom, client):
    attom.get(SEARCH_URL, body="<html>gateway</html>", status=200)
    meter = RecordingMeter()
    with pytest.raises(ProviderError) as raised:
        client.get_by_geo(ZIP, page=1, page_size=10, meter=meter)
    assert raised.value.message == "malformed response"
    assert raised.value.retryable
    assert raised.value.call.outcome == OUTCOME_UNKNOWN
    assert ("billed", {"records": 10, "calls": 1}, 200, OUTCOME_UNKNOWN) in meter.events


def test_it_lets_transport_failures_reach_the_meter_untold(attom, client):
    attom.get(SEARCH_URL, body=requests.ConnectionError("refused"))
    meter = RecordingMeter()
    with pytest.raises(ProviderError):
        client.get_by_geo(ZIP, page=1, page_size=10, meter=meter)
    assert [event[0] for event in meter.events] == ["request", "raised"]


def test_it_skips_malformed_items_without_failing_the_page(attom, client):
    broken = avm_item()
    del broken["address"]
    attom.get(SEARCH_URL, json=envelope([broken, avm_item()], total=2))
    page = client.get_by_geo(ZIP, page=1, page_size=10)
    assert (len(page.records), page.skipped) == (1, 1)


# -- paging and metering --------------------------------------------------------------------


def test_it_merges_attom_pages_into_our_page(attom, client):
    serve_population(attom, total=347)
    page = client.get_by_geo(ZIP, page=2, page_size=250)
    requested = [(p["page"], p["pagesize"]) for p in map(params_of, attom.calls)]
    assert requested == [("6", "50"), ("7", "50")]  # results 250..349, stopping at 347
    assert [r.attom_id for r in page.records] == [1_000_000 + i for i in range(250, 347)]
    assert page.total == 347


def test_it_slices_attom_pages_when_none_tiles_our_page(attom, client):
    serve_population(attom, total=1000)
    page = client.get_by_geo(ZIP, page=2, page_size=101)
    requested = [(p["page"], p["pagesize"]) for p in map(params_of, attom.calls)]
    assert requested == [("2", "100"), ("3", "100")]  # results 100..299 hold 101..201
    assert [r.attom_id for r in page.records] == [1_000_000 + i for i in range(101, 202)]


def test_it_stops_once_status_total_is_reached(attom, client):
    serve_population(attom, total=200)
    page = client.get_by_geo(ZIP, page=1, page_size=500)
    assert len(attom.calls) == 2
    assert len(page.records) == 200


def test_it_never_pages_past_the_ceiling(attom, client):
    serve_population(attom, total=50_000)
    last = client.get_by_geo(ZIP, page=34, page_size=300)  # results 9900..10199
    assert [p["page"] for p in map(params_of, attom.calls)] == ["100"]
    assert len(last.records) == 100
    assert last.total == 10_000
    assert last.ceiling_reached


def test_it_asks_nothing_for_a_page_beyond_the_ceiling(attom, client):
    page = client.get_by_geo(ZIP, page=21, page_size=500)
    assert len(attom.calls) == 0
    assert (page.records, page.total, page.ceiling_reached) == ([], 10_000, True)


def test_it_meters_each_attom_request(attom, client):
    serve_population(attom, total=347)
    meter = RecordingMeter()
    client.get_by_geo(ZIP, page=2, page_size=250, meter=meter)
    assert meter.events == [
        ("request", "attom", "property_search", {"records": 50, "calls": 1}),
        ("billed", {"records": 50, "calls": 1}, 200, "success"),
        ("request", "attom", "property_search", {"records": 50, "calls": 1}),
        ("billed", {"records": 47, "calls": 1}, 200, "success"),
    ]


def test_it_rejects_a_page_size_above_500(client):
    with pytest.raises(ValueError):
        client.get_by_geo(ZIP, page=1, page_size=501)


# -- queries and lookups --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"postal_code": "85034", "geo_id_v4": "a" * 32},
        {"latitude": Decimal("33.4"), "longitude": Decimal("-112.0")},
        {"latitude": Decimal("33.4"), "longitude": Decimal("-112.0"), "radius_miles": Decimal(21)},
        {"latitude": Decimal("33.4"), "longitude": Decimal("-112.0"), "radius_miles": Decimal(0)},
        {"postal_code": "85034", "min_beds": 4, "max_beds": 3},
    ],
)
def test_it_refuses_an_invalid_query(kwargs):
    with pytest.raises(ValueError):
        GeoQuery(**kwargs)


def test_it_asks_for_a_radius_and_owner_occupied():
    query = GeoQuery(latitude=Decimal("33.4413"), longitude=Decimal("-112.0421"),
                     radius_miles=Decimal("2.5"), absentee=False)  # fmt: skip
    assert query.params() == {"latitude": "33.4413", "longitude": "-112.0421", "radius": "2.5",
                              "absenteeowner": "occupied"}  # fmt: skip


def test_it_looks_up_a_geo_id(attom, client):
    attom.get(LOOKUP_URL, json={
        "status": {"version": "v4", "code": 0, "msg": "Success", "total": 1, "page": 1,
                   "pageSize": 10},
        "geographies": [{"geoIdV4": "75beb5a7b5105ea17dfc0c2edacaf981",
                         "geographyName": "Phoenix, AZ", "geographyTypeAbbreviation": "CI"}],
    })  # fmt: skip
    meter = RecordingMeter()
    assert client.lookup_location("Phoenix, AZ", "CI", meter=meter) == (
        "75beb5a7b5105ea17dfc0c2edacaf981"
    )
    assert params_of(attom.calls[0]) == {"geographyTypeAbbreviation": "CI", "name": "Phoenix, AZ"}
    assert meter.events == [
        ("request", "attom", "location_lookup", {"calls": 1}),
        ("billed", {"calls": 1}, 200, "success"),
    ]


def test_it_finds_no_geo_id_for_an_unknown_place(attom, client):
    status = {"version": "v4", "code": 1, "msg": "SuccessWithoutResult", "total": 0, "page": 1}
    attom.get(LOOKUP_URL, json={"status": {**status, "pageSize": 10}})
    assert client.lookup_location("Atlantis, ZZ", "county") is None


# -- modes ----------------------------------------------------------------------------------


def test_it_is_off_without_a_key(settings):
    settings.SANDBOX_PROVIDERS, settings.ATTOM_API_KEY = False, ""
    with pytest.raises(ProviderOff, match="set ATTOM_API_KEY or turn on the sandbox") as off:
        AttomClient.from_settings()
    assert off.value.provider == "attom"


def test_it_is_live_with_a_key(settings):
    settings.SANDBOX_PROVIDERS, settings.ATTOM_API_KEY = False, "real-key"
    client = AttomClient.from_settings()
    assert client is not None
    assert client.sandbox is False


def test_it_never_sends_a_real_key_to_the_sandbox(settings):
    settings.SANDBOX_PROVIDERS, settings.ATTOM_API_KEY = True, "real-key"
    client = AttomClient.from_settings()
    assert client is not None
    assert client.sandbox is True
    page = client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=5)
    assert len(page.records) == 5
    assert page.calls[0].sandbox is True


def test_it_keeps_the_paid_pages_when_a_later_page_fails(attom, client):
    body = envelope([numbered_item(i) for i in range(100)], total=300, pagesize=100)
    attom.get(SEARCH_URL, json=body)
    attom.get(SEARCH_URL, status=401, json=error_body(401, "Unauthorized"))
    meter = RecordingMeter()

    page = client.get_by_geo(ZIP, page=1, page_size=200, meter=meter)

    assert len(page.records) == 100 and page.total == 300
    assert isinstance(page.failure, ProviderAuthError)
    assert [e[0] for e in meter.events] == ["request", "billed", "request", "billed", "raised"]


def test_it_raises_when_the_first_page_fails(attom, client):
    attom.get(SEARCH_URL, status=401, json=error_body(401, "Unauthorized"))
    with pytest.raises(ProviderAuthError):
        client.get_by_geo(ZIP, page=1, page_size=200)
