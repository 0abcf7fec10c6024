"""Importing a dialer's call results: matching by phone in any format, the disposition
mapping's actions, unmatched rows with their reasons, and the same file twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from leads.export.models import DispositionAction, DispositionImport, DispositionRule
from leads.models import ActivityKind, DoNotCall, FollowUpTask, Lead, Stage
from leads.skiptrace.compliance import refresh_compliance
from leads.tests.factories import make_lead, make_phone

pytestmark = pytest.mark.django_db

API = "/api/dispositions"
A, B, C = "+16025550101", "+16025550102", "+16025550103"


def upload(client, text: str, preset: str = "generic", name: str = "calls.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode("utf-8"), "text/csv"), "preset": preset}
    return client.post(API, data)


@pytest.fixture
def leads():
    """Three leads, each with its number (best phone) and a second one."""
    made = []
    for n, number in enumerate((A, B, C)):
        lead = make_lead()
        make_phone(lead, number, score=90)
        make_phone(lead, f"+1480555{n:04d}", score=10)
        made.append(refresh_compliance(lead))
    return made


FILE = """phone,disposition,time,agent,notes
(602) 555-0101,Do Not Call,2026-03-02 10:15,amy,asked to be removed
602.555.0102,WRONG_NUMBER,2026-03-02T10:20:00-07:00,amy,
16025550103,Interested,2026-03-02 10:30,bob,call back Tuesday
+1 (480) 555-0000,not interested,,bob,
999,Interested,,bob,
+16235550199,Interested,,bob,
,Interested,,bob,
+14805550001,,,bob,
"""


def test_it_imports_the_generic_file_and_applies_each_disposition(agent_client, leads):
    response = upload(agent_client, FILE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows"], body["matched"]) == (8, 4)
    assert body["unmatched"] == [
        {"row": 6, "reason": "not a phone number: '999'"},
        {"row": 7, "reason": "no lead has +16235550199"},
        {"row": 8, "reason": "no phone number"},
        {"row": 9, "reason": "no disposition"},
    ]
    assert (body["doNotCall"], body["wrongNumbers"]) == (1, 1)
    assert (body["stageMoves"], body["tasksCreated"]) == (2, 1)

    first, second, third = (Lead.objects.get(pk=lead.pk) for lead in leads)
    assert DoNotCall.objects.filter(number=A).exists()
    assert first.best_phone == "+14805550000"  # the listed number is never the best phone
    assert second.phones.get(number=B).wrong_number and second.best_phone != B
    assert (third.stage, first.stage) == (Stage.FOLLOW_UP, Stage.DEAD)  # not interested: +1480…0
    task = FollowUpTask.objects.get()
    assert (task.lead_id, task.due) == (third.pk, dt.date(2026, 3, 3))


def test_it_puts_each_call_on_the_timeline_at_its_time(agent_client, leads):
    upload(agent_client, FILE)
    call = leads[2].activities.get(kind=ActivityKind.CALLED)
    assert call.text == "Called +16025550103: Interested (agent bob) — call back Tuesday"
    assert timezone.localtime(call.at).replace(tzinfo=None) == dt.datetime(2026, 3, 2, 10, 30)
    assert call.data["rightParty"] is True
    kinds = list(leads[2].activities.values_list("kind", flat=True))
    assert {"called", "moved", "task_created"} <= set(kinds)
    assert leads[0].activities.filter(kind=ActivityKind.DO_NOT_CALL).exists()


def test_it_changes_nothing_when_the_same_file_comes_again(agent_client, leads):
    first = upload(agent_client, FILE).json()
    events = Lead.objects.get(pk=leads[2].pk).activities.count()
    again = upload(agent_client, FILE, name="renamed.csv").json()
    assert again["matched"] == 0
    assert again["duplicateOf"] == first["id"]
    assert DispositionImport.objects.count() == 1
    assert FollowUpTask.objects.count() == 1
    assert Lead.objects.get(pk=leads[2].pk).activities.count() == events


def test_a_do_not_call_disposition_keeps_the_number_out_of_every_later_export(agent_client, leads):
    upload(agent_client, "phone,disposition\n6025550101,do not call\n")
    Lead.objects.filter(pk=leads[0].pk).update(best_phone=A)  # even a stale best phone
    text = b"".join(
        agent_client.get("/api/leads/export.csv?preset=generic&scrub=true").streaming_content
    )
    assert b"+16025550101" not in text
    unscrubbed = b"".join(
        agent_client.get("/api/leads/export.csv?preset=generic").streaming_content
    )
    assert b"+16025550101,true" in unscrubbed  # its DNC column says so without scrub too


PRESET_FILES = [
    ("batchdialer", "Phone,Disposition,Call Date,Agent,Comments",
     "6025550103,Interested,03/02/2026 10:30,amy,hi"),
    ("calltools", "phone,disposition,call start,agent,notes",
     "6025550103,interested,2026-03-02 10:30,amy,hi"),
    ("readymode", "Primary Phone,Disposition,Call Date,Agent,Notes",
     "(602) 555-0103,INTERESTED,2026-03-02,amy,hi"),
    ("convoso", "phone_number,status_name,call_date,user,comments",
     "6025550103,Interested,2026-03-02 10:30:00,amy,hi"),
    ("generic", "Phone,DISPOSITION,Time,Agent,Notes",
     "6025550103,Interested,2026-03-02 10:30,amy,hi"),
]  # fmt: skip


@pytest.mark.parametrize(("preset", "heading", "row"), PRESET_FILES)
def test_each_preset_reads_its_dialers_columns(agent_client, leads, preset, heading, row):
    body = upload(agent_client, f"{heading}\n{row}\n", preset=preset).json()
    assert (body["matched"], body["stageMoves"], body["tasksCreated"]) == (1, 1, 1)
    assert Lead.objects.get(pk=leads[2].pk).stage == Stage.FOLLOW_UP


def test_it_reads_a_tab_delimited_file(agent_client, leads):
    body = upload(agent_client, "phone\tdisposition\n6025550103\tinterested\n").json()
    assert body["matched"] == 1


def test_it_follows_the_mapping_an_admin_changed(agent_client, leads):
    DispositionRule.objects.update_or_create(
        label="not interested", defaults={"action": DispositionAction.NONE}
    )
    DispositionRule.objects.create(
        label="hot lead", action=DispositionAction.FOLLOW_UP, right_party=True
    )
    body = upload(
        agent_client, "phone,disposition\n6025550101,Not Interested\n6025550102,Hot-Lead\n"
    ).json()
    assert (body["stageMoves"], body["tasksCreated"]) == (1, 1)
    assert Lead.objects.get(pk=leads[0].pk).stage == Stage.NEW
    assert Lead.objects.get(pk=leads[1].pk).stage == Stage.FOLLOW_UP


def test_it_records_an_unknown_disposition_as_a_call_only(agent_client, leads):
    body = upload(agent_client, "phone,disposition\n6025550101,Spoke to tenant\n").json()
    assert (body["matched"], body["stageMoves"], body["doNotCall"]) == (1, 0, 0)
    assert body["unknownDispositions"] == ["Spoke to tenant"]
    assert leads[0].activities.filter(kind=ActivityKind.CALLED).exists()


@pytest.mark.parametrize(
    ("text", "preset"),
    [
        ("number,result\n6025550101,interested\n", "generic"),
        ("", "generic"),
        ("phone,disposition\n6025550101,interested\n", "five9"),
        ("phone,disposition\n\x00\n", "generic"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_with_field_errors(agent_client, leads, text, preset):
    response = upload(agent_client, text, preset=preset)
    assert response.status_code == 400
    assert set(response.json()["fields"]) & {"file", "preset"}
    assert not DispositionImport.objects.exists()


def test_it_refuses_anonymous_callers(client):
    from django.test import Client

    assert Client().post(API, {}).status_code == 401


def test_it_imports_from_the_page(agent_client, leads):
    data = {
        "file": SimpleUploadedFile("c.csv", b"phone,disposition\n6025550103,appointment\n"),
        "preset": "generic",
    }
    response = agent_client.post("/leads/dispositions/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Imported 1 of 1 call" in response.content.decode()
