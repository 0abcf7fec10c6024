"""The lead page's notes, tasks and timeline (htmx), "My tasks", the overdue count in the
navigation and the board's next task: each in a number of queries that does not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.activity.followups import task_create
from leads.activity.services import lead_activity_record, note_add
from leads.models import ActivityKind, FollowUpTask
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def day(offset: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=offset)


def test_it_adds_a_note_from_the_lead_page_without_a_reload(agent_client):
    lead = make_lead()
    response = agent_client.post(
        f"/leads/{lead.pk}/notes/", {"text": "Owner is <b>keen</b>"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the work region only
    assert "Owner is &lt;b&gt;keen&lt;/b&gt;" in html
    assert lead.activities.get().kind == ActivityKind.NOTE


def test_it_shows_a_bad_note_as_a_form_error(agent_client):
    lead = make_lead()
    response = agent_client.post(f"/leads/{lead.pk}/notes/", {"text": ""}, **HTMX)
    assert response.status_code == 400
    assert not lead.activities.exists()


def test_it_creates_and_finishes_a_task_from_the_lead_page(agent_client, agent):
    lead = make_lead()
    data = {"title": "Call back", "due": day(1).isoformat(), "assignee": "me"}
    response = agent_client.post(f"/leads/{lead.pk}/tasks/", data, **HTMX)
    assert response.status_code == 200 and "Call back" in response.content.decode()
    task = FollowUpTask.objects.get()
    assert task.assignee == agent
    agent_client.post(f"/tasks/{task.pk}/done/", {"from": "lead", "done": "1"}, **HTMX)
    task.refresh_from_db()
    assert task.done


def test_it_shows_the_lead_timeline_in_a_constant_number_of_queries(agent_client, agent):
    lead = make_lead()
    note_add(lead_id=lead.pk, user_id=agent.pk, text="first")
    few = queries(agent_client, f"/leads/{lead.pk}/")
    for n in range(30):
        lead_activity_record(lead_id=lead.pk, kind=ActivityKind.NOTE, user_id=agent.pk, text=f"{n}")
        task_create(lead_id=lead.pk, title=f"t{n}", due=day(n), assignee_id=agent.pk, user_id=None)
    assert queries(agent_client, f"/leads/{lead.pk}/") == few


def test_my_tasks_shows_overdue_and_today_first(agent_client, agent):
    lead = make_lead(street="9 OAK ST")
    task_create(lead_id=lead.pk, title="Soon", due=day(2), assignee_id=agent.pk, user_id=None)
    task_create(lead_id=lead.pk, title="Late", due=day(-3), assignee_id=agent.pk, user_id=None)
    task_create(lead_id=lead.pk, title="Now", due=day(0), assignee_id=agent.pk, user_id=None)
    task_create(lead_id=lead.pk, title="Not mine", due=day(0), assignee_id=None, user_id=None)
    html = agent_client.get("/tasks/").content.decode()
    assert html.index("Late") < html.index("Now") < html.index("Soon")
    assert "Not mine" not in html and "9 OAK ST" in html
    assert 'id="overdue-count"' in html  # the navigation's count of overdue tasks
    assert "Not mine" in agent_client.get("/tasks/?assignee=").content.decode()


def test_the_navigation_counts_only_my_open_overdue_tasks(agent_client, agent):
    lead = make_lead()
    task_create(lead_id=lead.pk, title="a", due=day(-1), assignee_id=agent.pk, user_id=None)
    task_create(lead_id=lead.pk, title="b", due=day(-2), assignee_id=agent.pk, user_id=None)
    task_create(lead_id=lead.pk, title="c", due=day(0), assignee_id=agent.pk, user_id=None)
    done = task_create(lead_id=lead.pk, title="d", due=day(-1), assignee_id=agent.pk, user_id=None)
    FollowUpTask.objects.filter(pk=done.pk).update(done=True)
    html = agent_client.get("/leads/").content.decode()
    assert 'id="overdue-count" title="Overdue tasks">2<' in html


def test_my_tasks_takes_a_constant_number_of_queries(agent_client, agent):
    def add(count: int) -> None:
        for n in range(count):
            task_create(lead_id=make_lead().pk, title=f"t{n}", due=day(n % 5 - 2),
                        assignee_id=agent.pk, user_id=None)  # fmt: skip

    add(3)
    few = queries(agent_client, "/tasks/")
    add(30)
    assert queries(agent_client, "/tasks/") == few


def test_the_board_shows_next_tasks_in_a_constant_number_of_queries(agent_client, agent):
    def add(count: int) -> None:
        for n in range(count):
            lead = make_lead(assigned_to=agent, position=n + 100)
            task_create(
                lead_id=lead.pk, title=f"Call {n}", due=day(-1), assignee_id=None, user_id=None
            )

    add(3)
    few = queries(agent_client, "/pipeline/")
    add(20)
    assert queries(agent_client, "/pipeline/") == few
    html = agent_client.get("/pipeline/").content.decode()
    assert 'class="next-task overdue">Next: Call 0' in html
    assert "Agent: agent" in html
