import base64
import json

import pytest
import requests
import responses
from responses import matchers

from providers.http import ProviderAuthError, ProviderError
from providers.registry import ProviderOff
from providers.sandbox import faults
from providers.sandbox.twilio import TwilioSandboxHttpClient
from providers.twilio_lookup import TimeoutHttpClient, TwilioLookupClient

NUMBER = "+16025551234"
URL = f"https://lookups.twilio.com/v2/PhoneNumbers/{NUMBER}"
ACCOUNT_SID = "AC" + "a" * 32
API_KEY = "SK" + "b" * 32


def lookup_body(**overrides):
    body = {
        "calling_country_code": "1",
        "country_code": "US",
        "phone_number": NUMBER,
        "national_format": "(602) 555-1234",
        "valid": True,
        "validation_errors": [],
        "caller_name": None,
        "sim_swap": None,
        "call_forwarding": None,
        "line_status": None,
        "line_type_intelligence": {
            "type": "mobile",
            "carrier_name": "T-Mobile USA, Inc.",
            "mobile_country_code": "310",
            "mobile_network_code": "260",
            "error_code": None,
        },
        "identity_match": None,
        "reassigned_number": None,
        "sms_pumping_risk": None,
        "phone_number_quality_score": None,
        "pre_fill": None,
        "url": URL,
    }
    return {**body, **overrides}


def twilio_error(code, message, status):
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}


def add_lookup(status=200, json=None):
    query = matchers.query_param_matcher({"Fields": "line_type_intelligence"})
    responses.get(URL, json=json or lookup_body(), status=status, match=[query])


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return TwilioLookupClient(account_sid=ACCOUNT_SID, api_key=API_KEY, api_secret="secret",
                              sleep=sleeps.append)  # fmt: skip


@pytest.fixture
def sandbox(sleeps):
    return TwilioLookupClient(account_sid=ACCOUNT_SID, api_key=API_KEY, api_secret="secret",
                              sandbox=True, sleep=sleeps.append)  # fmt: skip


@responses.activate
def test_it_reads_a_valid_mobile(client):
    add_lookup()
    result = client.lookup(NUMBER)
    assert (result.number, result.valid, result.validation_errors) == (NUMBER, True, ())
    assert (result.line_type, result.carrier, result.error_code) == (
        "mobile",
        "T-Mobile USA, Inc.",
        None,
    )
    assert result.billed
    call = result.call
    assert (call.provider, call.operation, call.http_status, call.attempts) == (
        "twilio",
        "line_type_lookup",
        200,
        1,
    )
    assert (call.outcome, call.sandbox) == ("success", False)


@responses.activate
def test_it_does_not_bill_an_invalid_number(client):
    body = lookup_body(valid=False, validation_errors=["TOO_LONG"], line_type_intelligence=None,
                       national_format=None)  # fmt: skip
    add_lookup(json=body)
    result = client.lookup(NUMBER)
    assert not result.valid
    assert result.validation_errors == ("TOO_LONG",)
    assert result.line_type is None
    assert not result.billed
    assert result.call.outcome == "empty"


@responses.activate
def test_it_reads_a_package_error_inside_a_200(client):
    intelligence = {"type": None, "carrier_name": None, "mobile_country_code": None,
                    "mobile_network_code": None, "error_code": 60601}  # fmt: skip
    add_lookup(json=lookup_body(line_type_intelligence=intelligence))
    result = client.lookup(NUMBER)
    assert result.error_code == 60601
    assert result.line_type is None
    assert result.billed


@responses.activate
def test_it_raises_an_auth_error_on_401_without_retrying(client, sleeps):
    add_lookup(status=401, json=twilio_error(20003, "Authenticate", 401))
    with pytest.raises(ProviderAuthError) as caught:
        client.lookup(NUMBER)
    assert "Authenticate" in caught.value.message
    assert caught.value.code == 20003
    assert caught.value.call.http_status == 401
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_it_retries_a_429_then_succeeds(client, sleeps):
    add_lookup(status=429, json=twilio_error(20429, "Too Many Requests", 429))
    add_lookup()
    result = client.lookup(NUMBER)
    assert result.billed
    assert result.call.attempts == 2
    assert len(responses.calls) == 2 and len(sleeps) == 1


