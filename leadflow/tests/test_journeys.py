"""Whole journeys in a real browser, the way an agent or an admin works through them, under the
browser guard (no console error, CSP violation, failed request or 5xx on any page).

Providers answer from the sandbox, whose answers are fixed per address; background tasks run at
once (ImmediateBackend). Only users are seeded; everything else is done through the pages. The
steps live in `journey_steps`, the ways of pressing and typing in `journey_hands`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from leadflow.tests.journey_hands import Keyboard, Pointer
from leadflow.tests.journey_steps import (
    IN_STATE_LITIGATOR,
    OUT_OF_STATE_LITIGATOR,
    OUT_OF_STATE_WITH_DNC,
    SAVED_SEARCH_RECORDS,
    ZIP,
    add_note_and_task,
    admin_add,
    admin_change,
    batch_counters,
    board_card,
    bulk_trace_filtered,
    close_dialog,
    confirm_import,
    core_journey,
    drag_to_column,
    expect_dnc_phones,
    expect_in_column,
    expect_scrubbed_export,
    expect_spend_matches_ledger,
    export_for_dialer,
    filter_board,
    filter_leads,
    fits_the_screen,
    import_csv_list,
    lead_at,
    log_in,
    open_lead,
    refused_trace,
    save_search_as_list,
    search_zip,
    trace_from_lead_page,
)
from leads.models import Stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP_MS = 20_000  # a journey runs for minutes on a machine others share
MOBILE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _patient_expectations() -> Iterator[None]:
    """A slow answer on a loaded machine is not a failure; a wrong one is."""
    expect.set_options(timeout=STEP_MS)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default


@pytest.fixture
def open_journey_page(open_page) -> Callable[..., Page]:
    def open_journey_page(**context_options: object) -> Page:
        page = open_page(**context_options)
        page.set_default_timeout(STEP_MS)
        return page

    return open_journey_page


@pytest.fixture
def page(open_journey_page) -> Page:
    return open_journey_page()


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("boss", password="boss-pass-123")


# --- (a) a new agent's day ---------------------------------------------------------------

IMPORT_CSV = (
    "Site Address,Zip,Owner\n"
    f"{OUT_OF_STATE_WITH_DNC},{ZIP},\n"
    f"{OUT_OF_STATE_LITIGATOR},{ZIP},\n"
    f"{IN_STATE_LITIGATOR},{ZIP},\n"
    f"77 Nowhere Rd,{ZIP},PAT QUINN\n"
    "9 Bad Zip Way,ABCDE,ANA LEE\n"
)  # three rows stack on the saved search, one is a new lead, one cannot be a lead


def test_it_takes_a_new_agent_from_a_search_to_a_scrubbed_dialer_file(page: Page, agent):
    hands = Pointer(page)
    log_in(page, hands, "agent", "agent-pass-123")
    search_zip(page, hands)
    save_search_as_list(page, hands, "Phoenix 85034", SAVED_SEARCH_RECORDS)

    import_csv_list(page, hands, "Probate", IMPORT_CSV)
    counts = page.locator("#import-counts")
    expect(counts).to_contain_text("5 rows: 1 new leads, 3 merged into existing leads, 1 rejected")
    rejected = page.locator("#import-rejected tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("ZIP 'ABCDE'")
    confirm_import(page, hands)
    expect(page.locator("main .messages")).to_contain_text("1 new leads, 3 merged")

    # Stacked (on both lists) and owned from out of state: the two absentee leads.
    filter_leads(page, hands, min_lists=2, out_of_state=True)
    expect(page.locator("#lead-total")).to_have_text("2 leads")
    for address in (OUT_OF_STATE_WITH_DNC, OUT_OF_STATE_LITIGATOR):
        row = page.locator(f"#lead-{lead_at(address).pk}")
        expect(row.locator(".badge-stacked")).to_have_text("Stacked × 2")
    traced = open_lead(page, hands, page.locator("#lead-table"), OUT_OF_STATE_WITH_DNC)
    expect_dnc_phones(trace_from_lead_page(page, hands))
    close_dialog(page, hands)

    filter_leads(page, hands, min_lists=2, out_of_state=True)
    bulk_trace_filtered(page, hands, matching=2, already_traced=1)
    litigator = open_lead(page, hands, page.locator("#lead-table"), OUT_OF_STATE_LITIGATOR)
    expect(page.locator("#contacts")).to_contain_text("Known TCPA litigator — never contact.")

    filter_board(page, hands, "On at least N lists", "2", "**minLists=2**")
    drag_to_column(page, traced, Stage.CONTACTED)
    expect_in_column(page, traced, Stage.CONTACTED, 1)
    drag_to_column(page, litigator, Stage.CONTACTED)
    expect_in_column(page, litigator, Stage.CONTACTED, 2)
    page.reload()
    expect_in_column(page, traced, Stage.CONTACTED, 2)

    open_lead(page, hands, board_card(page, traced), OUT_OF_STATE_WITH_DNC)
    add_note_and_task(page, hands, "Owner lives in Georgia; call after 5.", "Send the offer")
    expect_scrubbed_export(
        export_for_dialer(page, hands, preset="calltools", stage=Stage.CONTACTED)
    )
    expect_spend_matches_ledger(page, hands)


# --- (b) an admin lowers the limits ------------------------------------------------------


def test_it_refuses_the_agents_next_trace_once_an_admin_lowers_the_limits(
    page: Page, open_journey_page, agent, admin
):
    log_in(page, Pointer(page), "agent", "agent-pass-123")
    search_zip(page, Pointer(page))
    lead = lead_at(OUT_OF_STATE_WITH_DNC)
    boss = open_journey_page()
    log_in(boss, Pointer(boss), "boss", "boss-pass-123")

    limit = {"User": "agent", "Provider": "BatchData", "Daily limit (cents)": "5"}
    admin_add(boss, "Agent daily limits", limit)
    admin_add(boss, "Daily cap overrides", {"Provider": "BatchData", "Daily cap (cents)": "50"})
    before = batch_counters(agent.pk)
    refusal = refused_trace(page, lead, budget_left="$0.50 of $0.50")
    expect(refusal).to_contain_text("Your daily BatchData limit is spent ($0.00 of $0.05)")
    expect(refusal).to_contain_text("an admin can raise it")
    assert batch_counters(agent.pk) == before

    admin_change(boss, "Daily cap overrides", "BatchData", {"Daily cap (cents)": "6"})
    refusal = refused_trace(page, lead, budget_left="$0.06 of $0.06")
    expect(page.locator("dialog#modal")).not_to_contain_text("Cost $")
    expect(refusal).to_contain_text("Today's BatchData budget is spent ($0.00 of $0.06)")
    assert batch_counters(agent.pk) == before
    page.goto(f"/leads/{lead.pk}/")
    expect(page.locator("#contacts")).to_contain_text("Not traced yet.")


# --- (c) the core journey on a phone, and with the keyboard alone ------------------------


def test_it_works_a_lead_on_a_phone(open_journey_page, agent):
    page = open_journey_page(**MOBILE)
    core_journey(page, Pointer(page, touch=True), fits_the_screen)


def test_it_works_a_lead_with_the_keyboard_alone(open_journey_page, agent):
    page = open_journey_page(locale="en-US")  # the date field's digit order
    core_journey(page, Keyboard(page), lambda page: None)
