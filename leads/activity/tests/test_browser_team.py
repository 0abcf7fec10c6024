"""Working leads as a team, in a real browser under the strict CSP with no console errors:
a note, a task seen in "My tasks", an assignment, a dialer export with scrub, a dispositions
import, and its calls on the timeline and its stage moves on the board."""

from __future__ import annotations

import csv
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from leads.models import Lead, Stage
from leads.skiptrace.compliance import refresh_compliance
from leads.tests.factories import make_lead, make_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INTERESTED, NOT_INTERESTED, ON_DNC = "+16025550101", "+16025550102", "+16025550103"


@pytest.fixture
def agent_page(logged_in_page: Page) -> Iterator[Page]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    logged_in_page.on("console", on_console)
    logged_in_page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    yield logged_in_page
    csp = [e for e in errors if "Content Security Policy" in e or "Refused to" in e]
    assert csp == [], f"CSP violations: {csp}"
    assert errors == [], f"console errors: {errors}"


@pytest.fixture
def leads() -> list[Lead]:
    made = []
    for n, number in enumerate((INTERESTED, NOT_INTERESTED)):
        lead = make_lead(street=f"{10 + n} OAK ST", owner_name=f"OWNER {n}", position=n)
        make_phone(lead, number, score=90)
        make_phone(lead, ON_DNC if n == 0 else "+16025550104", dnc=n == 0, score=10)
        made.append(refresh_compliance(lead))
    return made


def test_it_works_a_lead_from_note_to_dialer_and_back(agent_page: Page, leads, tmp_path):
    page = agent_page
    lead, other = leads

    # A note and a task on the lead page, without a reload.
    page.goto(f"/leads/{lead.pk}/")
    page.fill("#id_text", "Owner wants an offer before June.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#timeline")).to_contain_text("Owner wants an offer before June.")
    page.fill("#id_title", "Send the offer")
    page.fill("#id_due", timezone.localdate().isoformat())
    page.get_by_role("button", name="Add task").click()
    expect(page.locator("#lead-tasks")).to_contain_text("Send the offer")
    expect(page.locator("#timeline")).to_contain_text("Task created")

    # "My tasks" lists it.
    page.get_by_role("link", name="Tasks").click()
    expect(page.locator("#task-list")).to_contain_text("Send the offer")
    expect(page.locator("#task-list")).to_contain_text("10 OAK ST")

    # Assign both leads from the Leads table.
    page.goto("/leads/")
    for each in leads:
        page.locator(f"#lead-{each.pk} .row-select").check()
    page.select_option("#bulk-assignee", "agent")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("#assign-status")).to_contain_text("Assigned 2 leads.")
    expect(page.locator(f"#lead-{lead.pk}")).to_contain_text("Agent: agent")

    export_for_calltools(page)
    import_results(page, tmp_path)

    # The calls are on the timeline, the moves on the board.
    page.goto(f"/leads/{lead.pk}/")
    expect(page.locator("#timeline")).to_contain_text("Called +16025550101: Interested")
    page.goto("/pipeline/")
    follow_up = page.locator(f'ul[data-sortable-stage="{Stage.FOLLOW_UP}"]')
    dead = page.locator(f'ul[data-sortable-stage="{Stage.DEAD}"]')
    expect(follow_up.locator(f'li.kcard[data-lead-id="{lead.pk}"]')).to_have_count(1)
    expect(dead.locator(f'li.kcard[data-lead-id="{other.pk}"]')).to_have_count(1)
    expect(follow_up.locator(f'li.kcard[data-lead-id="{lead.pk}"]')).to_contain_text("Next:")


def export_for_calltools(page: Page) -> None:
    """A CallTools export with scrub, from the Leads table: the counts first, then the file."""
    page.get_by_role("link", name="Export CSV…").click()
    page.get_by_label("Dialer preset").select_option("calltools")
    page.get_by_label("Scrub (leave out numbers not to dial)").select_option("true")
    summary = page.locator("#scrub-summary")
    expect(summary).to_contain_text("Scrub leaves out 1 number")
    expect(summary).to_contain_text("1 on the DNC registry")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    with open(download_info.value.path(), encoding="utf-8") as exported:
        rows = list(csv.reader(exported))
    assert rows[0] == ["first name", "last name", "address", "city", "state", "zip", "phone"]
    assert sorted(row[-1] for row in rows[1:]) == ["6025550101", "6025550102", "6025550104"]


def import_results(page: Page, tmp_path) -> None:
    """The dialer's results come back."""
    results = tmp_path / "calls.csv"
    results.write_text(
        "phone,disposition,time,agent,notes\n"
        "(602) 555-0101,Interested,2026-03-02 10:30,amy,wants a call Tuesday\n"
        "602-555-0102,Not Interested,2026-03-02 10:35,amy,\n"
    )
    page.goto("/leads/dispositions/")
    page.set_input_files("#id_file", str(results))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-result")).to_contain_text("Imported 2 of 2 calls")
    expect(page.locator("#result-moves")).to_contain_text("2 leads moved")
