from __future__ import annotations

import pytest

from billing import guard
from billing.models import DailyCap
from providers.http import CallInfo

pytestmark = pytest.mark.django_db

PROVIDERS = {"attom", "batch", "twilio", "openai"}


def test_it_returns_exactly_the_documented_keys(agent_client):
    body = agent_client.get("/api/system/status").json()
    assert set(body) == {
        "attomEnabled",
        "skipTraceEnabled",
        "twilioEnabled",
        "openaiEnabled",
        "caps",
        "cacheTtlSeconds",
        "providers",
    }
    assert set(body["caps"]) == PROVIDERS
    assert set(body["providers"]) == PROVIDERS
    for provider in body["providers"].values():
        assert set(provider) == {"mode", "capCents", "spentTodayCents", "reservedCents"}


def test_it_reports_env_defaults(agent_client, settings):
    settings.SANDBOX_PROVIDERS = False
    settings.ATTOM_API_KEY = ""
    settings.BATCHDATA_API_KEY = "live-token"
    body = agent_client.get("/api/system/status").json()
    assert body["caps"] == {"attom": 1500, "batch": 2000, "twilio": 500, "openai": 500}
    assert body["cacheTtlSeconds"] == 900
    assert body["attomEnabled"] is False
    assert body["skipTraceEnabled"] is True
    assert body["providers"]["attom"]["mode"] == "off"
    assert body["providers"]["batch"]["mode"] == "live"


def test_it_reports_admin_overrides_and_spend_in_cents(agent_client, settings):
    settings.SANDBOX_PROVIDERS = True
    DailyCap.objects.create(provider="twilio", cap_micros=12_345)  # 1.2345 cents
    reservation = guard.reserve(provider="twilio", amount_micros=8_000, operation="lookup")
    guard.settle(
        reservation,
        cost_micros=8_000,
        call=CallInfo(provider="twilio", operation="lookup", http_status=200, attempts=1),
    )
    guard.reserve(provider="twilio", amount_micros=4_000, operation="lookup")

    body = agent_client.get("/api/system/status").json()

    assert body["caps"]["twilio"] == 1.2345
    assert body["providers"]["twilio"] == {
        "mode": "sandbox",
        "capCents": 1.2345,
        "spentTodayCents": 0.8,
        "reservedCents": 0.4,
    }
    assert all(body[k] for k in ("attomEnabled", "skipTraceEnabled", "twilioEnabled"))
