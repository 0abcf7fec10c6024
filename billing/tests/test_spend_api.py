from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from billing.models import DailyCap
from billing.tests.test_analytics import NOW, build_leads, build_ledger

pytestmark = pytest.mark.django_db

PROVIDERS = ["attom", "batch", "twilio", "openai"]


@pytest.fixture
def frozen(settings):
    settings.TIME_ZONE = "America/Phoenix"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(frozen):
    build_ledger()
    build_leads()
    DailyCap.objects.create(provider="twilio", cap_micros=12_345)


@pytest.mark.usefixtures("world")
def test_it_returns_exactly_the_documented_keys(agent_client):
    body = agent_client.get("/api/spend").json()

    assert set(body) == {
        "today",
        "days",
        "costPerContactableLeadCents",
        "successRate",
        "cacheHitRate",
        "byUser",
    }
    assert list(body["today"]) == PROVIDERS
    for provider in body["today"].values():
        assert set(provider) == {"spentCents", "capCents", "requests", "cacheHits", "errors"}
    assert set(body["days"][0]) == {"date", *PROVIDERS}


@pytest.mark.usefixtures("world")
def test_it_reports_today_in_cents(agent_client):
    today = agent_client.get("/api/spend").json()["today"]

    assert today["attom"] == {
        "spentCents": 15,
        "capCents": 1500,
        "requests": 3,
        "cacheHits": 2,
        "errors": 1,
    }
    assert today["batch"] == {
        "spentCents": 50,
        "capCents": 2000,
        "requests": 2,
        "cacheHits": 0,
        "errors": 1,
    }
    assert today["twilio"] == {
        "spentCents": 0.8,
        "capCents": 1.2345,
        "requests": 1,
        "cacheHits": 0,
        "errors": 0,
    }
    assert today["openai"]["spentCents"] == 0


@pytest.mark.usefixtures("world")
def test_it_reports_a_week_of_days_and_the_rates(agent_client):
    body = agent_client.get("/api/spend?days=7").json()

    assert len(body["days"]) == 7
    assert body["days"][0] == {
        "date": "2026-03-04",
        "attom": 0,
        "batch": 25,
        "twilio": 0,
        "openai": 0,
    }
    assert body["days"][1] == {
        "date": "2026-03-05",
        "attom": 0,
        "batch": 0,
        "twilio": 0,
        "openai": 0,
    }
    assert body["days"][4] == {
        "date": "2026-03-08",
        "attom": 50,
        "batch": 0,
        "twilio": 0,
        "openai": 0.1234,
    }
    assert body["days"][-1] == {
        "date": "2026-03-10",
        "attom": 15,
        "batch": 50,
        "twilio": 0.8,
        "openai": 0,
    }
    assert body["costPerContactableLeadCents"] == 46.9745
    assert body["successRate"] == 7 / 9
    assert body["cacheHitRate"] == 0.5


@pytest.mark.usefixtures("world")
def test_it_defaults_to_thirty_days(agent_client):
    body = agent_client.get("/api/spend").json()

    assert len(body["days"]) == 30
    assert body["days"][0]["date"] == (NOW.date() - dt.timedelta(days=29)).isoformat()
    assert body["days"][-1]["date"] == "2026-03-10"


@pytest.mark.usefixtures("frozen")
def test_it_answers_null_rates_when_nothing_happened(agent_client):
    body = agent_client.get("/api/spend?days=1").json()

    assert body["days"] == [
        {"date": "2026-03-10", "attom": 0, "batch": 0, "twilio": 0, "openai": 0}
    ]
    assert body["costPerContactableLeadCents"] is None
    assert body["successRate"] is None
    assert body["cacheHitRate"] is None


@pytest.mark.parametrize("days", ["0", "abc", "366", "-3", "2.5"])
def test_it_rejects_a_bad_period(agent_client, days):
    response = agent_client.get("/api/spend", {"days": days})

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert list(body["fields"]) == ["days"]
    assert body["fields"]["days"] and all(isinstance(m, str) for m in body["fields"]["days"])


def test_it_accepts_a_year(agent_client):
    assert len(agent_client.get("/api/spend?days=365").json()["days"]) == 365


def test_it_answers_anonymous_callers_with_401(client):
    response = client.get("/api/spend")

    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"


def test_it_only_answers_get(agent_client):
    assert agent_client.post("/api/spend").status_code == 405
