"""The main flows in a real browser: search, skip trace, bulk trace, the board, the export
and the spend dashboard, each under the strict CSP with no console errors.

Providers answer from the sandbox; background tasks run at once (ImmediateBackend).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from billing.models import LedgerEntry
from billing.money import format_dollars
from leadflow.tests.journey_hands import nudge_until
from leads.models import Lead, Stage
from leads.phones import display_phone
from leads.search.forms import SearchForm
from leads.search.services import lead_search
from leads.tests.factories import make_lead
from providers.sandbox.batchdata import person_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def stored_leads(agent) -> list[Lead]:
    """A sandbox search of ZIP 85034 made by the agent: 25 stored leads, $2.50 of ATTOM."""
    form = SearchForm({"zip": "85034", "attom": "true"})
    assert form.is_valid(), form.errors
    return lead_search(query=form.search_query(), user_id=agent.pk).leads


def row_ids(page: Page, table: str) -> set[str]:
    rows = page.locator(f"{table} tbody tr[id^=lead-]")
    return {rows.nth(i).get_attribute("id") or "" for i in range(rows.count())}


def sandbox_finds_phones(lead: Lead) -> bool:
    """Whether the BatchData sandbox matches this property with callable phones."""
    street = " ".join(filter(None, (lead.street, lead.unit)))
    item = {"propertyAddress": {"street": street, "zip": lead.zip_code}}
    person = person_for(item, include_tcpa=True)
    return person["meta"]["matched"] and bool(person["phoneNumbers"]) and not person["litigator"]


# --- 1. Search ---------------------------------------------------------------------------


def test_it_searches_attom_then_the_stored_leads(agent_page: Page):
    page = agent_page
    page.goto("/")
    attom = page.get_by_role("checkbox", name="ATTOM (sandbox)")
    expect(attom).to_be_checked()
    page.fill("#id_zip", "85034")
    page.get_by_role("button", name="Search").click()

    header = page.locator("#results .result-header")
    expect(header.locator(".source")).to_have_text("ATTOM sandbox")
    expect(header).to_contain_text("347 properties in ZIP 85034")
    expect(page.locator("#results tbody tr")).to_have_count(25)
    temperatures = page.locator("#results tbody tr td:first-child .badge")
    expect(temperatures).to_have_count(25)
    assert all(
        any(t in text for t in ("Dead ·", "Warm ·", "Hot ·", "On fire ·"))
        for text in temperatures.all_inner_texts()
    )
    fetched = row_ids(page, "#results")
    assert "attom=true" in page.url

    attom.uncheck()
    page.get_by_role("button", name="Search").click()

    expect(header.locator(".source")).to_have_text("Stored leads")
    expect(header).to_contain_text("25 properties in ZIP 85034")
    expect(header).to_contain_text("This search cost $0.00")
    expect(page.locator("#results tbody tr")).to_have_count(25)
    assert row_ids(page, "#results") == fetched
    assert "attom=false" in page.url


# --- 2. One skip trace -------------------------------------------------------------------


def test_it_skip_traces_a_lead_from_the_leads_list(agent_page: Page, stored_leads):
    page = agent_page
    lead = next(lead for lead in stored_leads if sandbox_finds_phones(lead))
    page.goto("/leads/")
    row = page.locator(f"#lead-{lead.pk}")
    expect(row.locator("td").nth(6).locator(".phone-link")).to_have_count(0)

    row.get_by_role("button", name="Skip trace").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#modal-title")).to_have_text("Skip trace")
    expect(dialog).to_contain_text("$0.07 if BatchData finds the owner")
    dialog.get_by_role("button", name="Skip trace").click()

    expect(dialog.locator("#modal-title")).to_have_text("Skip trace result")
    expect(dialog).to_contain_text("Cost $0.07")
    phones = dialog.locator(f"#contacts-{lead.pk} tbody tr")
    expect(phones.first).to_be_visible()
    expect(dialog.locator(".badge", has_text="Best")).to_have_count(1)
    expect(dialog.locator(".badge", has_text="DNC").first).to_be_visible()

    lead.refresh_from_db()
    assert lead.best_phone and lead.skip_trace_status == "matched"
    shown = display_phone(lead.best_phone)
    expect(dialog).to_contain_text(f"Best phone {shown}")
    expect(dialog.locator(f"a[href='tel:{lead.best_phone}']").first).to_be_visible()
    # The row behind the modal now shows the best phone, and is still a row of the table.
    expect(row.locator("td").nth(6)).to_contain_text(shown)
    assert row.evaluate("r => r.tagName + '<' + r.parentElement.tagName") == "TR<TBODY"
    assert page.locator("#lead-table table.data > tbody > tbody").count() == 0

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_it_skip_traces_from_the_search_results_and_the_detail_page(agent_page: Page, stored_leads):
    page = agent_page
    traceable = [lead for lead in stored_leads if sandbox_finds_phones(lead)]
    page.goto("/?zip=85034&attom=false")
    row = page.locator(f"#lead-{traceable[0].pk}")
    expect(row.locator("td")).to_have_count(7)
    row.get_by_role("button", name="Skip trace").click()
    dialog = page.locator("dialog#modal")
    dialog.get_by_role("button", name="Skip trace").click()
    expect(dialog.locator("#modal-title")).to_have_text("Skip trace result")
    traceable[0].refresh_from_db()
    # The search's rows have no checkbox: the row swapped in must not grow one.
    expect(row.locator("td").nth(5)).to_contain_text(display_phone(traceable[0].best_phone))
    expect(row.locator("td")).to_have_count(7)

    # The detail page has no row to update: the answer must not ask htmx for one.
    page.goto(f"/leads/{traceable[1].pk}/")
    contacts = page.locator(f"#contacts-{traceable[1].pk}")
    expect(contacts).to_contain_text("Not traced yet")
    page.get_by_role("button", name="Skip trace…").click()
    dialog.get_by_role("button", name="Skip trace").click()
    expect(dialog.locator("#modal-title")).to_have_text("Skip trace result")
    expect(dialog).to_contain_text("Cost $0.07")
    # ...but it redraws the page's contacts, so the page no longer says "Not traced yet".
    traceable[1].refresh_from_db()
    expect(contacts).not_to_contain_text("Not traced yet")
    expect(contacts).to_contain_text(display_phone(traceable[1].best_phone))
    expect(page.locator(f"[id='contacts-{traceable[1].pk}']")).to_have_count(1)


# --- 3. Bulk skip trace ------------------------------------------------------------------


def test_it_bulk_traces_the_ticked_rows(agent_page: Page, stored_leads):
    page = agent_page
    page.goto("/leads/")
    ticked = stored_leads[:3]
    for lead in ticked:
        page.locator(f"#lead-{lead.pk} .row-select").check()
    page.get_by_role("button", name="Bulk skip trace…").click()

    dialog = page.locator("dialog#modal")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("3 leads selected")
    expect(dialog).to_contain_text("3 to trace, at most $0.34: BatchData $0.21")
    with page.expect_response("**/leads/bulk-skiptrace/") as started:
        dialog.get_by_role("button", name="Start bulk trace").click()
    # The job ran at once (ImmediateBackend): the first answer already says so, no polling.
    assert "Done — 3 of 3" in started.value.text()

    progress = dialog.locator("#bulk-progress")
    expect(progress).to_contain_text("Done — 3 of 3")
    expect(progress.locator("progress")).to_have_attribute("value", "3")
    expect(progress.get_by_role("status")).to_contain_text("Traced ")
    expect(progress.get_by_role("link", name="Reload leads")).to_be_visible()
    assert all(
        Lead.objects.get(pk=lead.pk).skip_trace_status in {"matched", "no_match"} for lead in ticked
    )


def test_it_bulk_traces_all_leads_matching_the_filter(agent_page: Page, stored_leads):
    page = agent_page
    page.goto("/leads/?q=BAY")
    matching = Lead.objects.filter(street__icontains="BAY").count()
    assert matching > 0
    page.get_by_label(f"all {matching} matching the filter").check()
    page.get_by_role("button", name="Bulk skip trace…").click()

    dialog = page.locator("dialog#modal")
    expect(dialog).to_contain_text(f"{matching} lead{'s' if matching != 1 else ''} selected")
    dialog.get_by_role("button", name="Start bulk trace").click()
    expect(dialog.locator("#bulk-progress")).to_contain_text(f"Done — {matching} of {matching}")


# --- 4. The pipeline board ---------------------------------------------------------------


def board_column(page: Page, stage: str):
    return page.locator(f'ul[data-sortable-stage="{stage}"]')


def card_selector(lead: Lead) -> str:
    return f'li.kcard[data-lead-id="{lead.pk}"]'


def card(page: Page, lead: Lead):
    return page.locator(card_selector(lead))


def drag(page: Page, lead: Lead, onto: Lead) -> None:
    """Drag a card by the pointer onto another card, the way a person does.

    SortableJS reacts to pointer moves (and ignores a card while it animates), so the
    pointer leaves the column sideways, then nudges over the target, aiming again at where
    the target is now, until SortableJS has put the card just above it (`nudge_until`),
    and only then lets go.
    """
    start, end = card(page, lead).bounding_box(), card(page, onto).bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + 12  # the owner's name, not a control
    page.mouse.move(x, y)
    page.mouse.down()
    x, y = end["x"] + end["width"] / 2, end["y"] + end["height"] / 3
    page.mouse.move(x, start["y"] + 12, steps=10)
    page.mouse.move(x, y, steps=10)
    landed = page.locator(f"{card_selector(lead)} + {card_selector(onto)}")

    def aim(nudge: int) -> tuple[float, float]:  # where the target is now: it may have moved
        box = card(page, onto).bounding_box() or end
        return box["x"] + box["width"] / 2 + nudge % 3, box["y"] + box["height"] / 3

    placed = nudge_until(page, landed, aim)
    page.mouse.up()
    assert placed, "SortableJS never put the card above its target"


def column_ids(page: Page, stage: str) -> list[int]:
    cards = board_column(page, stage).locator(".kcard")
    return [int(cards.nth(i).get_attribute("data-lead-id")) for i in range(cards.count())]


def stored_column(stage: str) -> list[int]:
    return list(Lead.objects.filter(stage=stage).order_by("position").values_list("pk", flat=True))


def test_it_drags_cards_between_columns(agent_page: Page):
    page = agent_page
    page.set_viewport_size({"width": 1366, "height": 900})  # a desk's screen: every card in view
    new = [make_lead(stage=Stage.NEW, position=i) for i in range(3)]
    contacted = [make_lead(stage=Stage.CONTACTED, position=i) for i in range(2)]
    page.goto("/pipeline/")
    expect(board_column(page, Stage.CONTACTED).locator(".kcard")).to_have_count(2)

    with page.expect_response("**/pipeline/move/") as moved:
        drag(page, new[1], onto=contacted[0])
    assert moved.value.status == 200
    expect(page.locator("#col-contacted [data-count]")).to_have_text("3")
    assert stored_column(Stage.CONTACTED) == [new[1].pk, contacted[0].pk, contacted[1].pk]
    assert stored_column(Stage.NEW) == [new[0].pk, new[2].pk]

    page.reload()
    assert column_ids(page, Stage.CONTACTED) == [new[1].pk, contacted[0].pk, contacted[1].pk]
    assert column_ids(page, Stage.NEW) == [new[0].pk, new[2].pk]

    # The board htmx swapped in after a drop is draggable too.
    with page.expect_response("**/pipeline/move/"):
        drag(page, new[1], onto=contacted[1])
    expect(page.locator("#col-contacted [data-count]")).to_have_text("3")
    with page.expect_response("**/pipeline/move/") as moved:
        drag(page, contacted[1], onto=new[2])
    assert moved.value.status == 200
    expect(page.locator("#col-new [data-count]")).to_have_text("3")
    assert stored_column(Stage.NEW) == [new[0].pk, contacted[1].pk, new[2].pk]
    assert column_ids(page, Stage.NEW) == stored_column(Stage.NEW)
    assert column_ids(page, Stage.CONTACTED) == stored_column(Stage.CONTACTED)


def test_it_moves_a_card_with_the_move_to_menu(agent_page: Page):
    page = agent_page
    lead = make_lead(stage=Stage.NEW, position=0)
    page.goto("/pipeline/")

    the_card = card(page, lead)
    the_card.locator(".move-menu summary").click()
    with page.expect_response("**/pipeline/move/"):
        the_card.get_by_role("button", name="Negotiating").click()

    expect(board_column(page, Stage.NEGOTIATING).locator(card(page, lead))).to_have_count(1)
    expect(page.locator("#toasts")).to_contain_text("to Negotiating")
    page.reload()
    expect(board_column(page, Stage.NEGOTIATING).locator(card(page, lead))).to_have_count(1)


def test_it_moves_a_card_without_javascript(open_page, agent):
    page = open_page(java_script_enabled=False)
    page.goto("/accounts/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "agent-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    lead = make_lead(stage=Stage.NEW, position=0, ai_score=70)

    page.goto("/pipeline/?temperature=HOT")
    the_card = card(page, lead)
    the_card.locator(".move-menu summary").click()
    the_card.get_by_role("button", name="Dead").click()

    page.wait_for_url("**/pipeline/?temperature=HOT")
    expect(board_column(page, Stage.DEAD).locator(card(page, lead))).to_have_count(1)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.DEAD


# --- 5. The CSV export -------------------------------------------------------------------


def test_it_downloads_the_filtered_leads_as_csv(agent_page: Page, stored_leads):
    """Filter (htmx), then export: the file holds the filtered leads, with the BOM chosen."""
    page = agent_page
    contacted = [lead.pk for lead in stored_leads[:3]]
    Lead.objects.filter(pk__in=contacted).update(stage=Stage.CONTACTED)
    page.goto("/leads/")
    page.get_by_label("Stage").select_option(Stage.CONTACTED)
    expect(page.locator("#lead-total")).to_have_text("3 leads")
    page.get_by_role("link", name="Export CSV…").click()
    expect(page.locator("#export-rows")).to_have_text("3")
    page.get_by_label("Start with a byte-order mark (for Excel)").select_option("true")
    expect(page.locator("#download")).to_have_attribute("href", re.compile("bom=true"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    download = download_info.value

    assert download.suggested_filename.startswith("leadflow-leads-")
    with open(download.path(), encoding="utf-8") as csv_file:
        text = csv_file.read()
    assert text.startswith("\ufeffid,source,sandbox,")
    ids = {line.split(",")[0] for line in text.splitlines()[1:]}
    assert ids == {str(pk) for pk in contacted}


# --- 6. The spend dashboard --------------------------------------------------------------


def test_it_shows_the_spend_chart_and_todays_figures(agent_page: Page, stored_leads):
    page = agent_page
    page.goto("/spend/")

    chart = page.locator("svg.spend-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.series-attom")).to_have_count(1)
    today = page.locator("#today-attom")
    expect(today.locator(".value")).to_have_text("$2.50")
    expect(today).to_contain_text("of $15.00 cap")
    expect(today).to_contain_text("1 request")
    # ATTOM's $2.50 and the AI scoring of the leads it found.
    total_micros = sum(LedgerEntry.objects.values_list("cost_micros", flat=True))
    assert total_micros > 2_500_000
    expect(page.locator("#total-spend .value")).to_have_text(format_dollars(total_micros))

    page.get_by_role("combobox", name="Provider").select_option("attom")
    expect(page.locator("#ledger-table tbody tr")).to_have_count(1)
    expect(page.locator("#ledger-table")).to_contain_text("property_search")


# --- 7. The CSP itself -------------------------------------------------------------------


def test_the_pages_are_served_under_a_strict_csp(logged_in_page: Page):
    response = logged_in_page.goto("/pipeline/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy


def test_the_browser_guard_sees_a_csp_violation(logged_in_page: Page, browser_guard):
    """The check every browser test relies on is not blind: an inline script is refused and
    seen, both as the browser's `securitypolicyviolation` event and in the console."""
    logged_in_page.goto("/")
    with logged_in_page.expect_console_message(lambda m: m.type == "error"):
        logged_in_page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = '1';"
            " document.body.appendChild(s); }"
        )
    logged_in_page.wait_for_timeout(100)  # the violation event follows the console message
    found = browser_guard.take()
    assert any(p.startswith("CSP: script-src") for p in found), found
    assert any("Content Security Policy" in p for p in found), found


