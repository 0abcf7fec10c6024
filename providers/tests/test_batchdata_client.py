import json
import random

import phonenumbers
import pytest
import requests
import responses

from providers.batchdata import US_REGIONS, BatchDataClient, SkipTraceRequest, e164
from providers.http import ProviderAuthError, ProviderError
from providers.registry import ProviderOff

BASE_URL = "https://batchdata.test/api/v1"
URL = f"{BASE_URL}/property/skip-trace"


def make_request(request_id="lead-1", **overrides):
    fields = {
        "street": "1011 Rosegold St",
        "city": "Franklin Square",
        "state": "NY",
        "zip": "11010",
    }
    return SkipTraceRequest(request_id=request_id, **{**fields, **overrides})


def matched_person(**overrides):
    person = {
        "_id": "tOdljN72SozLw",
        "name": {"first": "jane", "last": "sample"},
        "propertyAddress": {"street": "1011 Rosegold St", "city": "Franklin Square",
                            "state": "NY", "zip": "11010"},
        "mailingAddress": {"street": "161 Sheridan Blvd", "city": "Mineola", "state": "NY",
                           "zip": "11501"},
        "phoneNumbers": [
            {"number": "5165550142", "carrier": "Cellco Partnership dba Verizon Wireless",
             "type": "Mobile", "tested": True, "reachable": True, "score": 100, "dnc": False,
             "tcpa": False},
            {"number": "5165550187", "carrier": "Cablevision Lightpath", "type": "Land Line",
             "tested": True, "reachable": True, "score": 90, "dnc": True, "tcpa": False},
        ],
        "emails": [{"email": "jane.sample@example.com", "tested": True}],
        "litigator": False,
        "dnc": {"tcpa": False},
        "death": {"deceased": False},
        "bankruptcy": {},
        "involuntaryLien": [],
        "meta": {"matched": True, "error": False},
    }  # fmt: skip
    return {**person, **overrides}


def no_match_person(street="25866 W Globe Ave", error=False):
    address = {"street": street, "city": "Buckeye", "state": "AZ", "zip": "85326"}
    return {"propertyAddress": address, "meta": {"matched": False, "error": error}}


def answer(persons, counts=None):
    results = {"persons": persons}
    if counts is not None:
        results["meta"] = {"apiVersion": "2.10.2", "results": counts}
    return {"status": {"code": 200, "text": "OK"}, "results": results}


def counts(request_count, match_count, no_match_count=0, error_count=0):
    return {"requestCount": request_count, "matchCount": match_count,
            "noMatchCount": no_match_count, "errorCount": error_count}  # fmt: skip


def envelope(code, text, message):
    return {"status": {"code": code, "text": text, "message": message}}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return BatchDataClient(api_key="live-token", base_url=BASE_URL, sleep=sleeps.append)


def sent_body(index=0):
    return json.loads(responses.calls[index].request.body)


@responses.activate
def test_it_maps_a_match(client):
    responses.post(URL, json=answer([matched_person()], counts(1, 1)))
    match = client.skip_trace([make_request()]).matches[0]
    assert match.request_id == "lead-1"
    assert match.matched and not match.error
    assert (match.first_name, match.last_name) == ("jane", "sample")
    assert [p.number for p in match.phones] == ["+15165550142", "+15165550187"]
    mobile, landline = match.phones
    assert (mobile.line_type, mobile.carrier, mobile.score) == (
        "mobile",
        "Cellco Partnership dba Verizon Wireless",
        100,
    )
    assert (mobile.reachable, mobile.tested, mobile.dnc, mobile.tcpa) == (True, True, False, False)
    assert (landline.line_type, landline.dnc) == ("landline", True)
    assert [(e.email, e.tested) for e in match.emails] == [("jane.sample@example.com", True)]
    assert (match.litigator, match.deceased) == (False, False)
    assert (match.mailing_street, match.mailing_city, match.mailing_zip) == (
        "161 Sheridan Blvd",
        "Mineola",
        "11501",
    )


