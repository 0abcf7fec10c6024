"""/api/leads (filters, paging, bad values) and /api/leads/<id>."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.auth import hash_token, new_token
from accounts.models import ApiToken
from leads.models import Source, Stage
from leads.tests.factories import make_email, make_lead, make_phone

pytestmark = pytest.mark.django_db

INDEX = "/api/leads"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users
    cache.clear()
    yield
    cache.clear()


def ids(response) -> list[int]:
    assert response.status_code == 200
    return [lead["id"] for lead in response.json()["leads"]]


@pytest.fixture
def leads():
    """Five leads that differ in each filtered field."""
    return {
        "hot": make_lead(ai_score=80, temperature_tag="HOT", stage=Stage.CONTACTED,
                         contactable=True, source=Source.ATTOM, owner_name="JOHN SMITH"),
        "dead": make_lead(ai_score=10, temperature_tag="DEAD", source=Source.ATTOM_SANDBOX,
                          sandbox=True, zip_code="85004", street="9 ELM ST"),
        "fire": make_lead(ai_score=95, temperature_tag="ON_FIRE", stage=Stage.CONTACTED,
                          source=Source.ATTOM, city="TEMPE"),
        "warm": make_lead(ai_score=50, temperature_tag="WARM", contactable=True,
                          owner_name="ACME HOLDINGS LLC"),
        "unscored": make_lead(),
    }  # fmt: skip


def test_it_lists_leads_best_score_first(agent_client, leads):
    response = agent_client.get(INDEX)

    body = response.json()
    assert (body["total"], body["page"], body["pageSize"]) == (5, 1, 25)
    names = ["fire", "hot", "warm", "dead", "unscored"]
    assert ids(response) == [leads[name].pk for name in names]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "contacted"}, ["fire", "hot"]),
        ({"temperature": "HOT"}, ["hot"]),
        ({"temperature": "DEAD"}, ["dead"]),
        ({"contactable": "true"}, ["hot", "warm"]),
        ({"contactable": "false"}, ["fire", "dead", "unscored"]),
        ({"source": "attom-sandbox"}, ["dead"]),
        ({"source": "attom"}, ["fire", "hot"]),
        ({"zip": "85004"}, ["dead"]),
        ({"q": "smith"}, ["hot"]),
        ({"q": "elm st"}, ["dead"]),
        ({"q": "tempe"}, ["fire"]),
        ({"stage": "contacted", "temperature": "ON_FIRE"}, ["fire"]),
        ({"stage": "dead"}, []),
    ],
)
def test_it_filters(agent_client, leads, params, expected):
    response = agent_client.get(INDEX, params)

    assert ids(response) == [leads[name].pk for name in expected]
    assert response.json()["total"] == len(expected)


def test_it_pages(agent_client, leads):
    response = agent_client.get(INDEX, {"page": 2, "pageSize": 2})

    body = response.json()
    assert (body["total"], body["page"], body["pageSize"]) == (5, 2, 2)
    assert ids(response) == [leads["warm"].pk, leads["dead"].pk]
    assert ids(agent_client.get(INDEX, {"page": 4, "pageSize": 2})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "won"}, "stage"),
        ({"temperature": "COLD"}, "temperature"),
        ({"contactable": "maybe"}, "contactable"),
        ({"source": "zillow"}, "source"),
        ({"zip": "850"}, "zip"),
        ({"zip": "abcde"}, "zip"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"pageSize": "501"}, "pageSize"),
        ({"pageSize": "0"}, "pageSize"),
    ],
)
def test_it_refuses_bad_filters_with_400(agent_client, params, field):
    response = agent_client.get(INDEX, params)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert field in body["fields"]


def test_it_answers_one_lead_with_its_contacts(agent_client):
    lead = make_lead(
        ai_score=70, temperature_tag="HOT", scored_by="rules", best_phone="+16025550101",
        contactable=True, unit="UNIT 4", attom_id=184713191,
    )  # fmt: skip
    make_phone(lead, "+16025550101")
    make_email(lead, "owner@example.com")

    response = agent_client.get(f"/api/leads/{lead.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["attomId"], body["unit"]) == (lead.pk, 184713191, "UNIT 4")
    assert body["address"] == f"{lead.street} UNIT 4, PHOENIX, AZ 85034"
    assert (body["aiScore"], body["temperature"], body["scoredBy"]) == (70, "HOT", "rules")
    assert (body["bestPhone"], body["contactable"]) == ("+16025550101", True)
    assert [phone["number"] for phone in body["phones"]] == ["+16025550101"]
    assert body["phones"][0]["type"] == "mobile"
    assert body["emails"] == [{"email": "owner@example.com", "tested": True}]


def test_it_answers_404_json_for_an_unknown_lead(agent_client):
    response = agent_client.get("/api/leads/999999")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No lead 999999."}


@pytest.mark.parametrize("url", [INDEX, "/api/leads/1"])
def test_it_answers_401_to_anonymous_callers(client, url):
    make_lead()

    response = client.get(url)

    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"


def test_it_accepts_a_bearer_token(client, agent):
    raw = new_token()
    ApiToken.objects.create(user=agent, token_hash=hash_token(raw))
    lead = make_lead()

    response = client.get(INDEX, HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert ids(response) == [lead.pk]


def test_it_refuses_writes(agent_client):
    assert agent_client.post(INDEX).status_code == 405
