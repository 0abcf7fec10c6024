"""The tasks API: create on a lead, list by due date and assignee, mark done."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from leads.activity.models import FollowUpTask
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

TASK_KEYS = {"id", "leadId", "title", "due", "assignee", "done"}


def post(client, url: str, body: object):
    return client.post(url, json.dumps(body), content_type="application/json")


def day(offset: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


def make_task(client, lead, title: str, offset: int, **extra) -> dict:
    body = {"title": title, "due": day(offset), **extra}
    response = post(client, f"/api/leads/{lead.pk}/tasks", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_it_creates_a_task_and_answers_the_task_object(agent_client, agent):
    lead = make_lead()
    task = make_task(agent_client, lead, "Call back", 1, assignee="agent")
    assert set(task) == TASK_KEYS
    assert task["leadId"] == lead.pk and task["due"] == day(1)
    assert (task["assignee"], task["done"]) == ("agent", False)
    events = agent_client.get(f"/api/leads/{lead.pk}/activity").json()["events"]
    assert [e["kind"] for e in events] == ["task_created"]


def test_it_gives_the_task_to_the_caller_without_an_assignee_and_to_nobody_for_null(
    agent_client,
):
    lead = make_lead()
    assert make_task(agent_client, lead, "Mine", 0)["assignee"] == "agent"
    assert make_task(agent_client, lead, "Nobody's", 0, assignee=None)["assignee"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"due": "2030-01-01"},
        {"title": "", "due": "2030-01-01"},
        {"title": "x"},
        {"title": "x", "due": "01/02/2030"},
        {"title": "x", "due": "2030-02-30"},
        {"title": "x", "due": 20300101},
        {"title": "x", "due": "2030-01-01", "assignee": "nobody-here"},
        {"title": "x", "due": "2030-01-01", "assignee": 7},
        {"title": "x" * 201, "due": "2030-01-01"},
    ],
)
def test_it_refuses_a_bad_task_with_field_errors(agent_client, body):
    lead = make_lead()
    response = post(agent_client, f"/api/leads/{lead.pk}/tasks", body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["fields"]
    assert not FollowUpTask.objects.exists()


def test_it_lists_tasks_by_due_day(agent_client):
    lead = make_lead()
    late = make_task(agent_client, lead, "Late", -2)
    today = make_task(agent_client, lead, "Today", 0)
    soon = make_task(agent_client, lead, "Soon", 3)

    def titles(query: str) -> list[str]:
        response = agent_client.get(f"/api/tasks?{query}")
        assert response.status_code == 200
        return [t["title"] for t in response.json()["tasks"]]

    assert titles("due=today") == ["Today"]
    assert titles("due=overdue") == ["Late"]
    assert titles("due=upcoming") == ["Soon"]
    assert titles("") == ["Late", "Today", "Soon"]
    assert {t["id"] for t in agent_client.get("/api/tasks").json()["tasks"]} == {
        late["id"], today["id"], soon["id"],
    }  # fmt: skip


def test_it_lists_open_tasks_unless_done_ones_are_asked_for(agent_client):
    lead = make_lead()
    task = make_task(agent_client, lead, "Done one", 0)
    make_task(agent_client, lead, "Open one", 0)
    response = post(agent_client, f"/api/tasks/{task['id']}/done", {})
    assert response.status_code == 200
    assert response.json() == {**task, "done": True}
    assert [t["title"] for t in agent_client.get("/api/tasks").json()["tasks"]] == ["Open one"]
    everything = agent_client.get("/api/tasks?includeDone=true").json()["tasks"]
    assert {t["title"] for t in everything} == {"Done one", "Open one"}


def test_it_records_done_once_and_can_open_a_task_again(agent_client):
    lead = make_lead()
    task = make_task(agent_client, lead, "Call", 0)
    post(agent_client, f"/api/tasks/{task['id']}/done", {})
    post(agent_client, f"/api/tasks/{task['id']}/done", {})
    kinds = [e["kind"] for e in agent_client.get(f"/api/leads/{lead.pk}/activity").json()["events"]]
    assert kinds.count("task_done") == 1
    assert (
        post(agent_client, f"/api/tasks/{task['id']}/done", {"done": False}).json()["done"] is False
    )


def test_it_filters_tasks_by_assignee(agent_client, django_user_model):
    django_user_model.objects.create_user("bob")
    lead = make_lead()
    make_task(agent_client, lead, "Mine", 0)
    make_task(agent_client, lead, "Bob's", 0, assignee="bob")
    make_task(agent_client, lead, "Nobody's", 0, assignee=None)

    def titles(query: str) -> set[str]:
        return {t["title"] for t in agent_client.get(f"/api/tasks?{query}").json()["tasks"]}

    assert titles("assignee=me") == {"Mine"}
    assert titles("assignee=bob") == {"Bob's"}
    assert titles("assignee=none") == {"Nobody's"}
    assert titles("") == {"Mine", "Bob's", "Nobody's"}


@pytest.mark.parametrize("query", ["due=yesterday", "assignee=ghost", "includeDone=maybe"])
def test_it_refuses_bad_task_filters(agent_client, query):
    response = agent_client.get(f"/api/tasks?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["fields"]


def test_it_answers_404_for_unknown_tasks_and_leads(agent_client):
    assert post(agent_client, "/api/tasks/999999/done", {}).status_code == 404
    body = {"title": "x", "due": day(0)}
    assert post(agent_client, "/api/leads/999999/tasks", body).status_code == 404


def test_it_refuses_a_done_flag_that_is_not_a_boolean(agent_client):
    lead = make_lead()
    task = make_task(agent_client, lead, "Call", 0)
    assert post(agent_client, f"/api/tasks/{task['id']}/done", {"done": "yes"}).status_code == 400


def test_it_lists_tasks_in_a_constant_number_of_queries(
    agent_client, django_assert_max_num_queries
):
    for n in range(20):
        make_task(agent_client, make_lead(), f"Task {n}", n % 3 - 1)
    with django_assert_max_num_queries(4):
        response = agent_client.get("/api/tasks")
    assert len(response.json()["tasks"]) == 20
