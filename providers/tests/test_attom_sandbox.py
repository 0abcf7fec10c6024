"""The ATTOM sandbox: wire format, parameters, faults and realistic deterministic data."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests

from providers.attom import AttomClient, GeoQuery
from providers.http import OUTCOME_EMPTY, OUTCOME_UNKNOWN, ProviderAuthError, ProviderError
from providers.sandbox import attom as sandbox
from providers.sandbox import attom_data, faults
from providers.sandbox.attom import AttomSandboxAdapter

BASE = "https://attom.test"
SEARCH = BASE + "/propertyapi/v1.0.0/attomavm/detail"
DETAIL_OWNER = BASE + "/propertyapi/v1.0.0/property/detailowner"
LOOKUP = BASE + "/v4/location/lookup"
PHOENIX_85034 = {"latitude": "33.4413", "longitude": "-112.0421"}


@pytest.fixture
def session() -> requests.Session:
    session = requests.Session()
    session.mount(BASE + "/", AttomSandboxAdapter())
    session.headers.update({"apikey": "sandbox-key", "Accept": "application/json"})
    return session


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps) -> AttomClient:
    return AttomClient(api_key="sandbox-key", base_url=BASE, sandbox=True, sleep=sleeps.append)


def search(session: requests.Session, **params) -> requests.Response:
    return session.get(SEARCH, params=params)


def everything(session: requests.Session, **params) -> list[dict]:
    items, page = [], 1
    while (response := search(session, pagesize=100, page=page, **params)).status_code == 200:
        items += response.json()["property"]
        page += 1
    return items


# -- wire format ----------------------------------------------------------------------------


def test_it_answers_the_same_query_with_the_same_json(session):
    first = search(session, postalcode="85034", pagesize=50, page=2).content
    attom_data.population.cache_clear()
    assert search(session, postalcode="85034", pagesize=50, page=2).content == first


def test_it_answers_in_attoms_envelope(session):
    response = search(session, postalcode="85034", pagesize=5)
    body = response.json()
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.url.startswith(SEARCH)
    status = body["status"]
    assert (status["code"], status["msg"], status["page"], status["pagesize"]) == (
        0, "SuccessWithResult", 1, 5,
    )  # fmt: skip
    assert len(status["transactionID"]) == 32
    assert len(body["property"]) == 5


def test_it_uses_attoms_field_types(session):
    item = search(session, postalcode="85034", pagesize=1).json()["property"][0]
    assert isinstance(item["identifier"]["attomId"], int)
    assert isinstance(item["identifier"]["fips"], str)
    assert item["identifier"]["fips"].startswith("04")  # Arizona, leading zero kept
    assert isinstance(item["location"]["latitude"], str)
    assert isinstance(item["summary"]["propIndicator"], str)
    assert item["owner"]["owner4"] == {}


def test_it_describes_85034_as_phoenix_in_maricopa_county(client):
    page = client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=20)
    assert {(r.city, r.state, r.county, r.zip5) for r in page.records} == {
        ("PHOENIX", "AZ", "Maricopa County", "85034")
    }
    assert all(r.avm_value and r.last_sale_date and r.owners for r in page.records)


def test_it_leaves_values_out_of_detailowner(session):
    item = session.get(DETAIL_OWNER, params={"postalcode": "85034"}).json()["property"][0]
    assert "owner" in item
    assert not {"avm", "sale", "assessment"} & set(item)


def test_it_reads_parameter_names_case_insensitively(session):
    body = search(session, PostalCode="85034", PageSize="3", Page="2").json()
    assert (body["status"]["page"], len(body["property"])) == (2, 3)


# -- paging and errors ----------------------------------------------------------------------


def test_it_pages_through_the_whole_population(session):
    sizes = [len(search(session, postalcode="85034", pagesize=100, page=p).json()["property"])
             for p in (1, 2, 3, 4)]  # fmt: skip
    assert sizes == [100, 100, 100, 47]
    beyond = search(session, postalcode="85034", pagesize=100, page=5)
    assert beyond.status_code == 400
    assert beyond.json()["status"]["msg"] == "SuccessWithoutResult"
    ids = [item["identifier"]["Id"] for item in everything(session, postalcode="85034")]
    assert len(ids) == len(set(ids)) == 347


def test_it_refuses_a_pagesize_over_100(session):
    response = search(session, postalcode="85034", pagesize=101)
    assert response.status_code == 400
    assert response.json()["status"]["code"] == -5
    assert response.json()["status"]["msg"] == "Invalid Parameter"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"postalcode": "85034", "minBeds": 4, "maxBeds": 3}, 15),
        ({"postalcode": "85034", "minAVMValue": 9, "maxAVMValue": 1}, 19),
        (PHOENIX_85034, -6),
        ({**PHOENIX_85034, "radius": 21}, -5),
        ({"pagesize": 10}, -6),
        ({"geoIdV4": "a" * 32, "geoid": "ZI85034"}, -4),
        ({"geoIdV4": "|".join(["a" * 32] * 4)}, 38),
        ({"postalcode": "85034", "absenteeowner": "sometimes"}, -5),
    ],
)
def test_it_refuses_bad_parameters_with_attoms_codes(session, params, code):
    response = search(session, **params)
    assert response.status_code == 400
    assert response.json()["status"]["code"] == code


def test_it_answers_an_unknown_or_unpopulated_zip_without_result(client):
    for zip5 in ("00000", "85001"):  # no such ZIP; a Phoenix PO-box-only ZIP
        page = client.get_by_geo(GeoQuery(postal_code=zip5), page=1, page_size=10)
        assert (page.records, page.total) == ([], 0)
        assert page.calls[0].http_status == 400
        assert page.calls[0].outcome == OUTCOME_EMPTY


@pytest.mark.parametrize("headers", [{"apikey": "live-key"}, {"apikey": ""}])
def test_it_refuses_a_key_that_is_not_a_sandbox_key(session, headers):
    response = session.get(SEARCH, params={"postalcode": "85034"}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"status": {"version": "1.0.0", "code": 401, "msg": "Unauthorized",
                                          "total": 0, "page": 0, "pagesize": 0}}  # fmt: skip


def test_it_reads_the_key_header_case_insensitively(session):
    del session.headers["apikey"]
    response = session.get(SEARCH, params={"postalcode": "85034"}, headers={"APIKey": "sandbox-1"})
    assert response.status_code == 200


def test_it_answers_404_for_an_unknown_path(session):
    assert session.get(BASE + "/propertyapi/v1.0.0/property/nothing").status_code == 404


# -- filters --------------------------------------------------------------------------------


def test_it_filters_absentee_owners(session):
    everyone = search(session, postalcode="85034").json()["status"]["total"]
    absent = everything(session, postalcode="85034", absenteeowner="absentee")
    present = search(session, postalcode="85034", absenteeowner="occupied").json()["status"]
    assert {item["owner"]["absenteeownerstatus"] for item in absent} == {"A"}
    assert len(absent) + present["total"] == everyone


def test_it_filters_by_type_and_ranges(session):
    params = {"propertytype": "CONDOMINIUM|DUPLEX", "minBeds": 2, "maxBeds": 3,
              "minBathsTotal": 1, "maxBathsTotal": 2, "minUniversalSize": 800,
              "maxUniversalSize": 2000, "minYearBuilt": 1970, "maxYearBuilt": 2020,
              "minAVMValue": 100000, "maxAVMValue": 900000}  # fmt: skip
    items = everything(session, postalcode="85034", **params)
    assert items
    for item in items:
        assert item["summary"]["proptype"] in ("CONDOMINIUM", "DUPLEX")
        assert 2 <= item["building"]["rooms"]["beds"] <= 3
        assert 1 <= item["building"]["rooms"]["bathstotal"] <= 2
        assert 800 <= item["building"]["size"]["universalsize"] <= 2000
        assert 1970 <= item["summary"]["yearbuilt"] <= 2020
        assert 100000 <= item["avm"]["amount"]["value"] <= 900000


def test_it_searches_a_radius_nearest_first(session):
    items = everything(session, radius="1", **PHOENIX_85034)
    distances = [item["location"]["distance"] for item in items]
    assert distances == sorted(distances)
    assert len(items) > 0 and max(distances) <= 1


# -- geoIdV4 --------------------------------------------------------------------------------


def test_it_resolves_a_city_and_searches_it(client):
    geo_id = client.lookup_location("Tempe, AZ", "CI")
    assert geo_id is not None and len(geo_id) == 32
    page = client.get_by_geo(GeoQuery(geo_id_v4=geo_id), page=1, page_size=100)
    assert page.total > 100
    assert {r.city for r in page.records} == {"TEMPE"}


def test_it_knows_a_county_by_either_name(client):
    assert client.lookup_location("Maricopa County, AZ", "CO") == client.lookup_location(
        "maricopa,  az", "county"
    )
    assert client.lookup_location("Atlantis, ZZ", "CI") is None


def test_it_searches_a_geo_id_in_a_fresh_process(session):
    sandbox._geo_index.cache_clear()
    geo_id = attom_data.geo_id("CI", "TEMPE, AZ")
    item = search(session, geoIdV4=geo_id, pagesize=1).json()["property"][0]
    assert item["address"]["locality"] == "TEMPE"
    assert item["location"]["geoIdV4"]["CI"] == geo_id


# -- faults ---------------------------------------------------------------------------------


def test_it_serves_a_429_with_retry_after(client, sleeps):
    faults.queue("attom", "429", retry_after=3)
    page = client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=5)
    assert len(page.records) == 5
    assert sleeps == [3.0]
    assert faults.request_count("attom") == 2


@pytest.mark.parametrize("kind", ["500", "503", "connect_error"])
def test_it_serves_retryable_faults(client, sleeps, kind):
    faults.queue("attom", kind, count=2)
    page = client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=5)
    assert page.calls[0].attempts == 3
    assert sleeps == [0.25, 0.5]


def test_it_serves_a_timeout(client):
    faults.queue("attom", "timeout")
    page = client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=5)
    assert page.calls[0].timed_out_attempts == 1


def test_it_serves_a_malformed_body(client):
    faults.queue("attom", "malformed")
    with pytest.raises(ProviderError) as raised:
        client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=5)
    assert raised.value.message == "malformed response"
    assert raised.value.call.outcome == OUTCOME_UNKNOWN


def test_it_serves_a_401(client):
    faults.queue("attom", "401")
    with pytest.raises(ProviderAuthError):
        client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=5)
    assert faults.request_count("attom") == 1


def test_it_serves_latency_then_answers(client):
    faults.queue("attom", "latency", seconds=0.01)
    page = client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=5)
    assert len(page.records) == 5
    assert page.calls[0].latency_ms >= 10


# -- the data -------------------------------------------------------------------------------


def test_it_writes_some_properties_twice_differently():
    by_attom_id: dict[int, list[dict]] = {}
    for prop in attom_data.population("85034"):
        by_attom_id.setdefault(prop.item["identifier"]["attomId"], []).append(prop.item)
    twins = [items for items in by_attom_id.values() if len(items) > 1]
    assert len(twins) == 7  # 2% of 347
    for first, second in twins:
        assert first["identifier"]["Id"] != second["identifier"]["Id"]
        assert first["address"]["line1"] != second["address"]["line1"]
        assert first["owner"]["absenteeownerstatus"] == second["owner"]["absenteeownerstatus"]


def test_it_restyles_a_street_line_as_another_clerk_would():
    assert attom_data.restyle_line1("4829 N CANYON CT UNIT 31") == "4829 NORTH CANYON COURT # 31"
    assert attom_data.restyle_line1("726 BAY AVE # 30") == "726 BAY AVENUE APT 30"


def test_it_makes_about_a_third_absentee_mostly_out_of_area():
    props = attom_data.population("85034")
    absent = [p for p in props if p.absentee]
    assert 0.25 <= len(absent) / len(props) <= 0.45
    elsewhere = [p for p in absent if ", AZ " not in p.item["owner"]["mailingaddressoneline"]]
    assert len(elsewhere) / len(absent) > 0.5
    assert any("PO BOX" in p.item["owner"]["mailingaddressoneline"] for p in absent)


def test_it_mixes_owners_types_and_equity():
    items = [p.item for p in attom_data.population("85034")]
    names = [item["owner"]["owner1"]["lastname"] for item in items]
    for suffix in ("LLC", "INC", "TRUST"):
        assert any(name.strip().endswith(suffix) for name in names)
    assert any(name.endswith(" ") for name in names)
    assert any(item["owner"]["owner2"] or item["owner"]["owner3"] for item in items)
    assert {item["summary"]["proptype"] for item in items} >= {"SFR", "CONDOMINIUM", "DUPLEX"}
    assert any(" APT " in i["address"]["line1"] or " # " in i["address"]["line1"] for i in items)
    mortgages = [item["sale"].get("mortgage") for item in items]
    assert any(m is None for m in mortgages)
    assert any(
        m and m["FirstConcurrent"]["amount"] > i["avm"]["amount"]["value"]
        for m, i in zip(mortgages, items, strict=True)
    )


def test_it_serves_a_warm_100_record_page_quickly(session):
    search(session, postalcode="85034", pagesize=100)
    timings = []
    for _ in range(3):  # the best of three, so a garbage-collector pause is not counted
        began = time.perf_counter()
        response = search(session, postalcode="85034", pagesize=100, page=2)
        timings.append(time.perf_counter() - began)
    assert len(response.json()["property"]) == 100
    assert min(timings) < 0.05


def test_it_is_reachable_through_the_client_from_settings(settings):
    settings.SANDBOX_PROVIDERS, settings.ATTOM_API_KEY = True, ""
    client = AttomClient.from_settings()
    assert client is not None
    query = GeoQuery(latitude=Decimal("33.4413"), longitude=Decimal("-112.0421"),
                     radius_miles=Decimal("0.5"), absentee=True)  # fmt: skip
    page = client.get_by_geo(query, page=1, page_size=10)
    assert page.records and all(r.absentee for r in page.records)
