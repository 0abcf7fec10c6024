"""Lists in a real browser, under the strict CSP with no console errors: save a search and
refresh it, import a CSV with bad rows, and filter the Leads list to stacked leads.

Providers answer from the sandbox; background tasks run at once (ImmediateBackend).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from leads.lists.models import LeadList
from leads.models import Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def save_and_refresh(page: Page) -> LeadList:
    page.goto("/")
    page.fill("#id_zip", "85034")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results .result-header")).to_contain_text("347 properties")
    page.fill("#save-name", "Phoenix 85034")
    page.fill("#save-max", "30")
    page.get_by_role("button", name="Save as list").click()
    page.wait_for_url("**/lists/*/")
    expect(page.locator("h1")).to_contain_text("Phoenix 85034")
    expect(page.locator("#list-summary")).to_contain_text("0 leads")

    page.get_by_role("button", name="Refresh…").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#refresh-preview")).to_contain_text("At most 30 records")
    expect(dialog.locator("#refresh-preview")).to_contain_text("The most it can cost: $3.00")
    expect(dialog.locator("#refresh-preview")).to_contain_text("Today's ATTOM budget left")
    dialog.get_by_role("button", name="Refresh now").click()
    expect(dialog.locator("#refresh-result")).to_contain_text("30 new since the last refresh")

    dialog.get_by_role("link", name="Show the list").click()
    expect(page.locator("#new-count")).to_have_text("30")
    expect(page.locator("#list-count")).to_contain_text("30 leads shown")
    expect(page.locator(".badge-new").first).to_be_visible()
    return LeadList.objects.get(name="Phoenix 85034")


def test_it_saves_a_search_refreshes_it_imports_a_list_and_finds_stacked_leads(agent_page: Page):
    page = agent_page
    saved = save_and_refresh(page)
    on_saved = Lead.objects.filter(list_memberships__lead_list=saved).order_by("pk")
    stacked = on_saved.first()
    assert stacked is not None

    # Import: one row the saved search already holds (no owner: it joins the lead at its
    # address), one new lead, and two rows that cannot become leads.
    street = f"{stacked.street} {stacked.unit}".strip()
    csv_text = (
        "Site Address,Zip,Owner,Case\n"
        f"{street},{stacked.zip_code},,TX-1\n"
        "77 Nowhere Rd,85034,PAT QUINN,TX-2\n"
        ",85034,NO STREET,TX-3\n"
        "9 Bad Zip Way,ABCDE,ANA LEE,TX-4\n"
    )
    page.goto("/lists/")
    page.get_by_role("link", name="Import a CSV list…").click()
    page.set_input_files(
        "#id_file", {"name": "tax.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.fill("#id_listName", "Tax delinquent")
    page.get_by_role("button", name="Preview").click()
    counts = page.locator("#import-counts")
    expect(counts).to_contain_text("4 rows: 1 new leads, 1 merged into existing leads, 2 rejected")
    expect(page.locator("#import-sample tbody tr")).to_have_count(2)
    rejected = page.locator("#import-rejected tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.nth(0)).to_contain_text("4")
    expect(rejected.nth(0)).to_contain_text("No street address")
    expect(rejected.nth(1)).to_contain_text("ZIP 'ABCDE'")
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/lists/*/")
    expect(page.locator("main .messages")).to_contain_text("1 new leads, 1 merged")
    expect(page.get_by_role("link", name="download the rejected rows (CSV)")).to_be_visible()

    # Stacked: on the saved search and on the import.
    page.goto("/leads/")
    page.fill("#id_minLists", "2")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#lead-total")).to_have_text("1 lead")
    row = page.locator(f"#lead-{stacked.pk}")
    expect(row.locator(".badge-stacked")).to_have_text("Stacked × 2")
    expect(row.locator(".lead-lists")).to_contain_text("Phoenix 85034, Tax delinquent")
    assert "minLists=2" in page.url


def test_a_large_files_preview_shows_its_first_rows_then_the_whole_files_counts(
    agent_page: Page, settings, tmp_path, monkeypatch
):
    from leads.lists import import_staging

    settings.IMPORT_INLINE_MAX_BYTES = 100  # the file below is "large"
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(import_staging, "PREVIEW_ROWS", 2)
    rows = "".join(f"{n} Main St,85034,OWNER {n}\n" for n in range(1, 6))
    csv_text = "Street,Zip,Owner\n" + rows + ",85034,NO STREET\n"
    page = agent_page
    page.goto("/lists/import/")
    page.set_input_files(
        "#id_file", {"name": "county.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.fill("#id_listName", "County")
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#import-counts")).to_contain_text("In the first 2 rows (of about 6)")
    expect(page.locator("#import-partial")).to_be_visible()
    totals = page.locator("#import-full-totals")  # polled until the count is done
    expect(totals).to_contain_text("6 rows: 5 new leads, 0 merged into existing leads, 1 rejected")
    expect(page.locator("#import-full-rejected tbody tr")).to_contain_text("No street address")
    assert not Lead.objects.exists()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/lists/imports/*/")
    expect(page.locator("#import-counts")).to_contain_text("5 new leads")