@responses.activate
def test_it_gives_up_after_two_retries(client, sleeps):
    add_lookup(status=503, json=twilio_error(20503, "Service Unavailable", 503))
    with pytest.raises(ProviderError) as caught:
        client.lookup(NUMBER)
    assert caught.value.retryable
    assert caught.value.call.attempts == 3
    assert len(responses.calls) == 3 and len(sleeps) == 2


@responses.activate
def test_it_waits_as_long_as_retry_after_asks(client, sleeps):
    responses.get(URL, json=twilio_error(20429, "Too Many Requests", 429), status=429,
                  headers={"Retry-After": "3"})  # fmt: skip
    add_lookup()
    assert client.lookup(NUMBER).billed
    assert sleeps == [3.0]


@responses.activate
def test_it_hands_back_a_429_whose_retry_after_is_too_long(client, sleeps):
    responses.get(URL, json=twilio_error(20429, "Too Many Requests", 429), status=429,
                  headers={"Retry-After": "120"})  # fmt: skip
    with pytest.raises(ProviderError) as caught:
        client.lookup(NUMBER)
    assert caught.value.status == 429 and caught.value.retryable
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_it_retries_a_connection_error_since_nothing_was_sent(client, sleeps):
    responses.get(URL, body=requests.ConnectionError("refused"))
    add_lookup()
    result = client.lookup(NUMBER)
    assert result.billed
    assert (result.call.attempts, result.call.timed_out_attempts) == (2, 0)
    assert len(sleeps) == 1


@responses.activate
def test_it_gives_up_on_connection_errors_as_a_known_failure(client, sleeps):
    responses.get(URL, body=requests.ConnectionError("refused"))
    with pytest.raises(ProviderError, match="could not connect") as caught:
        client.lookup(NUMBER)
    assert caught.value.call.outcome == "error" and caught.value.retryable
    assert caught.value.call.attempts == 3 and len(sleeps) == 2


@responses.activate
def test_it_does_not_retry_a_bad_request(client, sleeps):
    add_lookup(status=400, json=twilio_error(20001, "Invalid parameter", 400))
    with pytest.raises(ProviderError) as caught:
        client.lookup(NUMBER)
    assert caught.value.permanent
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_it_answers_not_found_as_an_invalid_unbilled_number(client):
    add_lookup(status=404, json=twilio_error(20404, "The requested resource was not found", 404))
    result = client.lookup(NUMBER)
    assert (result.valid, result.billed, result.error_code) == (False, False, 20404)
    assert (result.call.http_status, result.call.outcome) == (404, "empty")


@responses.activate
def test_it_does_not_retry_a_read_timeout(client):
    responses.get(URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ProviderError) as caught:
        client.lookup(NUMBER)
    assert len(responses.calls) == 1
    assert caught.value.call.outcome == "unknown"
    assert caught.value.call.timed_out_attempts == 1