@responses.activate
def test_it_maps_a_no_match(client):
    responses.post(URL, json=answer([no_match_person()], counts(1, 0, 1)))
    batch = client.skip_trace([make_request()])
    match = batch.matches[0]
    assert not match.matched and not match.error
    assert match.phones == () and match.emails == ()
    assert match.litigator is None and match.deceased is None
    assert (batch.match_count, batch.no_match_count) == (0, 1)
    assert batch.call.outcome == "success"


@responses.activate
def test_it_maps_a_litigator_with_no_phones(client):
    person = matched_person(litigator=True, phoneNumbers=[], dnc={"tcpa": True})
    responses.post(URL, json=answer([person], counts(1, 1)))
    match = client.skip_trace([make_request()]).matches[0]
    assert match.litigator is True
    assert match.phones == ()


@responses.activate
def test_it_reads_a_litigator_from_dnc_tcpa(client):
    person = matched_person(dnc={"tcpa": True})
    del person["litigator"]
    responses.post(URL, json=answer([person], counts(1, 1)))
    assert client.skip_trace([make_request()]).matches[0].litigator is True


@responses.activate
def test_it_leaves_flags_the_vendor_did_not_send_unknown(client):
    phone = {"number": "5165550142", "type": "Mobile", "carrier": "T-Mobile USA, Inc."}
    person = matched_person(phoneNumbers=[phone], dnc={}, death={})
    del person["litigator"]
    responses.post(URL, json=answer([person], counts(1, 1)))
    match = client.skip_trace([make_request()]).matches[0]
    traced = match.phones[0]
    assert (traced.dnc, traced.tcpa, traced.reachable, traced.tested, traced.score) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert match.litigator is None
    assert match.deceased is None


@responses.activate
def test_it_marks_an_item_the_vendor_failed(client):
    persons = [matched_person(), no_match_person(error=True)]
    responses.post(URL, json=answer(persons, counts(2, 1, 0, 1)))
    batch = client.skip_trace([make_request("a"), make_request("b", street="2 Elm St")])
    assert [m.error for m in batch.matches] == [False, True]
    assert not batch.matches[1].matched
    assert batch.error_count == 1


@responses.activate
def test_it_reads_counts_from_meta(client):
    persons = [matched_person(), no_match_person()]
    responses.post(URL, json=answer(persons, counts(2, 1, 1)))
    batch = client.skip_trace([make_request("a"), make_request("b", street="2 Elm St")])
    assert (batch.request_count, batch.match_count, batch.no_match_count, batch.error_count) == (
        2,
        1,
        1,
        0,
    )


@responses.activate
def test_it_reads_numbers_sent_as_text_by_the_one_rule(client):
    phone = {"number": "5165550142", "type": "Mobile", "score": "87.5", "dnc": "FALSE"}
    person = matched_person(phoneNumbers=[phone])
    responses.post(URL, json=answer([person], counts(1, "1.5")))
    batch = client.skip_trace([make_request()])
    # A fraction is malformed; rounding half up errs toward counting (and billing) more.
    assert batch.match_count == 2
    assert (batch.matches[0].phones[0].score, batch.matches[0].phones[0].dnc) == (88, False)


@responses.activate
def test_it_counts_from_persons_when_meta_counts_are_not_numbers(client):
    responses.post(URL, json=answer([matched_person()], counts("one", "\u0661", None, True)))
    batch = client.skip_trace([make_request()])
    assert (batch.request_count, batch.match_count, batch.no_match_count, batch.error_count) == (
        1, 1, 0, 0,
    )  # fmt: skip


@responses.activate
def test_it_counts_from_persons_when_meta_is_absent(client):
    persons = [matched_person(), no_match_person(), no_match_person(error=True)]
    responses.post(URL, json=answer(persons))
    batch = client.skip_trace([make_request(str(i)) for i in range(3)])
    assert (batch.request_count, batch.match_count, batch.no_match_count, batch.error_count) == (
        3,
        1,
        1,
        1,
    )