def test_the_browser_guard_sees_a_failed_request_and_a_server_error(
    logged_in_page: Page, browser_guard
):
    page = logged_in_page
    page.route("**/lost", lambda route: route.abort())
    page.route("**/broken", lambda route: route.fulfill(status=503, body="down"))
    page.goto("/")
    page.evaluate("() => Promise.allSettled([fetch('/lost'), fetch('/broken')])")
    found = browser_guard.take()
    assert any(p.startswith("request failed: GET ") and p.find("/lost") > 0 for p in found), found
    assert any(p.startswith("HTTP 503: GET ") and p.endswith("/broken") for p in found), found


def test_the_browser_guard_lets_an_asset_of_a_page_left_go_but_not_a_broken_one(
    logged_in_page: Page, browser_guard
):
    page = logged_in_page
    page.route("**/left.svg", lambda route: route.abort("aborted"))  # as leaving a page does
    page.route("**/reset.svg", lambda route: route.abort("connectionreset"))
    page.goto("/")
    page.evaluate(
        "() => Promise.all(['/left.svg', '/reset.svg'].map(src => new Promise(done => {"
        " const img = new Image(); img.onload = img.onerror = done; img.src = src; })))"
    )
    found = browser_guard.take()
    assert not any("/left.svg" in p for p in found), found
    assert any(p.startswith("request failed: GET ") and "/reset.svg" in p for p in found), found
