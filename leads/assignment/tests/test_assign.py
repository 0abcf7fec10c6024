"""Assigning leads (`POST /api/leads/assign`, the Leads table, a lead's page) and the
`assignee` filter every lead list shares."""

from __future__ import annotations

import json

import pytest

from leads.models import ActivityKind, Lead
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

API = "/api/leads/assign"


def post(client, body: object):
    return client.post(API, json.dumps(body), content_type="application/json")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob")


def test_it_assigns_leads_in_bulk_and_puts_it_on_their_timelines(agent_client, bob):
    leads = [make_lead() for _ in range(3)]
    response = post(agent_client, {"leadIds": [lead.pk for lead in leads], "assignee": "bob"})
    assert response.status_code == 200
    assert response.json() == {"assigned": 3}
    assert set(Lead.objects.values_list("assigned_to_id", flat=True)) == {bob.pk}
    for lead in leads:
        [event] = lead.activities.all()
        assert (event.kind, event.text) == (ActivityKind.ASSIGNED, "Assigned to bob")


def test_it_unassigns_with_null(agent_client, bob):
    lead = make_lead(assigned_to=bob)
    assert post(agent_client, {"leadIds": [lead.pk], "assignee": None}).json() == {"assigned": 1}
    lead.refresh_from_db()
    assert lead.assigned_to_id is None
    assert lead.activities.get().text == "Unassigned"


def test_it_counts_only_leads_that_exist_and_records_only_changes(agent_client, bob):
    kept = make_lead(assigned_to=bob)
    moved = make_lead()
    response = post(agent_client, {"leadIds": [kept.pk, moved.pk, 999_999], "assignee": "bob"})
    assert response.json() == {"assigned": 2}
    assert not kept.activities.exists()
    assert moved.activities.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"leadIds": [1], "assignee": "ghost"}, "assignee"),
        ({"leadIds": [1], "assignee": 5}, "assignee"),
        ({"leadIds": [1]}, "assignee"),
        ({"leadIds": [], "assignee": "bob"}, "leadIds"),
        ({"leadIds": "1", "assignee": "bob"}, "leadIds"),
        ({"leadIds": [True], "assignee": "bob"}, "leadIds"),
        ({"leadIds": [2**70], "assignee": "bob"}, "leadIds"),
    ],
)
def test_it_refuses_a_bad_assignment_with_field_errors(agent_client, bob, body, field):
    response = post(agent_client, body)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_it_refuses_anonymous_callers(client):
    assert post(client, {"leadIds": [1], "assignee": None}).status_code == 401


def test_it_filters_every_lead_list_by_assignee(agent_client, agent, bob):
    mine, bobs, nobodys = make_lead(assigned_to=agent), make_lead(assigned_to=bob), make_lead()

    def ids(query: str) -> set[int]:
        response = agent_client.get(f"/api/leads?{query}")
        assert response.status_code == 200, response.content
        return {lead["id"] for lead in response.json()["leads"]}

    assert ids("assignee=me") == {mine.pk}
    assert ids("assignee=bob") == {bobs.pk}
    assert ids("assignee=none") == {nobodys.pk}
    assert ids("") == {mine.pk, bobs.pk, nobodys.pk}
    assert agent_client.get("/api/leads?assignee=ghost").status_code == 400
    page = agent_client.get("/leads/?assignee=me").content.decode()
    assert f'id="lead-{mine.pk}"' in page and f'id="lead-{bobs.pk}"' not in page
    board = agent_client.get("/pipeline/?assignee=bob").content.decode()
    assert f'data-lead-id="{bobs.pk}"' in board and f'data-lead-id="{mine.pk}"' not in board


def test_it_assigns_the_ticked_rows_from_the_leads_table(agent_client, bob):
    leads = [make_lead() for _ in range(2)]
    response = agent_client.post(
        "/leads/assign/",
        {"lead": [str(lead.pk) for lead in leads], "assignee": "bob"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "leads-assigned"
    assert "Assigned 2 leads." in response.content.decode()
    assert Lead.objects.filter(assigned_to=bob).count() == 2


def test_it_assigns_all_leads_matching_the_filter(agent_client, bob):
    make_lead(zip_code="85004")
    make_lead(zip_code="85004")
    other = make_lead(zip_code="85034")
    agent_client.post(
        "/leads/assign/", {"all_matching": "1", "filter": "zip=85004", "assignee": "bob"}
    )
    assert Lead.objects.filter(assigned_to=bob).count() == 2
    other.refresh_from_db()
    assert other.assigned_to_id is None


def test_it_assigns_one_lead_from_its_page(agent_client, bob):
    lead = make_lead()
    response = agent_client.post(
        "/leads/assign/", {"lead": str(lead.pk), "lead_page": str(lead.pk), "assignee": "bob"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"
    lead.refresh_from_db()
    assert lead.assigned_to_id == bob.pk


def test_it_assigns_the_ticked_cards_from_the_board(agent_client, bob):
    leads = [make_lead() for _ in range(2)]
    response = agent_client.post(
        "/pipeline/assign/",
        {"lead": [str(lead.pk) for lead in leads], "assignee": "bob", "filter": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Assigned 2 leads." in html and "Agent: bob" in html
    assert Lead.objects.filter(assigned_to=bob).count() == 2
    refused = agent_client.post("/pipeline/assign/", {"assignee": "bob"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
