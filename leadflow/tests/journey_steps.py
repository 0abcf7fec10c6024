"""The steps of the browser journeys, one small function each, so a changed page means one
changed step. A step does what a person does on the page (through `Hands`) and checks what
they would see; only `lead_at`, the ledger and the counters read the database.

The addresses are ZIP 85034's as the ATTOM sandbox lists them; what the BatchData sandbox
answers for each is fixed by the address (providers/sandbox/batchdata.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from billing.caps import spend_day
from billing.models import LedgerEntry, SpendDay, UserSpendDay
from billing.money import format_dollars
from leadflow.tests.journey_hands import Hands, nudge_until
from leads.models import Lead, Stage
from providers.registry import PROVIDERS

ZIP = "85034"
OUT_OF_STATE_WITH_DNC = "9234 BAY AVE UNIT 43"  # owner in GA; phones: DNC, DNC unknown, clear
DNC_NUMBER, UNKNOWN_DNC_NUMBER, CLEAR_NUMBER = "4804192266", "4803731343", "4803011328"
OUT_OF_STATE_LITIGATOR = "7538 N CANYON CT"  # owner in PA; a known TCPA litigator
IN_STATE_LITIGATOR = "3000 BAY AVE"  # the owner lives there
SAVED_SEARCH_RECORDS = 45  # ATTOM's first 45 records of the ZIP hold all three
PAID_STEP_MS = 30_000  # a step that waits for a sandbox provider, on a shared machine
EXPORT_PAGE_LINK = re.compile(r"^Export (for a dialer|CSV)…$")  # the Leads page's link to it
SEARCH_COST_MICROS, MATCH_PRICE_MICROS, RECORD_PRICE_MICROS = 2_500_000, 70_000, 100_000


def lead_at(address: str) -> Lead:
    """The stored lead at a street line of ZIP 85034 (to find its row and its card)."""
    for lead in Lead.objects.filter(zip_code=ZIP):
        if " ".join(filter(None, (lead.street, lead.unit))) == address:
            return lead
    raise AssertionError(f"no lead at {address}")


def log_in(page: Page, hands: Hands, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    hands.type(page.get_by_label("Username"), username)
    hands.type(page.get_by_label("Password"), password)
    hands.press(page.get_by_role("button", name="Log in"))
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def nav(page: Page, hands: Hands, name: str) -> None:
    """The main navigation's link; on a narrow screen the links may sit behind a Menu."""
    menu = page.get_by_role("button", name="Menu", exact=True)
    if menu.count() and menu.is_visible():
        hands.press(menu)
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name=name)
    href = link.get_attribute("href")
    hands.press(link)
    page.wait_for_url(f"**{href}")


def settle(page: Page, url: str) -> None:
    """A filter form asks on every change and on submit (htmx queues the last): wait until
    no request of the page's is in flight, so the next step does not cut one off."""
    page.wait_for_url(url)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def open_lead(page: Page, hands: Hands, where: Locator, address: str) -> Lead:
    """From a row or a card, the link to the lead's page."""
    lead = lead_at(address)
    hands.press(where.get_by_role("link", name=address))
    page.wait_for_url(f"**/leads/{lead.pk}/")
    return lead


# --- search, lists, import ---------------------------------------------------------------


def search_zip(page: Page, hands: Hands) -> None:
    hands.type(page.locator("#id_zip"), ZIP)
    hands.press(page.get_by_role("button", name="Search"))
    header = page.locator("#results .result-header")
    expect(header.locator(".source")).to_have_text("ATTOM sandbox", timeout=PAID_STEP_MS)
    expect(header).to_contain_text("Sandbox data")
    expect(header).to_contain_text(f"347 properties in ZIP {ZIP}")
    expect(header).to_contain_text(f"This search cost {format_dollars(SEARCH_COST_MICROS)}")
    temperatures = page.locator("#results tbody tr td:first-child .badge")
    expect(temperatures).to_have_count(25)
    for text in temperatures.all_inner_texts():
        assert any(t in text for t in ("Dead ·", "Warm ·", "Hot ·", "On fire ·")), text


def save_search_as_list(page: Page, hands: Hands, name: str, records: int) -> None:
    """From the search's results: save, preview the refresh, refresh, see the new leads."""
    hands.type(page.locator("#save-name"), name)
    hands.type(page.locator("#save-max"), str(records))
    hands.press(page.get_by_role("button", name="Save as list"))
    page.wait_for_url("**/lists/*/")
    expect(page.locator("h1")).to_contain_text(name)
    hands.press(page.get_by_role("button", name="Refresh…"))
    dialog = page.locator("dialog#modal")
    preview = dialog.locator("#refresh-preview")
    expect(preview).to_contain_text(f"At most {records} records")
    most = format_dollars(records * RECORD_PRICE_MICROS)
    expect(preview).to_contain_text(f"The most it can cost: {most}")
    hands.press(dialog.get_by_role("button", name="Refresh now"))
    result = dialog.locator("#refresh-result")
    expect(result).to_contain_text(f"{records} new since the last", timeout=PAID_STEP_MS)
    hands.press(dialog.get_by_role("link", name="Show the list"))
    expect(page.locator("#new-count")).to_have_text(str(records))