@responses.activate
def test_it_converts_phones_to_e164_and_skips_invalid_ones(client):
    phones = [
        {"number": "(516) 555-0142", "type": "Mobile"},
        {"number": "1234", "type": "Mobile"},
        {"number": "2021234567", "type": "Land Line"},  # 123 is not an exchange in use
        {"number": "6135550123", "type": "Land Line"},  # Ottawa: not a US number
        {"number": "3125550199", "type": "Voip"},
    ]
    responses.post(URL, json=answer([matched_person(phoneNumbers=phones)], counts(1, 1)))
    match = client.skip_trace([make_request()]).matches[0]
    assert [(p.number, p.line_type) for p in match.phones] == [
        ("+15165550142", "mobile"),
        ("+13125550199", "voip"),
    ]
    assert match.invalid_phone_count == 3


@responses.activate
def test_it_correlates_persons_by_position(client):
    first = matched_person(name={"first": "ann", "last": "first"})
    third = matched_person(name={"first": "bob", "last": "third"})
    responses.post(URL, json=answer([first, no_match_person(), third], counts(3, 2, 1)))
    batch = client.skip_trace([make_request("x"), make_request("y"), make_request("z")])
    assert [(m.request_id, m.last_name) for m in batch.matches] == [
        ("x", "first"),
        ("y", None),
        ("z", "third"),
    ]


@responses.activate
def test_it_refuses_an_answer_of_another_length(client):
    responses.post(URL, json=answer([matched_person()], counts(1, 1)))
    with pytest.raises(ProviderError, match="response does not match request") as caught:
        client.skip_trace([make_request("a"), make_request("b")])
    assert caught.value.retryable
    assert caught.value.call is not None


@responses.activate
@pytest.mark.parametrize(
    "body", ["<html>Bad Gateway</html>", json.dumps({"status": {"code": 200, "text": "OK"}})]
)
def test_it_treats_a_200_without_results_as_malformed(client, body):
    responses.post(URL, body=body, status=200)
    with pytest.raises(ProviderError, match="malformed response") as caught:
        client.skip_trace([make_request()])
    assert caught.value.retryable


@responses.activate
@pytest.mark.parametrize("status", [429, 500, 503])
def test_it_retries_at_most_twice_then_gives_up(client, sleeps, status):
    responses.post(URL, json=envelope(status, "Error", "Try again later."), status=status)
    with pytest.raises(ProviderError) as caught:
        client.skip_trace([make_request()])
    assert len(responses.calls) == 3
    assert len(sleeps) == 2
    error = caught.value
    assert error.retryable and error.status == status
    assert (error.call.attempts, error.call.outcome) == (3, "error")


@responses.activate
def test_it_succeeds_after_a_retried_500(client, sleeps):
    responses.post(URL, json=envelope(500, "Internal Server Error", "Oops."), status=500)
    responses.post(URL, json=answer([matched_person()], counts(1, 1)))
    batch = client.skip_trace([make_request()])
    assert batch.match_count == 1
    assert batch.call.attempts == 2
    assert len(sleeps) == 1


@responses.activate
@pytest.mark.parametrize(
    ("status", "message", "error_type"),
    [
        (400, "requests[0]: a property address is required.", ProviderError),
        (401, "Invalid token.", ProviderAuthError),
        (403, "Insufficient balance or invalid token permission", ProviderAuthError),
        (404, "Not found.", ProviderError),
    ],
)
def test_it_does_not_retry_refusals(client, sleeps, status, message, error_type):
    responses.post(URL, json=envelope(status, "Refused", message), status=status)
    with pytest.raises(error_type) as caught:
        client.skip_trace([make_request()])
    assert len(responses.calls) == 1 and sleeps == []
    assert caught.value.permanent
    assert caught.value.message == message
    assert caught.value.call.outcome == "error"


@responses.activate
def test_it_does_not_retry_a_read_timeout(client):
    responses.post(URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ProviderError) as caught:
        client.skip_trace([make_request()])
    assert len(responses.calls) == 1
    assert caught.value.retryable
    assert caught.value.call.outcome == "unknown"
    assert caught.value.call.timed_out_attempts == 1


