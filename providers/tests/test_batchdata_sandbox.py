import time

import phonenumbers
import pytest
import requests

from providers.batchdata import BatchDataClient, SkipTraceRequest
from providers.http import ProviderAuthError, ProviderError
from providers.sandbox import faults, regions
from providers.sandbox.batchdata import BatchDataSandboxAdapter

BASE_URL = "https://batchdata.test/api/v1"
URL = f"{BASE_URL}/property/skip-trace"
TOKEN = "Bearer sandbox-token"


def item(number, zip5="11010", **extra):
    address = {"street": f"{number} Rosegold St", "city": "Franklin Square", "state": "NY",
               "zip": zip5}  # fmt: skip
    return {"propertyAddress": address, **extra}


def items(count, zip5="85326"):
    return [item(100 + 2 * i, zip5) for i in range(count)]


@pytest.fixture
def session():
    session = requests.Session()
    session.mount("https://batchdata.test/", BatchDataSandboxAdapter(sleep=lambda s: None))
    return session


def post(session, body, *, url=URL, token=TOKEN):
    return session.post(url, json=body, headers={"Authorization": token})


def persons(session, requested, include_tcpa=False):
    body = {"requests": requested, "options": {"includeTCPABlacklistedPhones": include_tcpa}}
    response = post(session, body)
    assert response.status_code == 200
    return response.json()["results"]["persons"]


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return BatchDataClient(api_key="sandbox-token", base_url=BASE_URL, sandbox=True,
                           sleep=sleeps.append)  # fmt: skip


def trace_request(number=1011):
    return SkipTraceRequest(request_id=f"r{number}", street=f"{number} Rosegold St",
                            city="Franklin Square", state="NY", zip="11010")  # fmt: skip


def test_it_answers_the_same_address_the_same_way(session):
    first = persons(session, items(50))
    again = persons(session, items(50))
    assert first == again
    # Case and punctuation do not make a different property.
    loud = item(100, "85326")
    loud["propertyAddress"]["street"] = "100  ROSEGOLD ST."
    assert persons(session, [loud])[0]["meta"] == first[0]["meta"]


def test_it_matches_about_three_quarters(session):
    answers = [p for chunk in range(4) for p in persons(session, items(100, f"8532{chunk}"))]
    no_match = sum(not p["meta"]["matched"] and not p["meta"]["error"] for p in answers)
    assert len(answers) == 400
    assert 0.17 < no_match / 400 < 0.33


def test_it_counts_like_the_persons_say(session):
    response = post(session, {"requests": items(100)}).json()
    metas = [p["meta"] for p in response["results"]["persons"]]
    counts = response["results"]["meta"]["results"]
    assert counts["requestCount"] == 100
    assert counts["matchCount"] == sum(m["matched"] for m in metas)
    assert counts["errorCount"] == sum(m["error"] for m in metas)
    assert counts["noMatchCount"] == 100 - counts["matchCount"] - counts["errorCount"]


def test_it_answers_in_the_v1_wire_format(session):
    matched = [p for p in persons(session, items(40)) if p["meta"]["matched"]]
    person = matched[0]
    assert {"_id", "name", "propertyAddress", "mailingAddress", "phoneNumbers", "emails",
            "litigator", "dnc", "death", "meta"} <= person.keys()  # fmt: skip
    assert person["propertyAddress"]["county"] == "Maricopa"
    assert person["propertyAddress"]["city"] == "Franklin Square"  # as asked
    assert person["name"]["first"].islower()


def test_it_gives_phones_of_the_region_mobiles_first(session):
    matched = [p for p in persons(session, items(100, "11010")) if p["meta"]["matched"]]
    phones = [phone for p in matched for phone in p["phoneNumbers"]]
    assert phones
    for phone in phones:
        number = phone["number"]
        assert len(number) == 10 and number.isdigit()
        assert number[:3] in regions.area_codes_for_zip("11010")
        assert number[3:6] != "555"
        assert phonenumbers.is_valid_number(phonenumbers.parse(number, "US"))
    for person in matched:
        types = [phone["type"] for phone in person["phoneNumbers"]]
        assert types == sorted(types, key=["Mobile", "Land Line", "Voip"].index)


def test_it_leaves_some_phone_flags_out_and_marks_some_dnc(session):
    answers = [p for chunk in range(4) for p in persons(session, items(100, f"6060{chunk}"))]
    phones = [phone for p in answers for phone in p.get("phoneNumbers", [])]
    without_flags = [phone for phone in phones if "dnc" not in phone and "tcpa" not in phone]
    dnc = [phone for phone in phones if phone.get("dnc") is True]
    assert 0.03 < len(without_flags) / len(phones) < 0.2
    assert 0.08 < len(dnc) / len(phones) < 0.25


def test_it_uses_the_requested_owner_name(session):
    requested = [item(n, name={"first": "Jane", "last": "SAMPLE"}) for n in range(100, 120)]
    matched = [p for p in persons(session, requested) if p["meta"]["matched"]]
    assert matched
    assert all(p["name"] == {"first": "jane", "last": "sample"} for p in matched)