@responses.activate
def test_it_sends_a_timeout_and_the_api_key(client):
    add_lookup()
    client.lookup(NUMBER)
    request = responses.calls[0].request
    assert request.req_kwargs["timeout"] == (5.0, 10.0)  # type: ignore[attr-defined]  # responses adds it
    credentials = base64.b64encode(f"{API_KEY}:secret".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {credentials}"


def test_it_builds_its_http_client_with_a_timeout():
    assert TimeoutHttpClient().timeout == (5.0, 10.0)
    assert TimeoutHttpClient(connect_timeout_s=1, read_timeout_s=2).timeout == (1, 2)


def test_it_answers_the_same_number_the_same_way_in_the_sandbox(sandbox):
    numbers = [f"+1602555{n:04d}" for n in range(1000, 1100)]
    first = [sandbox.lookup(n) for n in numbers]
    again = [sandbox.lookup(n) for n in numbers]
    assert [(r.line_type, r.carrier) for r in first] == [(r.line_type, r.carrier) for r in again]
    kinds = {r.line_type for r in first}
    assert {"mobile", "landline"} <= kinds
    assert all(r.call.sandbox and r.billed for r in first)


@pytest.mark.parametrize(
    ("number", "error"),
    [("+1602555", "TOO_SHORT"), ("+160255512345678", "TOO_LONG"),
     ("+19995551234", "INVALID_BUT_POSSIBLE")],
)  # fmt: skip
def test_it_flags_malformed_numbers_in_the_sandbox(sandbox, number, error):
    result = sandbox.lookup(number)
    assert not result.valid
    assert result.validation_errors == (error,)
    assert not result.billed


def test_it_answers_canada_with_a_package_error_in_the_sandbox(sandbox):
    result = sandbox.lookup("+16135550123")
    assert (result.valid, result.error_code, result.line_type) == (True, 60601, None)


def test_it_refuses_bad_credentials_in_the_sandbox():
    client = TwilioLookupClient(account_sid=ACCOUNT_SID, api_key="nope", api_secret="secret",
                                sandbox=True)  # fmt: skip
    with pytest.raises(ProviderAuthError, match="Authenticate"):
        client.lookup(NUMBER)


def test_it_retries_a_queued_429_in_the_sandbox(sandbox, sleeps):
    faults.queue("twilio", "429")
    result = sandbox.lookup(NUMBER)
    assert result.call.attempts == 2 and len(sleeps) == 1
    assert faults.request_count("twilio") == 2


def test_it_times_out_in_the_sandbox(sandbox):
    faults.queue("twilio", "timeout")
    with pytest.raises(ProviderError) as caught:
        sandbox.lookup(NUMBER)
    assert caught.value.call.outcome == "unknown"


def test_it_serves_a_queued_500_and_malformed_body_in_the_sandbox(sandbox):
    faults.queue("twilio", "500", count=3)
    with pytest.raises(ProviderError) as caught:
        sandbox.lookup(NUMBER)
    assert caught.value.status == 500 and caught.value.retryable
    faults.queue("twilio", "malformed")
    with pytest.raises(ProviderError, match="malformed response"):
        sandbox.lookup(NUMBER)


def test_it_answers_in_the_v2_wire_format_in_the_sandbox():
    slept: list[float] = []
    http = TwilioSandboxHttpClient(sleep=slept.append)
    faults.queue("twilio", "latency", seconds=0.5)
    response = http.request(
        "GET", URL, params={"Fields": "line_type_intelligence"}, auth=(API_KEY, "secret")
    )
    assert slept == [0.5]
    assert response.status_code == 200
    body = json.loads(response.text)
    assert body["phone_number"] == NUMBER and body["valid"] is True
    assert body["national_format"] == "(602) 555-1234"
    assert set(body["line_type_intelligence"]) == {
        "type", "carrier_name", "mobile_country_code", "mobile_network_code", "error_code"
    }  # fmt: skip
    assert body["caller_name"] is None and body["url"] == URL
    unasked = http.request("GET", URL, params={}, auth=(API_KEY, "secret"))
    assert json.loads(unasked.text)["line_type_intelligence"] is None


def test_it_is_off_without_credentials(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(
        ProviderOff, match="TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET"
    ):
        TwilioLookupClient.from_settings()


def test_it_uses_the_sandbox_in_sandbox_mode(settings):
    settings.SANDBOX_PROVIDERS = True
    client = TwilioLookupClient.from_settings()
    assert client is not None and client.sandbox
    assert isinstance(client.wire, TwilioSandboxHttpClient)


def test_it_goes_live_with_credentials(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_API_KEY = API_KEY
    settings.TWILIO_API_SECRET = "secret"
    client = TwilioLookupClient.from_settings()
    assert client is not None and not client.sandbox
    assert isinstance(client.wire, TimeoutHttpClient)
    assert client.client.auth == (API_KEY, "secret")
