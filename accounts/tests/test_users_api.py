"""The users API (admins only): permissions and per-agent daily limits, and what they do."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import AgentPermissions
from billing.models import UserDailyLimit
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

PERMISSIONS = "/api/users/agent/permissions"
LIMITS = "/api/users/agent/limits"


def put(client, url: str, body: object):
    return client.put(url, json.dumps(body), content_type="application/json")


def test_it_lets_a_new_agent_do_everything(admin_client, agent):
    response = admin_client.get(PERMISSIONS)
    assert response.json() == {"searchAttom": True, "skipTrace": True, "export": True}
    assert admin_client.get(LIMITS).json() == {
        "attom": None, "batch": None, "twilio": None, "openai": None
    }  # fmt: skip


def test_it_changes_the_named_permissions_and_answers_the_whole_object(admin_client, agent):
    response = put(admin_client, PERMISSIONS, {"export": False})
    assert response.status_code == 200
    assert response.json() == {"searchAttom": True, "skipTrace": True, "export": False}
    response = put(admin_client, PERMISSIONS, {"skipTrace": False, "searchAttom": False})
    assert response.json() == {"searchAttom": False, "skipTrace": False, "export": False}
    row = AgentPermissions.objects.get(user=agent)
    assert (row.may_search_attom, row.may_skip_trace, row.may_export) == (False, False, False)


def test_it_sets_and_clears_daily_limits_in_cents(admin_client, agent):
    response = put(admin_client, LIMITS, {"batch": 500, "twilio": 0.8})
    assert response.status_code == 200
    assert response.json() == {"attom": None, "batch": 500, "twilio": 0.8, "openai": None}
    assert UserDailyLimit.objects.get(user=agent, provider="batch").limit_micros == 5_000_000
    assert UserDailyLimit.objects.get(user=agent, provider="twilio").limit_micros == 8_000
    response = put(admin_client, LIMITS, {"batch": None})
    assert response.json() == {"attom": None, "batch": None, "twilio": 0.8, "openai": None}


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (PERMISSIONS, {"export": "no"}, "export"),
        (PERMISSIONS, {"export": 0}, "export"),
        (PERMISSIONS, {"delete": True}, "delete"),
        (LIMITS, {"batch": -1}, "batch"),
        (LIMITS, {"batch": "500"}, "batch"),
        (LIMITS, {"batch": True}, "batch"),
        (LIMITS, {"batch": 0.00001}, "batch"),
        (LIMITS, {"batch": 10**30}, "batch"),
        (LIMITS, {"batch": float("inf")}, "batch"),
        (LIMITS, {"stripe": 5}, "stripe"),
    ],
)
def test_it_refuses_bad_values_with_field_errors(admin_client, agent, url, body, field):
    response = admin_client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize("url", [PERMISSIONS, LIMITS])
def test_it_refuses_agents_and_anonymous_callers(agent_client, url):
    assert put(agent_client, url, {}).status_code == 403
    assert agent_client.get(url).status_code == 403
    assert put(Client(), url, {}).status_code == 401


def test_it_answers_404_for_an_unknown_user(admin_client):
    assert put(admin_client, "/api/users/ghost/permissions", {}).status_code == 404


def test_it_refuses_a_skip_trace_to_an_agent_without_the_permission(
    admin_client, agent_client, settings
):
    settings.SANDBOX_PROVIDERS = True
    put(admin_client, PERMISSIONS, {"skipTrace": False})
    lead = make_lead()
    response = agent_client.post(
        f"/api/leads/{lead.pk}/skiptrace", "{}", content_type="application/json"
    )
    assert response.status_code == 403
    body = response.json()
    assert (body["error"], body["permission"]) == ("permission_denied", "skipTrace")
    assert "skip trace" in body["message"]
    lead.refresh_from_db()
    assert lead.skip_traced_at is None
    bulk = agent_client.post(
        "/api/bulk-traces", json.dumps({"leadIds": [lead.pk]}), content_type="application/json"
    )
    assert bulk.status_code == 403
    page = agent_client.get("/leads/").content.decode()
    assert "Bulk skip trace" not in page and "Skip trace</button>" not in page


def test_it_refuses_an_attom_search_to_an_agent_without_the_permission(
    admin_client, agent_client, settings
):
    settings.SANDBOX_PROVIDERS = True
    put(admin_client, PERMISSIONS, {"searchAttom": False})
    refused = agent_client.get("/api/search?zip=85034&attom=true")
    assert refused.status_code == 403
    assert refused.json()["permission"] == "searchAttom"
    stored = agent_client.get("/api/search?zip=85034")  # no attom value: stored leads only
    assert stored.status_code == 200
    assert stored.json()["source"] == "local"
    page = agent_client.get("/").content.decode()
    assert 'name="attom" value="true"' not in page


def test_it_answers_429_with_the_agents_own_figures_at_the_agents_limit(
    admin_client, agent_client, settings
):
    settings.SANDBOX_PROVIDERS = True
    put(admin_client, LIMITS, {"batch": 0})
    lead = make_lead()
    response = agent_client.post(
        f"/api/leads/{lead.pk}/skiptrace", "{}", content_type="application/json"
    )
    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "user_cap_exceeded"
    assert (body["provider"], body["capCents"], body["spentCents"]) == ("batch", 0, 0)
    assert body["resetsAt"]