@responses.activate
def test_it_sends_name_and_mailing_address_only_when_known(client):
    responses.post(URL, json=answer([no_match_person()] * 3, counts(3, 0, 3)))
    client.skip_trace([
        make_request("bare"),
        make_request("named", first_name="Jane", last_name="Sample", mailing_street="161 Sheridan",
                     mailing_city="Mineola", mailing_state="NY", mailing_zip="11501"),
        make_request("partial", last_name="Acme Holdings LLC", mailing_street="1 Main St"),
    ])  # fmt: skip
    body = sent_body()
    assert body["options"] == {"includeTCPABlacklistedPhones": False}
    bare, named, partial = body["requests"]
    assert bare == {
        "requestId": "bare",
        "propertyAddress": {"street": "1011 Rosegold St", "city": "Franklin Square",
                            "state": "NY", "zip": "11010"},
    }  # fmt: skip
    assert named["name"] == {"first": "Jane", "last": "Sample"}
    assert named["mailingAddress"] == {"street": "161 Sheridan", "city": "Mineola", "state": "NY",
                                       "zip": "11501"}  # fmt: skip
    assert partial["name"] == {"last": "Acme Holdings LLC"}
    assert "mailingAddress" not in partial


@responses.activate
def test_it_sends_the_bearer_token_as_json(client):
    responses.post(URL, json=answer([no_match_person()], counts(1, 0, 1)))
    client.skip_trace([make_request()])
    headers = responses.calls[0].request.headers
    assert headers["Authorization"] == "Bearer live-token"
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"


@responses.activate
@pytest.mark.parametrize("size", [0, 101])
def test_it_refuses_a_batch_size_out_of_range_before_any_request(client, size):
    with pytest.raises(ValueError):
        client.skip_trace([make_request(str(i)) for i in range(size)])
    assert len(responses.calls) == 0


def test_it_is_off_without_a_key(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.BATCHDATA_API_KEY = ""
    with pytest.raises(ProviderOff, match="Skip tracing is off: set BATCHDATA_API_KEY"):
        BatchDataClient.from_settings()


def test_it_uses_the_sandbox_in_sandbox_mode(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.BATCHDATA_API_KEY = "a-real-key"
    client = BatchDataClient.from_settings()
    assert client is not None and client.seam.sandbox
    assert client.seam.session.headers["Authorization"] == "Bearer sandbox-token"


def test_it_goes_live_with_a_key(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.BATCHDATA_API_KEY = "a-real-key"
    client = BatchDataClient.from_settings()
    assert client is not None and not client.seam.sandbox
    assert client.seam.session.headers["Authorization"] == "Bearer a-real-key"


def parsed_e164(raw: str) -> str | None:
    """E.164 through phonenumbers' general parser and its region look-up, as `e164` was."""
    try:
        number = phonenumbers.parse(raw.strip(), "US")
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    if region not in US_REGIONS or not phonenumbers.is_valid_number_for_region(number, region):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def written_numbers(count: int) -> list[str]:
    """Numbers as people write them, and near misses: any area code and exchange, with and
    without a country code, parentheses, separators, an extension, a digit short."""
    rng = random.Random(7)
    prefixes = ["", "+1", "1", "+1 ", "1-", "1.", "+", "011 1 ", "(1)", "01"]
    separators = ["", " ", "-", ".", "  ", "/", " - "]
    numbers = []
    for _ in range(count):
        first = rng.choice("23456789" if rng.random() < 0.8 else "01")  # 0 and 1: no area code
        digits = first + "".join(rng.choice("0123456789") for _ in range(9))
        area = f"({digits[:3]})" if rng.random() < 0.5 else digits[:3]
        text = (
            rng.choice(prefixes) + area + rng.choice(separators) + digits[3:6]
            + rng.choice(separators) + digits[6:]
        )  # fmt: skip
        variant = rng.random()
        if variant < 0.05:
            text = text[:-1]
        elif variant < 0.1:
            text = text.replace("(", "", 1)
        elif variant < 0.15:
            text = f" {text} x12"
        numbers.append(text)
    return numbers


def test_it_reads_a_plain_number_as_the_general_parser_does():
    numbers = [*written_numbers(4_000), "(516) 555-0142", "2021234567", "6135550123",
               "(787) 555-0123", "+1 671 555 0123", "1-800-FLOWERS", "", "1234"]  # fmt: skip
    assert [e164(raw) for raw in numbers] == [parsed_e164(raw) for raw in numbers]
