"""The layout in a real browser: every page fits a phone (390 px), the header folds, tables
stack with their key columns in view, dialogs fit; the board fits a laptop (1366 px), keeps
its cards and the keyboard focus across a move; toasts, confirmations and the loading bar."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from leads.lists.services import list_add_leads, list_create
from leads.models import Lead, Stage
from leads.tests.factories import make_lead, make_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = ViewportSize(width=390, height=844)
LAPTOP = ViewportSize(width=1366, height=768)


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True


@pytest.fixture
def traced_lead() -> Lead:
    lead = make_lead(
        owner_name="GARCIA, MARIA",
        street="4021 S 16TH ST",
        ai_score=90,
        temperature_tag="ON_FIRE",
        best_phone="+16025550142",
        contactable=True,
        skip_traced_at=timezone.now(),
        skip_trace_status="matched",
        skip_trace_provider="batchdata-sandbox",
    )
    make_phone(lead, "+16025550142", carrier="A VERY LONG CARRIER NAME WIRELESS LLC")
    make_phone(lead, "+16025550143", dnc=True, line_type="landline")
    on = list_create(name="Absentee owners in Maricopa County", user_id=None)
    list_add_leads(lead_list=on, lead_ids=[lead.pk])
    return lead


def card_of(lead: Lead) -> str:
    return f'li.kcard[data-lead-id="{lead.pk}"]'


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def within_viewport(page: Page, locator) -> bool:
    box = locator.bounding_box()
    width = (page.viewport_size or PHONE)["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_no_page_is_wider_than_a_phone(agent_page: Page, traced_lead):
    page = agent_page
    page.set_viewport_size(PHONE)
    list_id = traced_lead.list_memberships.get().lead_list_id
    for path in (
        "/",
        "/leads/",
        f"/leads/{traced_lead.pk}/",
        "/lists/",
        f"/lists/{list_id}/",
        "/pipeline/",
        "/tasks/",
        "/spend/",
        "/leads/export/",
        "/leads/dispositions/",
        "/lists/import/",
    ):
        page.goto(path)
        assert page_width(page) <= PHONE["width"], f"{path} is {page_width(page)} px wide"


SELECT_CLIPPED = """[...document.querySelectorAll('select')].filter(select => {
    const style = getComputedStyle(select);
    const pen = document.createElement('canvas').getContext('2d');
    pen.font = style.font;
    const text = pen.measureText(select.selectedOptions[0]?.text || '').width;
    const arrow = 20;  // Chromium draws the drop-down arrow inside the box
    const room = select.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight) - arrow;
    return select.offsetParent && text > room;
  }).map(select => select.name)"""


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP])
def test_no_select_cuts_off_its_chosen_option(agent_page: Page, viewport):
    page = agent_page
    page.set_viewport_size(viewport)
    for path in ("/pipeline/", "/leads/", "/tasks/", "/"):
        page.goto(path)
        assert page.evaluate(SELECT_CLIPPED) == [], path


def test_the_header_folds_its_navigation_behind_a_menu_button_on_a_phone(agent_page: Page):
    page = agent_page
    page.set_viewport_size(PHONE)
    page.goto("/leads/")
    pipeline = page.get_by_role("link", name="Pipeline")
    menu = page.get_by_role("button", name="Menu")
    header = page.locator("header.topbar").bounding_box()
    expect(pipeline).to_be_hidden()
    assert header is not None and header["height"] < 80  # one bar, nothing spilling out

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(pipeline).to_be_visible()
    assert within_viewport(page, pipeline)
    pipeline.click()
    page.wait_for_url("**/pipeline/")

    page.set_viewport_size(LAPTOP)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Leads")).to_be_visible()


def test_the_lead_pages_phones_and_dnc_are_on_a_phones_screen(agent_page: Page, traced_lead):
    page = agent_page
    page.set_viewport_size(PHONE)
    page.goto(f"/leads/{traced_lead.pk}/")
    contacts = page.locator(f"#contacts-{traced_lead.pk}")

    for text in ("(602) 555-0142", "(602) 555-0143"):
        cell = contacts.locator("td", has_text=text).first
        cell.scroll_into_view_if_needed()
        assert within_viewport(page, cell), text
    dnc = contacts.locator(".badge", has_text="DNC").first
    dnc.scroll_into_view_if_needed()
    assert within_viewport(page, dnc)
    # A stacked row still says which column a value is from.
    expect(contacts.locator('td[data-label="Phone"]').first).to_be_visible()


def test_the_skip_trace_modal_fits_a_phone(agent_page: Page, traced_lead):
    page = agent_page
    page.set_viewport_size(PHONE)
    page.goto(f"/leads/{traced_lead.pk}/")
    page.get_by_role("button", name="Skip trace…").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert page_width(page) <= PHONE["width"]


def test_the_boards_columns_and_cards_fit_a_laptop(agent_page: Page, traced_lead):
    page = agent_page
    page.set_viewport_size(LAPTOP)
    make_lead(stage=Stage.DEAD, position=0, owner_name="AN EXTREMELY LONG OWNER NAME LIVING TRUST")
    make_lead(stage=Stage.CLOSED_WON, position=0)
    page.goto("/pipeline/")

    assert page_width(page) <= LAPTOP["width"]
    for stage in Stage.values:
        assert within_viewport(page, page.locator(f"#col-{stage}")), stage
    overflowing = page.evaluate(
        """[...document.querySelectorAll('.kcard')].filter(card =>
             card.getBoundingClientRect().right
               > card.closest('.column').getBoundingClientRect().right
             || card.scrollWidth > card.clientWidth).length"""
    )
    assert overflowing == 0
    # One compact control per card (the Move menu), not a select and a button.
    the_card = page.locator(card_of(traced_lead))
    expect(the_card.locator("select")).to_have_count(0)
    expect(the_card.locator(".move-menu .menu")).to_be_hidden()
    expect(the_card).to_contain_text("Absentee owners in Maricopa County")


def test_a_keyboard_move_keeps_the_focus_on_the_moved_card(agent_page: Page):
    page = agent_page
    leads = [make_lead(stage=Stage.NEW, position=i) for i in range(3)]
    page.goto("/pipeline/")
    summary = page.locator(card_of(leads[1]) + " .move-menu summary")

    summary.focus()
    page.keyboard.press("Enter")
    follow_up = page.locator(card_of(leads[1])).get_by_role("button", name="Follow-up")
    expect(follow_up).to_be_visible()
    follow_up.focus()
    with page.expect_response("**/pipeline/move/"):
        page.keyboard.press("Enter")

    moved = page.locator(f'ul[data-sortable-stage="{Stage.FOLLOW_UP}"] {card_of(leads[1])}')
    expect(moved).to_have_count(1)
    expect(moved.locator(".move-menu summary")).to_be_focused()
    expect(page.locator("#toasts .toast")).to_contain_text("to Follow-up")
    expect(page.locator("#loading-bar")).not_to_have_class("loading-bar htmx-request")


def test_load_more_then_a_move_keeps_every_loaded_card(agent_page: Page):
    page = agent_page
    leads = [make_lead(stage=Stage.NEW, position=i) for i in range(30)]
    page.goto("/pipeline/")
    column = page.locator(f'ul[data-sortable-stage="{Stage.NEW}"]')
    expect(column.locator(".kcard")).to_have_count(25)

    more = column.locator(".load-more a")
    expect(more).to_have_text("Load 5 more · 5 not shown")
    more.click()
    expect(column.locator(".kcard")).to_have_count(30)
    assert "show_new=30" in page.url  # a reload shows them too

    late = leads[28]
    page.locator(card_of(late) + " .move-menu summary").click()
    with page.expect_response("**/pipeline/move/"):
        page.locator(card_of(late)).get_by_role("button", name="Negotiating").click()

    expect(column.locator(".kcard")).to_have_count(29)
    expect(column.locator(".load-more")).to_have_count(0)
    negotiating = page.locator(f'ul[data-sortable-stage="{Stage.NEGOTIATING}"]')
    expect(negotiating.locator(card_of(late))).to_have_count(1)


def test_a_removal_from_a_list_asks_first(agent_page: Page):
    page = agent_page
    leads = [make_lead() for _ in range(2)]
    lead_list = list_create(name="Probate", user_id=None)
    list_add_leads(lead_list=lead_list, lead_ids=[lead.pk for lead in leads])
    page.goto(f"/lists/{lead_list.pk}/")
    page.locator(f"#lead-{leads[0].pk} .row-select").check()
    confirm = page.locator("dialog#confirm-dialog")

    page.get_by_role("button", name="Remove from this list").click()
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Remove the ticked leads from Probate?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    assert lead_list.memberships.filter(removed_at__isnull=True).count() == 2

    page.get_by_role("button", name="Remove from this list").click()
    with page.expect_response(f"**/lists/{lead_list.pk}/remove/"):
        confirm.get_by_role("button", name="Remove").click()
    expect(page.locator("#list-status")).to_contain_text("1 lead removed from Probate")
    assert lead_list.memberships.filter(removed_at__isnull=True).count() == 1


def test_an_empty_board_column_says_what_to_do(agent_page: Page):
    page = agent_page
    make_lead(stage=Stage.NEW, position=0)
    page.goto("/pipeline/")
    expect(page.locator(f'ul[data-sortable-stage="{Stage.DEAD}"] .empty-state')).to_contain_text(
        "Drag a card here"
    )
    expect(page.locator(f'ul[data-sortable-stage="{Stage.NEW}"] .empty-state')).to_have_count(0)
