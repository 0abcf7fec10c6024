"""Saved searches: stored without a search, refreshed through the normal search path within the
record limit and today's ATTOM cap, never re-adding a lead an agent removed."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.management import call_command

from billing.models import DailyCap, LedgerEntry, SpendDay
from leads.lists.models import LeadList, ListMembership
from leads.models import Lead
from leads.tests.factories import make_lead
from providers.sandbox import faults

pytestmark = pytest.mark.django_db

CENTS = 10_000
RECORD_MICROS = 10 * CENTS  # ATTOM's default price per record returned


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True


def post(client, url: str, body: object, method: str = "post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def save_search(client, **body) -> dict:
    response = post(client, "/api/saved-searches", {"name": "85034 absentee", **body})
    assert response.status_code == 201, response.content
    return response.json()


def refresh(client, list_id: int, **body):
    return post(client, f"/api/lists/{list_id}/refresh", body)


def test_it_stores_a_search_without_running_it(agent_client):
    body = save_search(agent_client, zip="85034", absentee=True, minBeds=3, dailyRefresh=True)

    assert body["kind"] == "saved_search"
    assert body["query"] == {"zip": "85034", "absentee": True, "minBeds": 3}
    assert body["dailyRefresh"] is True
    assert body["maxRecords"] == 100
    assert faults.request_count("attom") == 0
    assert not LedgerEntry.objects.exists()
    assert LeadList.objects.get(pk=body["id"]).query == body["query"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"zip": "85034", "name": ""}, "name"),
        ({"zip": "ABCDE"}, "zip"),
        ({"zip": "85034", "maxRecords": 0}, "maxRecords"),
        ({"zip": "85034", "dailyRefresh": "maybe"}, "dailyRefresh"),
        ({"zip": "85034", "minBeds": [3]}, "minBeds"),
        ({}, "__all__"),
    ],
)
def test_it_refuses_a_bad_saved_search_with_field_errors(agent_client, body, field):
    response = post(agent_client, "/api/saved-searches", {"name": "x", **body})

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_it_previews_the_most_a_refresh_can_cost_and_the_budget_left(agent_client):
    saved = save_search(agent_client, zip="85034")

    response = refresh(agent_client, saved["id"], maxRecords=150, preview=True)

    assert response.status_code == 200
    body = response.json()
    assert body["maxCostCents"] == 150 * 10  # two ATTOM pages of 75 records
    assert body["budgetLeftCents"] == 1500  # the default ATTOM cap, nothing spent
    assert faults.request_count("attom") == 0


def test_it_adds_what_a_refresh_finds_and_counts_it(agent_client):
    saved = save_search(agent_client, zip="85034", maxRecords=50)

    response = refresh(agent_client, saved["id"])

    assert response.status_code == 200
    body = response.json()
    assert body["fetched"] == 50
    assert body["new"] == ListMembership.objects.filter(lead_list_id=saved["id"]).count() > 0
    assert (body["alreadyOn"], body["removedSkipped"], body["stoppedAtCap"]) == (0, 0, False)
    assert body["costCents"] == 50 * 10
    listed = agent_client.get(f"/api/lists/{saved['id']}").json()
    assert listed["newSinceLastRefresh"] == body["new"]
    assert listed["lastRefreshedAt"] is not None


def test_it_counts_as_new_exactly_the_leads_not_on_the_list(agent_client):
    saved = save_search(agent_client, zip="85034", maxRecords=50)
    first = refresh(agent_client, saved["id"]).json()
    on_list = set(ListMembership.objects.values_list("lead_id", flat=True))

    second = refresh(agent_client, saved["id"], maxRecords=100).json()

    now_on = set(ListMembership.objects.values_list("lead_id", flat=True))
    assert second["new"] == len(now_on - on_list) > 0
    assert second["alreadyOn"] == first["new"]
    assert (
        agent_client.get(f"/api/lists/{saved['id']}").json()["newSinceLastRefresh"]
        == (second["new"])
    )
    # Reading the list through the API does not reset the count.
    assert (
        agent_client.get(f"/api/lists/{saved['id']}").json()["newSinceLastRefresh"]
        == (second["new"])
    )


def test_it_never_adds_back_a_lead_an_agent_removed(agent_client):
    saved = save_search(agent_client, zip="85034", maxRecords=25)
    refresh(agent_client, saved["id"])
    removed = ListMembership.objects.filter(lead_list_id=saved["id"]).values_list(
        "lead_id", flat=True
    )[0]
    post(agent_client, f"/api/lists/{saved['id']}/leads", {"leadIds": [removed]}, "delete")
    cache.clear()  # ATTOM is asked again and returns the removed lead again

    body = refresh(agent_client, saved["id"]).json()

    assert body["removedSkipped"] == 1
    assert body["new"] == 0
    assert ListMembership.objects.get(lead_id=removed).removed_at is not None
    lead = agent_client.get(f"/api/leads/{removed}").json()
    assert lead["listCount"] == 0


def test_it_stops_at_the_cap_with_the_whole_pages_it_could_pay(agent_client):
    DailyCap.objects.create(provider="attom", cap_micros=250 * RECORD_MICROS)
    saved = save_search(agent_client, zip="85034", maxRecords=347)  # 4 pages of 87

    response = refresh(agent_client, saved["id"])

    body = response.json()
    assert response.status_code == 200
    assert body["stoppedAtCap"] is True
    assert body["fetched"] == 2 * 87
    assert body["costCents"] == 2 * 87 * 10
    day = SpendDay.objects.get(provider="attom")
    assert day.settled_micros == 2 * 87 * RECORD_MICROS <= 250 * RECORD_MICROS
    assert day.reserved_micros == 0


def test_it_refuses_with_429_and_spends_nothing_when_no_page_can_be_paid(agent_client):
    DailyCap.objects.create(provider="attom", cap_micros=40 * RECORD_MICROS)
    saved = save_search(agent_client, zip="85034", maxRecords=50)

    response = refresh(agent_client, saved["id"])

    assert response.status_code == 429
    assert response.json()["error"] == "daily_cap_exceeded"
    assert faults.request_count("attom") == 0
    assert SpendDay.objects.get(provider="attom").settled_micros == 0
    assert not ListMembership.objects.exists()


def test_it_refuses_to_refresh_a_list_that_is_not_a_saved_search(agent_client):
    manual = post(agent_client, "/api/lists", {"name": "Mine"}).json()

    response = refresh(agent_client, manual["id"])

    assert response.status_code == 400
    assert response.json()["error"] == "not_saved_search"


def test_it_lets_agents_add_and_remove_by_hand_on_a_saved_search(agent_client):
    saved = save_search(agent_client, zip="85034")
    lead = make_lead()

    added = post(agent_client, f"/api/lists/{saved['id']}/leads", {"leadIds": [lead.pk]})

    assert added.json() == {"added": 1, "alreadyOn": 0}


def test_it_narrows_what_a_refresh_adds_by_the_filters_attom_cannot_apply(agent_client):
    saved = save_search(agent_client, zip="85034", maxRecords=100, ownerType="trust")

    body = refresh(agent_client, saved["id"]).json()

    assert body["fetched"] == 100
    on_list = Lead.objects.filter(list_memberships__lead_list_id=saved["id"])
    assert body["new"] == on_list.count() < 100
    assert all("TR" in lead.owner_name.upper() for lead in on_list)


def test_the_command_refreshes_daily_lists_and_stops_cleanly_at_the_cap(agent_client, capsys):
    DailyCap.objects.create(provider="attom", cap_micros=60 * RECORD_MICROS)
    daily = save_search(agent_client, name="A", zip="85034", maxRecords=50, dailyRefresh=True)
    save_search(agent_client, name="B", zip="85035", maxRecords=50)  # not daily
    left = save_search(agent_client, name="C", zip="85008", maxRecords=50, dailyRefresh=True)

    call_command("refresh_saved_searches")

    out = capsys.readouterr().out
    assert LeadList.objects.get(pk=daily["id"]).last_refreshed_at is not None
    assert LeadList.objects.get(pk=left["id"]).last_refreshed_at is None
    assert "A: 50 fetched" in out
    assert "Stopped at the cap" in out and "1 list left: C." in out
    assert SpendDay.objects.get(provider="attom").settled_micros == 50 * RECORD_MICROS
