"""The HTTP seam: retries, backoff, Retry-After, timeouts, outcomes and redacted logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses
from requests.adapters import BaseAdapter

from providers.http import (
    OUTCOME_ERROR,
    OUTCOME_SUCCESS,
    OUTCOME_UNKNOWN,
    HttpSeam,
    ProviderError,
    RetryPolicy,
    parse_retry_after,
    retry_after_s,
)

BASE = "https://vendor.test/api"
URL = f"{BASE}/things"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def vendor():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_seam(sleeps: list[float], **policy) -> HttpSeam:
    return HttpSeam(
        "vendor",
        BASE,
        headers={"apikey": "header-secret"},
        connect_timeout_s=1,
        read_timeout_s=1,
        retry=RetryPolicy(**policy),
        sleep=sleeps.append,
    )


def get(seam: HttpSeam, **kwargs):
    return seam.request("GET", "/things", operation="list", idempotent=True, **kwargs)


def test_it_retries_a_429_with_exponential_backoff(vendor, sleeps):
    for _ in range(3):
        vendor.get(URL, status=429)
    vendor.get(URL, json={"ok": True})
    result = get(make_seam(sleeps))
    assert result.status == 200
    assert result.payload == {"ok": True}
    assert sleeps == [0.25, 0.5, 1.0]
    assert result.call.attempts == 4
    assert result.call.outcome == OUTCOME_SUCCESS


def test_it_hands_back_a_500_after_three_retries(vendor, sleeps):
    vendor.get(URL, status=500, json={"error": "boom"})
    result = get(make_seam(sleeps))
    assert result.status == 500
    assert len(vendor.calls) == 4
    assert sleeps == [0.25, 0.5, 1.0]
    assert result.call.attempts == 4
    assert result.call.outcome == OUTCOME_ERROR


def test_it_honours_retry_after(vendor, sleeps):
    vendor.get(URL, status=503, headers={"Retry-After": "7"})
    vendor.get(URL, json={})
    result = get(make_seam(sleeps))
    assert result.status == 200
    assert sleeps == [7.0]


def test_it_reads_retry_after_as_an_http_date():
    moment = datetime.now(UTC) + timedelta(seconds=20)
    wait = parse_retry_after(format_datetime(moment, usegmt=True))
    assert wait is not None and 18 <= wait <= 20
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_it_prefers_retry_after_ms_and_reads_headers_in_any_case():
    assert retry_after_s({"retry-after-ms": "250", "Retry-After": "1"}) == 0.25
    assert retry_after_s({"RETRY-AFTER": "4"}) == 4.0
    assert retry_after_s({"retry-after-ms": "soon", "retry-after": "2"}) == 2.0
    assert retry_after_s(None) is None and retry_after_s({}) is None


def test_it_hands_back_a_429_whose_retry_after_is_too_long(vendor, sleeps):
    vendor.get(URL, status=429, headers={"Retry-After": "31"})
    result = get(make_seam(sleeps))
    assert result.status == 429
    assert sleeps == []
    assert len(vendor.calls) == 1
    assert result.headers["Retry-After"] == "31"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_it_does_not_retry_a_4xx(vendor, sleeps, status):
    vendor.get(URL, status=status, json={"msg": "no"})
    result = get(make_seam(sleeps))
    assert result.status == status
    assert result.call.attempts == 1
    assert sleeps == []


def test_it_retries_a_connection_error(vendor, sleeps):
    vendor.get(URL, body=requests.ConnectionError("refused"))
    vendor.get(URL, json={})
    result = get(make_seam(sleeps))
    assert result.status == 200
    assert result.call.attempts == 2
    assert result.call.timed_out_attempts == 0
    assert sleeps == [0.25]


def test_it_gives_up_on_connection_errors_as_a_known_failure(vendor, sleeps):
    vendor.get(URL, body=requests.ConnectionError("refused"))
    with pytest.raises(ProviderError) as raised:
        get(make_seam(sleeps))
    assert raised.value.retryable
    assert raised.value.call.outcome == OUTCOME_ERROR
    assert raised.value.call.attempts == 4


def test_it_retries_a_read_timeout_of_a_get_and_counts_it(vendor, sleeps):
    vendor.get(URL, body=requests.ReadTimeout("slow"))
    vendor.get(URL, json={})
    result = get(make_seam(sleeps))
    assert result.status == 200
    assert result.call.attempts == 2
    assert result.call.timed_out_attempts == 1


def test_it_never_retries_a_post_after_a_read_timeout(vendor, sleeps):
    vendor.post(URL, body=requests.ReadTimeout("slow"))
    seam = make_seam(sleeps)
    with pytest.raises(ProviderError) as raised:
        seam.request("POST", "/things", operation="create", json_body={"a": 1}, idempotent=False)
    assert len(vendor.calls) == 1
    assert raised.value.call.outcome == OUTCOME_UNKNOWN
    assert raised.value.outcome_unknown
    assert raised.value.call.timed_out_attempts == 1
    assert not raised.value.permanent
    assert sleeps == []


def test_it_reports_unknown_when_an_earlier_attempt_timed_out(vendor, sleeps):
    vendor.get(URL, body=requests.ReadTimeout("slow"))
    vendor.get(URL, body=requests.ConnectionError("refused"))
    with pytest.raises(ProviderError) as raised:
        get(make_seam(sleeps))
    assert raised.value.call.outcome == OUTCOME_UNKNOWN
    assert raised.value.call.timed_out_attempts == 1


def test_it_treats_a_broken_response_like_a_read_timeout(vendor, sleeps):
    vendor.get(URL, body=requests.exceptions.ChunkedEncodingError("cut"))
    vendor.get(URL, json={})
    result = get(make_seam(sleeps))
    assert result.status == 200
    assert result.call.timed_out_attempts == 1


def test_it_redacts_secrets_in_its_logs(vendor, sleeps, caplog):
    vendor.get(URL, json={})
    caplog.set_level(logging.INFO, logger="leadflow.providers")
    get(make_seam(sleeps), params={"apiKey": "param-secret", "token": "t0k3n", "zip": "85034"})
    assert "param-secret" not in caplog.text
    assert "t0k3n" not in caplog.text
    assert "header-secret" not in caplog.text
    assert "'apiKey': '***'" in caplog.text
    assert "85034" in caplog.text


def test_it_describes_the_call(vendor, sleeps):
    vendor.get(URL, status=500)
    vendor.get(URL, json={"a": 1})
    result = get(make_seam(sleeps))
    call = result.call
    assert (call.provider, call.operation, call.http_status) == ("vendor", "list", 200)
    assert call.attempts == 2
    assert call.latency_ms >= 0
    assert call.sandbox is False
    assert call.with_outcome(OUTCOME_ERROR).outcome == OUTCOME_ERROR


def test_it_sends_the_headers_and_keeps_a_body_that_is_not_json(vendor, sleeps):
    vendor.get(URL, body="<html>oops</html>")
    result = get(make_seam(sleeps))
    assert vendor.calls[0].request.headers["apikey"] == "header-secret"
    assert result.payload is None
    assert result.text == "<html>oops</html>"


def test_it_keeps_jittered_delays_within_the_backoff(vendor, sleeps):
    vendor.get(URL, status=502)
    get(make_seam(sleeps, jitter=True))
    for delay, full in zip(sleeps, [0.25, 0.5, 1.0], strict=True):
        assert full / 2 <= delay <= full


def test_it_sends_through_a_sandbox_adapter(sleeps):
    class Echo(BaseAdapter):
        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
            response = requests.Response()
            response.status_code, response._content = 200, b'{"echo": true}'
            response.url, response.request = request.url, request
            return response

        def close(self):
            pass

    seam = HttpSeam(
        "vendor",
        BASE,
        headers={},
        connect_timeout_s=1,
        read_timeout_s=1,
        retry=RetryPolicy(),
        sandbox_adapter=Echo(),
        sleep=sleeps.append,
    )
    result = get(seam)
    assert result.payload == {"echo": True}
    assert result.call.sandbox is True


def test_it_never_retries_past_the_requests_time_budget(vendor, sleeps):
    """Three Retry-After waits of 7 s would end past 15 s: the third is not made, and the
    last answer comes back (the request stays well inside the web server's timeout)."""
    for _ in range(4):
        vendor.get(URL, status=503, headers={"Retry-After": "7"})
    result = get(make_seam(sleeps))
    assert result.status == 503
    assert sleeps == [7.0, 7.0]
    assert sum(sleeps) <= RetryPolicy().max_total_s
    assert len(vendor.calls) == 3


def test_it_keeps_every_vendors_retries_inside_half_the_server_timeout(settings):
    from providers import attom, batchdata, openai_scoring, twilio_lookup

    policies = [batchdata.RETRY, twilio_lookup.RETRY, openai_scoring.RETRY, RetryPolicy()]
    assert attom  # ATTOM's client builds RetryPolicy() with the same default budget
    assert all(p.max_total_s <= settings.WEB_TIMEOUT_SECONDS / 2 for p in policies)
