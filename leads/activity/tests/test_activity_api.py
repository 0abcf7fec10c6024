"""The notes and timeline API: `POST /api/leads/<id>/notes`, `GET /api/leads/<id>/activity`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from leads.activity.services import lead_activity_record
from leads.models import ActivityKind
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db


def post(client, url: str, body: object):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_it_adds_a_note_and_answers_201_with_it(agent_client, agent):
    lead = make_lead()
    response = post(agent_client, f"/api/leads/{lead.pk}/notes", {"text": "Call after 5pm."})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "text", "author", "createdAt"}
    assert (body["text"], body["author"]) == ("Call after 5pm.", "agent")
    assert dt.datetime.fromisoformat(body["createdAt"])
    [event] = agent_client.get(f"/api/leads/{lead.pk}/activity").json()["events"]
    assert event == {
        "at": body["createdAt"], "kind": "note", "user": "agent", "text": "Call after 5pm."
    }  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "   "}, {"text": 5}, {"text": ["a"]}, {"text": "a\x00b"},
     {"text": "x" * 10_001}],
)  # fmt: skip
def test_it_refuses_a_note_without_text_with_field_errors(agent_client, body):
    lead = make_lead()
    response = post(agent_client, f"/api/leads/{lead.pk}/notes", body)
    assert response.status_code == 400
    assert "text" in response.json()["fields"]
    assert not lead.activities.exists()


def test_it_answers_404_for_a_note_on_no_lead(agent_client):
    assert post(agent_client, "/api/leads/999999/notes", {"text": "x"}).status_code == 404
    assert agent_client.get("/api/leads/999999/activity").status_code == 404


def test_it_refuses_anonymous_callers(client):
    lead = make_lead()
    assert post(client, f"/api/leads/{lead.pk}/notes", {"text": "x"}).status_code == 401
    assert client.get(f"/api/leads/{lead.pk}/activity").status_code == 401


def test_it_lists_events_newest_first(agent_client):
    lead = make_lead()
    now = timezone.now()
    for hours, kind in ((3, ActivityKind.CREATED), (1, ActivityKind.MOVED), (2, ActivityKind.NOTE)):
        lead_activity_record(lead_id=lead.pk, kind=kind, at=now - dt.timedelta(hours=hours))
    events = agent_client.get(f"/api/leads/{lead.pk}/activity").json()["events"]
    assert [e["kind"] for e in events] == ["moved", "note", "created"]
    assert all(set(e) == {"at", "kind", "user", "text"} for e in events)


def test_it_limits_the_timeline_when_asked(agent_client):
    lead = make_lead()
    for _ in range(5):
        lead_activity_record(lead_id=lead.pk, kind=ActivityKind.NOTE)
    assert len(agent_client.get(f"/api/leads/{lead.pk}/activity?limit=2").json()["events"]) == 2
    for bad in ("0", "x", "99999999999999999999", "１"):
        assert agent_client.get(f"/api/leads/{lead.pk}/activity?limit={bad}").status_code == 400


def test_it_reads_the_timeline_in_a_constant_number_of_queries(
    agent_client, django_assert_max_num_queries, django_user_model
):
    lead = make_lead()
    for n in range(30):
        user = django_user_model.objects.create_user(f"user{n}")
        lead_activity_record(lead_id=lead.pk, kind=ActivityKind.NOTE, user_id=user.pk)
    with django_assert_max_num_queries(4):  # session, user, the lead exists, the events
        response = agent_client.get(f"/api/leads/{lead.pk}/activity")
    assert len(response.json()["events"]) == 30