def import_csv_list(page: Page, hands: Hands, name: str, csv_text: str) -> None:
    """Upload and preview; the caller reads the preview, then `confirm_import`."""
    nav(page, hands, "Lists")
    hands.press(page.get_by_role("link", name="Import a CSV list…"))
    page.set_input_files(
        "#id_file", {"name": "list.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    hands.type(page.locator("#id_listName"), name)
    hands.press(page.get_by_role("button", name="Preview"))
    expect(page.locator("#import-counts")).to_be_visible()


def confirm_import(page: Page, hands: Hands) -> None:
    hands.press(page.get_by_role("button", name="Import", exact=True))
    page.wait_for_url("**/lists/*/")


def filter_leads(page: Page, hands: Hands, *, min_lists: int, out_of_state: bool) -> None:
    nav(page, hands, "Leads")
    hands.type(page.get_by_label("On at least N lists"), str(min_lists))
    hands.choose(page.get_by_label("Out-of-state owner"), "true" if out_of_state else "false")
    hands.press(page.get_by_role("button", name="Filter"))
    settle(page, f"**minLists={min_lists}**")


# --- skip trace --------------------------------------------------------------------------


def trace_from_lead_page(page: Page, hands: Hands) -> Locator:
    """Open the skip-trace modal on the lead page, trace, and return the dialog."""
    hands.press(page.get_by_role("button", name="Skip trace…"))
    dialog = page.locator("dialog#modal")
    expect(dialog).to_contain_text(
        f"{format_dollars(MATCH_PRICE_MICROS)} if BatchData finds the owner"
    )
    hands.press(dialog.get_by_role("button", name="Skip trace"))
    expect(dialog.locator("#modal-title")).to_have_text("Skip trace result", timeout=PAID_STEP_MS)
    return dialog


def shown(number: str) -> str:
    """A US number as the pages show it: (480) 419-2266."""
    return f"({number[:3]}) {number[3:6]}-{number[6:]}"


def expect_dnc_phones(dialog: Locator) -> None:
    """The trace's result in the dialog, and the lead page's contacts it redrew."""
    expect(dialog).to_contain_text(f"Cost {format_dollars(MATCH_PRICE_MICROS)}")
    rows = dialog.page.locator("[id^=contacts-] tbody tr")
    expect(rows).to_have_count(3)
    dnc = rows.filter(has_text=shown(DNC_NUMBER)).locator(".badge", has_text="DNC")
    expect(dnc).to_have_text("DNC")
    expect(rows.filter(has_text=shown(UNKNOWN_DNC_NUMBER))).to_contain_text("DNC unknown")
    expect(rows.filter(has_text=shown(CLEAR_NUMBER))).to_contain_text("DNC clear")
    expect(rows.locator(".badge", has_text="Best")).to_have_count(1)


def close_dialog(page: Page, hands: Hands) -> None:
    dialog = page.locator("dialog#modal")
    hands.press(dialog.get_by_role("button", name="Close"))
    expect(dialog).to_be_hidden()


def bulk_trace_filtered(page: Page, hands: Hands, matching: int, already_traced: int) -> None:
    """All leads matching the filter: the preview's counts and cost, then the run."""
    page.get_by_label(f"all {matching} matching the filter").check()
    hands.press(page.get_by_role("button", name="Bulk skip trace…"))
    dialog = page.locator("dialog#modal")
    to_trace = matching - already_traced
    expect(dialog).to_contain_text(f"{matching} leads selected")
    expect(dialog).to_contain_text(f"{already_traced} already traced — free")
    expect(dialog).to_contain_text(f"{to_trace} to trace, at most $")
    expect(dialog).to_contain_text(f"BatchData {format_dollars(to_trace * MATCH_PRICE_MICROS)}")
    hands.press(dialog.get_by_role("button", name="Start bulk trace"))
    done = f"Done — {matching} of {matching}"
    expect(dialog.locator("#bulk-progress")).to_contain_text(done, timeout=PAID_STEP_MS)
    close_dialog(page, hands)


# --- the board ---------------------------------------------------------------------------


def board_card(page: Page, lead: Lead) -> Locator:
    return page.locator(f'li.kcard[data-lead-id="{lead.pk}"]')


def filter_board(page: Page, hands: Hands, label: str, value: str, url: str) -> None:
    nav(page, hands, "Pipeline")
    field = page.get_by_label(label)
    if field.evaluate("e => e.tagName") == "SELECT":
        hands.choose(field, value)
    else:
        hands.type(field, value)
    hands.press(page.get_by_role("button", name="Filter"))
    settle(page, url)


def drag_to_column(page: Page, lead: Lead, stage: str) -> None:
    """Drag a card by the mouse into a column: out of its own column sideways, into the
    other, nudging until SortableJS has placed it there (`nudge_until`), then let go."""
    card, column = board_card(page, lead), page.locator(f'ul[data-sortable-stage="{stage}"]')
    start, end = card.bounding_box(), column.bounding_box()
    assert start and end
    x, y = start["x"] + start["width"] / 2, start["y"] + 12  # the owner's name, not a control
    page.mouse.move(x, y)
    page.mouse.down()
    to_x, to_y = end["x"] + end["width"] / 2, end["y"] + min(end["height"] / 2, 24)
    page.mouse.move(to_x, y, steps=10)
    page.mouse.move(to_x, to_y, steps=10)
    placed = column.locator(f'li.kcard[data-lead-id="{lead.pk}"]')
    landed = nudge_until(page, placed, lambda nudge: (to_x + nudge % 3, to_y + nudge % 5))
    with page.expect_response("**/pipeline/move/") as moved:
        page.mouse.up()
    assert landed, "SortableJS never put the card in the column"
    assert moved.value.status == 200


def move_with_menu(page: Page, hands: Hands, lead: Lead, stage: str) -> None:
    """The board's way without dragging: the card's move menu — a "Move to" select and its
    Move button, or a Move disclosure with one button per stage."""
    card = board_card(page, lead)
    disclosure = card.locator(".move-menu summary")
    if disclosure.count():
        hands.press(disclosure)
        target = card.get_by_role("button", name=Stage(stage).label, exact=True)
    else:
        hands.choose(card.get_by_label("Move to"), stage)
        target = card.get_by_role("button", name="Move")
    with page.expect_response("**/pipeline/move/"):
        hands.press(target)


def expect_in_column(page: Page, lead: Lead, stage: str, count: int) -> None:
    column = page.locator(f'ul[data-sortable-stage="{stage}"]')
    expect(column.locator(f'li.kcard[data-lead-id="{lead.pk}"]')).to_have_count(1)
    expect(page.locator(f"#col-{stage} [data-count]")).to_have_text(str(count))


# --- notes, tasks, export, spend ---------------------------------------------------------


def add_note_and_task(page: Page, hands: Hands, note: str, task: str) -> None:
    hands.type(page.get_by_label("Note"), note)
    hands.press(page.get_by_role("button", name="Add note"))
    expect(page.locator("#timeline")).to_contain_text(note)
    task_form = page.locator("#task-form")
    hands.type(task_form.get_by_label("Title"), task)
    hands.type_date(task_form.get_by_label("Due"), timezone.localdate().isoformat())
    hands.press(page.get_by_role("button", name="Add task"))
    expect(page.locator("#lead-tasks")).to_contain_text(task)
    expect(page.locator("#timeline")).to_contain_text("Task created")


def export_for_dialer(page: Page, hands: Hands, *, preset: str, stage: str) -> list[list[str]]:
    """From the Leads page to the export page: a dialer preset, scrub on, one stage; the
    scrub's summary, then the downloaded file's rows."""
    nav(page, hands, "Leads")
    hands.press(page.get_by_role("link", name=EXPORT_PAGE_LINK))
    hands.choose(page.get_by_label("Dialer preset"), preset)
    hands.choose(page.get_by_label("Scrub (leave out numbers not to dial)"), "true")
    hands.choose(page.locator("#export-form").get_by_label("Stage"), stage)
    settle(page, f"**stage={stage}**")
    summary = page.locator("#scrub-summary")
    expect(summary).to_contain_text("Scrub leaves out")
    expect(summary.locator("[data-reason]").first).to_be_visible()
    with page.expect_download() as download_info:
        hands.press(page.get_by_role("link", name="Download"))
    with open(download_info.value.path(), encoding="utf-8-sig") as exported:
        return list(csv.reader(exported))


def expect_scrubbed_export(rows: list[list[str]]) -> None:
    assert rows[0] == ["first name", "last name", "address", "city", "state", "zip", "phone"]
    numbers = [row[-1] for row in rows[1:]]
    assert CLEAR_NUMBER in numbers, numbers
    assert DNC_NUMBER not in numbers and UNKNOWN_DNC_NUMBER not in numbers, numbers


def todays_ledger_micros() -> dict[str, int]:
    rows = LedgerEntry.objects.filter(day=spend_day()).values("provider")
    spent = {row["provider"]: row["spent"] for row in rows.annotate(spent=Sum("cost_micros"))}
    return {provider: spent.get(provider, 0) for provider in PROVIDERS}


def expect_spend_matches_ledger(page: Page, hands: Hands) -> None:
    nav(page, hands, "Spend")
    spent = todays_ledger_micros()
    assert spent["attom"] > 0 and spent["batch"] > 0, spent
    for provider, micros in spent.items():
        expect(page.locator(f"#today-{provider} .value")).to_have_text(format_dollars(micros))
    expect(page.locator("#total-spend .value")).to_have_text(format_dollars(sum(spent.values())))


# --- Django admin and the counters -------------------------------------------------------


def admin_add(page: Page, model: str, fields: dict[str, str]) -> None:
    """Add a row in Django admin: from its index, the model's "Add" link, the form, Save."""
    page.goto("/admin/")
    page.get_by_role("row", name=model).get_by_role("link", name="Add").click()
    fill_admin_form(page, fields)


def admin_change(page: Page, model: str, row: str, fields: dict[str, str]) -> None:
    page.goto("/admin/")
    page.get_by_role("link", name=model, exact=True).click()
    page.get_by_role("link", name=row).click()
    fill_admin_form(page, fields)


def fill_admin_form(page: Page, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        field = page.get_by_label(label)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("successfully")


def batch_counters(agent_id: int) -> dict[str, object]:
    """Everything a skip trace pays into: the ledger's money, the team's and the agent's day
    (a day's counter row may appear at a refusal, holding nothing)."""
    money = {"settled": Sum("settled_micros", default=0), "held": Sum("reserved_micros", default=0)}
    day = spend_day()
    agent_day = UserSpendDay.objects.filter(user_id=agent_id, provider="batch", day=day)
    return {
        "ledger_micros": todays_ledger_micros(),
        "paid_rows": LedgerEntry.objects.filter(cost_micros__gt=0).count(),
        "team": SpendDay.objects.filter(provider="batch", day=day).aggregate(**money),
        "agent": agent_day.aggregate(**money),
    }


def refused_trace(page: Page, lead: Lead, *, budget_left: str) -> Locator:
    """The agent opens the trace on the lead page, sees today's budget left, asks for the
    trace; returns the refusal it shows."""
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("button", name="Skip trace…").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_contain_text(f"Today's skip-trace budget left: {budget_left}")
    dialog.get_by_role("button", name="Skip trace").click()
    expect(dialog.locator("#modal-title")).to_have_text("Skip trace result", timeout=PAID_STEP_MS)
    refusal = dialog.get_by_role("alert")
    expect(refusal).to_be_visible()
    return refusal


# --- the core journey --------------------------------------------------------------------

# The innermost elements that reach past the right edge of the screen.
PAST_THE_EDGE = """(width) => Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > width + 1
                 && !Array.from(e.children).some(c => c.getBoundingClientRect().right > width + 1))
    .slice(0, 5).map(e => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}`
                          + `${e.className ? "." + e.className : ""}`
                          + ` to ${Math.round(e.getBoundingClientRect().right)}px`)"""


def fits_the_screen(page: Page) -> None:
    """Nothing makes the page wider than the phone's screen (a wide table may scroll inside a
    box of its own). A page that is wider is zoomed out, and taps miss their controls."""
    page.wait_for_load_state()
    viewport = page.viewport_size
    assert viewport
    width = viewport["width"]
    page_width = page.evaluate("() => document.documentElement.scrollWidth")
    past = page.evaluate(PAST_THE_EDGE, width)
    assert page_width <= width, f"{page.url} is {page_width}px wide on a {width}px screen: {past}"


def core_journey(page: Page, hands: Hands, fits: Callable[[Page], None]) -> None:
    """Search → open a lead → trace → move it on the board → a note and a task → export;
    `fits(page)` checks each page as it is reached."""
    log_in(page, hands, "agent", "agent-pass-123")
    fits(page)
    search_zip(page, hands)
    fits(page)
    lead = open_lead(page, hands, page.locator("#results"), OUT_OF_STATE_WITH_DNC)
    fits(page)
    expect_dnc_phones(trace_from_lead_page(page, hands))
    close_dialog(page, hands)
    filter_board(page, hands, "Contactable", "true", "**contactable=true**")
    fits(page)
    move_with_menu(page, hands, lead, "contacted")
    expect_in_column(page, lead, "contacted", 1)
    open_lead(page, hands, board_card(page, lead), OUT_OF_STATE_WITH_DNC)
    add_note_and_task(page, hands, "Call after 5.", "Send the offer")
    rows = export_for_dialer(page, hands, preset="calltools", stage="contacted")
    fits(page)
    expect_scrubbed_export(rows)
