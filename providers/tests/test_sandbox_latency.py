"""SANDBOX_LATENCY_MS: each sandbox waits as long as its real vendor would, when asked to."""

from __future__ import annotations

import json
import time

import httpx2
import pytest
import requests

from providers.attom import AttomClient, GeoQuery
from providers.sandbox import faults
from providers.sandbox.batchdata import BatchDataSandboxAdapter
from providers.sandbox.openai import OpenAiSandboxTransport
from providers.sandbox.twilio import TwilioSandboxHttpClient

TWILIO_URL = "https://lookups.twilio.com/v2/PhoneNumbers/+16025551234"
TWILIO_AUTH = ("SK" + "b" * 32, "secret")


def twilio_lookup(http: TwilioSandboxHttpClient) -> int:
    params: dict[str, object] = {"Fields": "line_type_intelligence"}
    return http.request("GET", TWILIO_URL, params=params, auth=TWILIO_AUTH).status_code


def test_it_adds_no_latency_by_default():
    slept: list[float] = []
    assert twilio_lookup(TwilioSandboxHttpClient(sleep=slept.append)) == 200
    assert slept == []


def test_it_waits_the_configured_latency_of_each_vendor(settings):
    settings.SANDBOX_LATENCY_MS = {"twilio": 150, "batch": 1500}
    slept: list[float] = []
    assert twilio_lookup(TwilioSandboxHttpClient(sleep=slept.append)) == 200
    session = requests.Session()
    session.mount("https://batchdata.test/", BatchDataSandboxAdapter(sleep=slept.append))
    body = {"requests": [{"propertyAddress": {"street": "1 Main St", "zip": "85034"}}]}
    response = session.post(
        "https://batchdata.test/api/v1/property/skip-trace",
        json=body,
        headers={"Authorization": "Bearer sandbox-token"},
    )
    assert response.status_code == 200
    assert slept == [0.15, 1.5]


def test_it_waits_a_queued_latency_fault_instead_of_the_configured_one(settings):
    settings.SANDBOX_LATENCY_MS = {"twilio": 150}
    slept: list[float] = []
    faults.queue("twilio", "latency", seconds=0.5)
    http = TwilioSandboxHttpClient(sleep=slept.append)
    assert (twilio_lookup(http), twilio_lookup(http)) == (200, 200)
    assert slept == [0.5, 0.15]


def test_it_answers_a_queued_error_at_once(settings):
    settings.SANDBOX_LATENCY_MS = {"twilio": 150}
    slept: list[float] = []
    faults.queue("twilio", "429")
    assert twilio_lookup(TwilioSandboxHttpClient(sleep=slept.append)) == 429
    assert slept == []


def test_it_slows_attom_pages(settings):
    settings.SANDBOX_LATENCY_MS = {"attom": 30}
    client = AttomClient(api_key="sandbox-key", base_url="https://attom.test", sandbox=True)
    page = client.get_by_geo(GeoQuery(postal_code="85034"), page=1, page_size=5)
    assert page.calls[0].latency_ms >= 30


def test_it_slows_openai_answers(settings):
    settings.SANDBOX_LATENCY_MS = {"openai": 30}
    schema = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    body = {
        "model": "gpt-4o-mini",
        "input": json.dumps({"city": "PHOENIX"}),
        "text": {"format": {"type": "json_schema", "name": "s", "strict": True, "schema": schema}},
    }
    request = httpx2.Request(
        "POST",
        "https://openai.test/v1/responses",
        json=body,
        headers={"Authorization": "Bearer sandbox-key"},
    )
    started = time.perf_counter()
    response = OpenAiSandboxTransport().handle_request(request)
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.03


@pytest.mark.parametrize("value", ["twilio", "twilio:fast", "fax:100", "twilio:-5"])
def test_it_refuses_a_malformed_latency_setting(value):
    from leadflow.tests.test_settings import PRODUCTION, manage

    result = manage("check", **PRODUCTION, SANDBOX_LATENCY_MS=value)
    assert result.returncode != 0
    assert "SANDBOX_LATENCY_MS" in result.stderr