def test_it_removes_or_keeps_a_litigators_phones_by_the_option(session):
    removed, kept = [], []
    for zip5 in ("60601", "60602", "60603"):
        removed += persons(session, items(100, zip5))
        kept += persons(session, items(100, zip5), include_tcpa=True)
    litigators = [i for i, p in enumerate(removed) if p.get("litigator")]
    assert litigators, "expected a litigator among 300 addresses"
    for index in litigators:
        assert removed[index]["phoneNumbers"] == []
        assert removed[index]["dnc"] == {"tcpa": True}
        assert kept[index]["phoneNumbers"]
        assert all(phone["tcpa"] is True for phone in kept[index]["phoneNumbers"])


@pytest.mark.parametrize("token", ["Bearer live-token", "sandbox-token", ""])
def test_it_refuses_a_token_that_is_not_a_sandbox_token(session, token):
    response = post(session, {"requests": items(1)}, token=token)
    assert response.status_code == 401
    assert response.json() == {
        "status": {"code": 401, "text": "Unauthorized", "message": "Invalid token."}
    }


@pytest.mark.parametrize(
    "body",
    [
        {"requests": []},
        {"requests": items(101)},
        {"requests": [{"propertyAddress": {"street": "1 Main St"}}]},
        {"requests": [{"apn": "123-45-678", "county": "Maricopa"}]},
        {"nothing": True},
    ],
)
def test_it_refuses_an_invalid_body(session, body):
    response = post(session, body)
    assert response.status_code == 400
    status = response.json()["status"]
    assert (status["code"], status["text"]) == (400, "Bad Request")
    assert status["message"]


@pytest.mark.parametrize(
    "requested",
    [
        {"propertyAddress": {"street": "1 Main St", "zip": "11010"}},
        {"propertyAddress": {"street": "1 Main St", "city": "Mineola", "state": "NY"}},
        {"apn": "123-45-678", "county": "Maricopa", "state": "AZ"},
        {"apn": "123-45-678", "countyFipsCode": "04013"},
    ],
)
def test_it_accepts_each_documented_address_form(session, requested):
    assert len(persons(session, [requested])) == 1


def test_it_wants_a_webhook_for_async_requests(session):
    url = f"{URL}/async"
    assert post(session, {"requests": items(1)}, url=url).status_code == 400
    options = {"webhookUrl": "https://example.com/hook"}
    accepted = post(session, {"requests": items(1), "options": options}, url=url)
    assert accepted.status_code == 200
    assert len(accepted.json()["requestId"]) == 26


def test_it_answers_404_elsewhere(session):
    assert (
        post(session, {"requests": items(1)}, url=f"{BASE_URL}/property/search").status_code == 404
    )


def test_it_is_fast(session):
    persons(session, items(1))  # the ZIP database loads once per process
    began = time.monotonic()
    for chunk in range(10):
        persons(session, items(100, f"1101{chunk}"))
    assert time.monotonic() - began < 0.8


def test_it_counts_every_request_it_receives(client):
    client.skip_trace([trace_request()])
    client.skip_trace([trace_request(7)])
    assert faults.request_count("batch") == 2


def test_it_serves_queued_429s_before_answering(client, sleeps):
    faults.queue("batch", "429", count=2)
    batch = client.skip_trace([trace_request()])
    assert batch.call.attempts == 3
    assert len(sleeps) == 2
    assert faults.request_count("batch") == 3


@pytest.mark.parametrize("kind", ["500", "503"])
def test_it_fails_with_server_errors_when_queued(client, kind):
    faults.queue("batch", kind, count=3)
    with pytest.raises(ProviderError) as caught:
        client.skip_trace([trace_request()])
    assert caught.value.retryable and caught.value.status == int(kind)


def test_it_times_out_after_the_request_was_sent(client):
    faults.queue("batch", "timeout")
    with pytest.raises(ProviderError) as caught:
        client.skip_trace([trace_request()])
    assert caught.value.call.outcome == "unknown"
    assert faults.request_count("batch") == 1


def test_it_refuses_connections_when_queued(client):
    faults.queue("batch", "connect_error")
    batch = client.skip_trace([trace_request()])  # nothing was sent: the seam tries again
    assert batch.call.attempts == 2


def test_it_serves_a_malformed_body(client):
    faults.queue("batch", "malformed")
    with pytest.raises(ProviderError, match="malformed response"):
        client.skip_trace([trace_request()])


def test_it_serves_a_queued_401(client):
    faults.queue("batch", "401")
    with pytest.raises(ProviderAuthError, match="Invalid token"):
        client.skip_trace([trace_request()])


def test_it_sleeps_for_queued_latency():
    slept: list[float] = []
    session = requests.Session()
    session.mount("https://batchdata.test/", BatchDataSandboxAdapter(sleep=slept.append))
    faults.queue("batch", "latency", seconds=2.5)
    assert post(session, {"requests": items(1)}).status_code == 200
    assert slept == [2.5]


def test_it_maps_through_the_real_client(client):
    requests_ = [trace_request(n) for n in range(1000, 1100)]
    batch = client.skip_trace(requests_)
    assert len(batch.matches) == 100
    assert batch.match_count == sum(m.matched for m in batch.matches)
    assert batch.call.sandbox
    phones = [p for m in batch.matches for p in m.phones]
    assert all(p.number.startswith("+1") and len(p.number) == 12 for p in phones)
    assert sum(m.invalid_phone_count for m in batch.matches) == 0
