"""The Leads table and the lead page in a real browser, under the strict CSP with no console
errors: a bad filter is marked and focused, and an owner-wide do-not-call mark is confirmed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from leads.models import DoNotCall
from leads.tests.factories import make_lead, make_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bad_filter_is_marked_described_and_focused(logged_in_page: Page, console_errors):
    page = logged_in_page
    page.goto("/leads/")
    zip_field = page.locator("#id_zip")

    zip_field.fill("abc")
    page.locator("#id_stage").focus()  # leaving the field sends the filter (htmx `change`)

    expect(page.locator("#lead-table .form-errors")).to_contain_text("ZIP: Enter a 5-digit ZIP")
    expect(zip_field).to_have_attribute("aria-invalid", "true")
    expect(zip_field).to_have_attribute("aria-describedby", "id_zip_summary")
    expect(zip_field).to_be_focused()

    zip_field.fill("85034")
    page.locator("#id_stage").focus()

    expect(page.locator("#lead-table .alert-error")).to_have_count(0)
    expect(zip_field).not_to_have_attribute("aria-invalid", "true")
    # The bad filter's 400 is the only thing the browser logged: no CSP refusal, no exception.
    assert console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]


def test_marking_the_owner_do_not_call_asks_first(agent_page: Page):
    lead = make_lead(normalized_mailing="1 A ST||85034", skip_trace_status="matched")
    make_phone(lead, "+16025550143")
    page = agent_page
    page.goto(f"/leads/{lead.pk}/")
    expect(page.locator(f"#contacts-{lead.pk}")).to_contain_text("(602) 555-0143")

    page.get_by_role("button", name="Mark as do not call…").click()

    expect(page.get_by_role("group")).to_contain_text("as do not call?")
    assert not DoNotCall.objects.exists()
    page.get_by_role("button", name="Yes, mark as do not call").click()
    expect(page.locator(f"#contacts-{lead.pk}")).to_contain_text("Do not call or text this owner.")
    assert DoNotCall.objects.count() == 1
