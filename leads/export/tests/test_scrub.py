"""The scrub a compliance officer would sign: what it leaves out, the counts per reason (before
the download and in the response headers), the export permission, and the export record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AgentPermissions
from leads.export.models import ExportRecord
from leads.export.tests.test_export import (
    CLEAN,
    LISTED,
    LITIGATOR,
    NEVER_CHECKED,
    ON_DNC,
    STALE,
    UNKNOWN,
    WRONG,
    csv_rows,
    make_leads,
    only_row,
)
from leads.models import ActivityKind, DoNotCall, Lead, WrongNumber
from leads.tests.factories import make_lead, make_phone

pytestmark = pytest.mark.django_db

API = "/api/leads/export.csv"


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def lead_with(*phones: dict, **fields) -> Lead:
    lead = make_lead(**fields)
    for n, phone in enumerate(phones):
        make_phone(lead, phone.pop("number", f"+1602555{1000 + n:04d}"), **phone)
    return lead


def test_it_counts_what_scrub_leaves_out_per_reason(agent_client):
    old = timezone.now() - dt.timedelta(days=32)
    lead_with({"dnc": True}, {"dnc": None}, {"dnc_checked_at": old}, {})  # one kept
    lead_with({"litigator": True})  # left out entirely
    lead_with({"do_not_call": True}, {"wrong_number": True})  # left out entirely
    response = agent_client.get(f"{API}?preset=generic&scrub=true")
    assert response.status_code == 200
    assert (response["X-Scrubbed-Numbers"], response["X-Scrubbed-Leads"]) == ("6", "2")
    reasons = dict(part.split("=") for part in response["X-Scrub-Reasons"].split(", "))
    assert reasons == {
        "internal_list": "1", "wrong_number": "1", "litigator": "1", "dnc": "1",
        "dnc_unknown": "1", "dnc_stale": "1",
    }  # fmt: skip
    assert len(body(response).splitlines()) == 2  # the heading and the one lead left
    preview = agent_client.get("/api/leads/export/preview?preset=generic&scrub=true").json()
    assert (preview["scrubbedNumbers"], preview["scrubbedLeads"], preview["rows"]) == (6, 2, 1)


def test_it_shows_the_counts_on_the_page_before_the_download(agent_client):
    lead_with({"dnc": True}, {})
    lead_with({"dnc_checked_at": None})
    page = agent_client.get("/leads/export/?preset=calltools&scrub=true").content.decode()
    assert "Scrub leaves out <strong>2</strong> numbers" in page
    assert "<strong>1</strong> lead with no number left" in page
    assert 'data-reason="dnc">1 on the DNC registry' in page
    assert 'data-reason="dnc_unknown">1 DNC status unknown' in page
    assert "/leads/export.csv?preset=calltools&amp;scrub=true" in page


def test_it_reads_the_internal_list_at_export_time(agent_client):
    """A number listed after its phone was stored (the mark not applied yet) is left out."""
    lead = lead_with({"number": "+16025550199"}, {"number": "+16025550198"})
    DoNotCall.objects.create(number="+16025550199")
    WrongNumber.objects.create(lead=lead, number="+16025550198")
    response = agent_client.get(f"{API}?scrub=true")
    assert "+16025550199" not in body(response)
    assert response["X-Scrubbed-Numbers"] == "2"
    assert response["X-Scrub-Reasons"] == "internal_list=1, wrong_number=1"


def test_it_leaves_out_a_listed_owner_read_at_export_time(agent_client):
    lead_with({}, normalized_mailing="9 E OAK AVE||85281")
    DoNotCall.objects.create(normalized_owner=Lead.objects.get().normalized_owner,
                             normalized_mailing="9 E OAK AVE||85281")  # fmt: skip
    response = agent_client.get(f"{API}?scrub=true")
    assert (response["X-Scrubbed-Numbers"], response["X-Scrubbed-Leads"]) == ("1", "1")


def test_it_says_nothing_was_scrubbed_when_scrub_is_off(agent_client):
    lead_with({"dnc": True})
    response = agent_client.get(f"{API}?preset=generic")
    assert (response["X-Scrubbed-Numbers"], response["X-Scrubbed-Leads"]) == ("0", "0")


def test_it_refuses_an_agent_without_the_export_permission_403_and_no_file(agent_client, agent):
    lead_with({})
    AgentPermissions.objects.create(user=agent, may_export=False)
    response = agent_client.get(f"{API}?preset=generic")
    assert response.status_code == 403
    assert not getattr(response, "streaming", False)
    assert response.json()["error"] == "permission_denied"
    assert response.json()["permission"] == "export"
    page = agent_client.get("/leads/export.csv")
    assert page.status_code == 403 and not page.streaming
    assert not ExportRecord.objects.exists()
    assert "Export CSV" not in agent_client.get("/leads/").content.decode()


def test_it_records_each_export_on_the_leads_it_held(agent_client, agent):
    held = lead_with({})
    left_out = lead_with({"dnc": True})
    response = agent_client.get(f"{API}?preset=batchdialer&scrub=true&zip=85034")
    body(response)
    record = ExportRecord.objects.get()
    assert (record.user, record.preset, record.rows, record.leads) == (agent, "batchdialer", 1, 1)
    assert record.filters == {"preset": "batchdialer", "scrub": "true", "zip": "85034"}
    assert (record.scrubbed_numbers, record.scrubbed_leads) == (1, 1)
    assert response["X-Export-Id"] == str(record.pk)
    [event] = held.activities.filter(kind=ActivityKind.EXPORTED)
    assert "BatchDialer" in event.text and event.data["preset"] == "batchdialer"
    assert not left_out.activities.filter(kind=ActivityKind.EXPORTED).exists()


def test_it_keeps_leads_not_exported_since_a_day(agent_client):
    exported, fresh = lead_with({}), lead_with({})
    body(agent_client.get(f"{API}?preset=generic&q={exported.owner_name}"))
    today = timezone.localdate()

    def ids(day: dt.date) -> set[int]:
        response = agent_client.get(f"/api/leads?notExportedSince={day.isoformat()}")
        assert response.status_code == 200
        return {lead["id"] for lead in response.json()["leads"]}

    assert ids(today) == {fresh.pk}
    assert ids(today + dt.timedelta(days=1)) == {exported.pk, fresh.pk}
    assert ids(today - dt.timedelta(days=30)) == {fresh.pk}
    assert agent_client.get("/api/leads?notExportedSince=yesterday").status_code == 400


PAGE = "/leads/export.csv"


def test_it_never_says_false_for_a_dnc_check_that_is_missing_or_too_old(agent_client):
    """Issue 10 item 4: a check older than 31 days reads "stale", a missing one "unknown"."""
    make_leads(phones=[STALE, NEVER_CHECKED, UNKNOWN, CLEAN, WRONG])
    row = only_row(agent_client.get(PAGE))
    assert [row[f"Phone {n} DNC"] for n in range(1, 6)] == [
        "stale",
        "unknown",
        "unknown",
        "false",
        "true",
    ]


def test_it_scrubs_every_number_that_must_not_be_dialled_or_is_not_known_clean(agent_client):
    make_leads(
        phones=[ON_DNC, CLEAN, LITIGATOR, UNKNOWN, LISTED, STALE, NEVER_CHECKED, WRONG],
        best_phone=CLEAN["number"],
    )
    response = agent_client.get(f"{PAGE}?scrub=true")
    row = only_row(response)
    assert row["best_phone"] == CLEAN["number"]
    assert row["all_phones"] == CLEAN["number"]
    assert [row["Phone 1"], row["Phone 2"], row["Phone 1 DNC"]] == [CLEAN["number"], "", "false"]
    assert (response["X-Scrubbed-Numbers"], response["X-Scrubbed-Leads"]) == ("7", "0")


def test_it_keeps_a_lead_without_phones_in_the_full_export_with_scrub(agent_client):
    make_leads()
    response = agent_client.get(f"{PAGE}?scrub=true")
    assert len(csv_rows(response)) == 1
    assert (response["X-Scrubbed-Numbers"], response["X-Scrubbed-Leads"]) == ("0", "0")
