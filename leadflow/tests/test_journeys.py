"""Whole journeys in a real browser, the way an agent or an admin clicks through them, under the
browser guard (no console error, CSP violation, failed request or 5xx on any page).

Providers answer from the sandbox, whose answers are fixed per address; background tasks run at
once (ImmediateBackend). Only users are seeded; everything else is done through the pages.
Each step is a small function so a changed page means one changed helper.
"""

from __future__ import annotations

import csv
from collections.abc import Callable

import pytest
from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from billing.caps import spend_day
from billing.models import LedgerEntry, SpendDay, UserSpendDay
from billing.money import format_dollars
from leads.models import Lead, Stage
from providers.registry import PROVIDERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZIP = "85034"
# Addresses of ZIP 85034 as the ATTOM sandbox lists them, and what the BatchData sandbox
# answers for each (providers/sandbox/batchdata.py decides by address).
OUT_OF_STATE_WITH_DNC = "9234 BAY AVE UNIT 43"  # owner in GA; phones: DNC, DNC unknown, clear
DNC_NUMBER, UNKNOWN_DNC_NUMBER, CLEAR_NUMBER = "4804192266", "4803731343", "4803011328"
OUT_OF_STATE_LITIGATOR = "7538 N CANYON CT"  # owner in PA; a known TCPA litigator
IN_STATE_LITIGATOR = "3000 BAY AVE"  # owner lives there
SAVED_SEARCH_RECORDS = 45  # the first 45 records hold all three
STEP_MS = 20_000
PAID_STEP_MS = 30_000  # a step that calls a sandbox provider, on a shared machine
MOBILE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _patient_expectations():
    """A journey runs for minutes on a machine others share: a slow answer is not a failure."""
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


def lead_at(address: str) -> Lead:
    """The stored lead at a street line of ZIP 85034 (to find its card and its row)."""
    for lead in Lead.objects.filter(zip_code=ZIP):
        if " ".join(filter(None, (lead.street, lead.unit))) == address:
            return lead
    raise AssertionError(f"no lead at {address}")


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


# --- search, lists, import ---------------------------------------------------------------


def search_zip(page: Page) -> None:
    nav(page, "Search")
    page.fill("#id_zip", ZIP)
    page.get_by_role("button", name="Search").click()
    header = page.locator("#results .result-header")
    expect(header.locator(".source")).to_have_text("ATTOM sandbox", timeout=PAID_STEP_MS)
    expect(header).to_contain_text("Sandbox data")
    expect(header).to_contain_text(f"347 properties in ZIP {ZIP}")
    expect(header).to_contain_text("This search cost $2.50")
    temperatures = page.locator("#results tbody tr td:first-child .badge")
    expect(temperatures).to_have_count(25)
    for text in temperatures.all_inner_texts():
        assert any(t in text for t in ("Dead ·", "Warm ·", "Hot ·", "On fire ·")), text


def save_search_as_list(page: Page, name: str, records: int) -> None:
    """From the search's results: save, preview the refresh, refresh, see the new leads."""
    page.fill("#save-name", name)
    page.fill("#save-max", str(records))
    page.get_by_role("button", name="Save as list").click()
    page.wait_for_url("**/lists/*/")
    expect(page.locator("h1")).to_contain_text(name)
    page.get_by_role("button", name="Refresh…").click()
    dialog = page.locator("dialog#modal")
    preview = dialog.locator("#refresh-preview")
    expect(preview).to_contain_text(f"At most {records} records")
    expect(preview).to_contain_text(f"The most it can cost: {format_dollars(records * 100_000)}")
    dialog.get_by_role("button", name="Refresh now").click()
    expect(dialog.locator("#refresh-result")).to_contain_text(
        f"{records} new since the last", timeout=PAID_STEP_MS
    )
    dialog.get_by_role("link", name="Show the list").click()
    expect(page.locator("#new-count")).to_have_text(str(records))


def import_csv_list(page: Page, name: str, csv_text: str) -> Locator:
    """Upload, read the preview and its rejections, import; returns the counts line."""
    nav(page, "Lists")
    page.get_by_role("link", name="Import a CSV list…").click()
    page.set_input_files(
        "#id_file", {"name": "list.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.fill("#id_listName", name)
    page.get_by_role("button", name="Preview").click()
    counts = page.locator("#import-counts")
    expect(counts).to_be_visible()
    return counts


def filter_leads(page: Page, *, min_lists: int, out_of_state: bool) -> None:
    nav(page, "Leads")
    page.get_by_label("On at least N lists").fill(str(min_lists))
    page.get_by_label("Out-of-state owner").select_option("true" if out_of_state else "false")
    page.get_by_role("button", name="Filter").click()
    settle(page, f"**minLists={min_lists}**")


def settle(page: Page, url: str) -> None:
    """A filter form asks on every change and on submit (htmx queues the last): wait until
    no request of the page's is in flight, so the next click does not cut one off."""
    page.wait_for_url(url)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


# --- skip trace --------------------------------------------------------------------------


def trace_from_lead_page(page: Page, press: Callable[[Locator], None]) -> Locator:
    """Open the skip-trace modal on the lead page, trace, and return the dialog."""
    press(page.get_by_role("button", name="Skip trace…"))
    dialog = page.locator("dialog#modal")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Costs $0.07 if BatchData finds the owner")
    press(dialog.get_by_role("button", name="Skip trace"))
    expect(dialog.locator("#modal-title")).to_have_text("Skip trace result", timeout=PAID_STEP_MS)
    return dialog


def expect_dnc_phones(dialog: Locator) -> None:
    expect(dialog).to_contain_text("Cost $0.07")
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text=DNC_NUMBER).locator(".badge", has_text="DNC")).to_have_text("DNC")
    expect(rows.filter(has_text=UNKNOWN_DNC_NUMBER)).to_contain_text("DNC unknown")
    expect(rows.filter(has_text=CLEAR_NUMBER)).to_contain_text("DNC clear")
    expect(dialog.locator(".badge", has_text="Best")).to_have_count(1)


def bulk_trace_filtered(page: Page, matching: int, already_traced: int) -> None:
    page.get_by_label(f"all {matching} matching the filter").check()
    page.get_by_role("button", name="Bulk skip trace…").click()
    dialog = page.locator("dialog#modal")
    to_trace = matching - already_traced
    expect(dialog).to_contain_text(f"{matching} leads selected")
    expect(dialog).to_contain_text(f"{already_traced} already traced — free")
    expect(dialog).to_contain_text(
        f"{to_trace} to trace, at most {format_dollars(to_trace * 70_000)}"
    )
    dialog.get_by_role("button", name="Start bulk trace").click()
    expect(dialog.locator("#bulk-progress")).to_contain_text(
        f"Done — {matching} of {matching}", timeout=PAID_STEP_MS
    )
    dialog.get_by_role("button", name="Close").click()


# --- the board ---------------------------------------------------------------------------


def board_card(page: Page, lead: Lead) -> Locator:
    return page.locator(f'li.kcard[data-lead-id="{lead.pk}"]')


def board_column(page: Page, stage: str) -> Locator:
    return page.locator(f'ul[data-sortable-stage="{stage}"]')


def filter_board_to_stacked(page: Page) -> None:
    nav(page, "Pipeline")
    page.get_by_label("On at least N lists").fill("2")
    page.get_by_role("button", name="Filter").click()
    settle(page, "**minLists=2**")


def drag_to_column(page: Page, lead: Lead, stage: str) -> None:
    """Drag a card by the pointer into a column: out of its own column sideways, into the
    other, nudging until SortableJS has placed it there, then let go."""
    card, column = board_card(page, lead), board_column(page, stage)
    start, end = card.bounding_box(), column.bounding_box()
    assert start and end
    x, y = start["x"] + start["width"] / 2, start["y"] + 12  # the owner's name, not a control
    page.mouse.move(x, y)
    page.mouse.down()
    to_x, to_y = end["x"] + end["width"] / 2, end["y"] + min(end["height"] / 2, 24)
    page.mouse.move(to_x, y, steps=10)
    page.mouse.move(to_x, to_y, steps=10)
    placed = column.locator(f'li.kcard[data-lead-id="{lead.pk}"]')
    for nudge in range(200):
        if placed.count():
            break
        page.mouse.move(to_x + nudge % 3, to_y + nudge % 5, steps=2)
    landed = placed.count() == 1
    with page.expect_response("**/pipeline/move/") as moved:
        page.mouse.up()
    assert landed, "SortableJS never put the card in the column"
    assert moved.value.status == 200


def expect_in_column(page: Page, lead: Lead, stage: str, count: int) -> None:
    expect(board_column(page, stage).locator(f'li.kcard[data-lead-id="{lead.pk}"]')).to_have_count(
        1
    )
    expect(page.locator(f"#col-{stage} [data-count]")).to_have_text(str(count))


# --- notes, tasks, export, spend ---------------------------------------------------------


def add_note_and_task(page: Page, note: str, task: str) -> None:
    page.get_by_label("Note").fill(note)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#timeline")).to_contain_text(note)
    page.locator("#task-form").get_by_label("Title").fill(task)
    page.locator("#task-form").get_by_label("Due").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Add task").click()
    expect(page.locator("#lead-tasks")).to_contain_text(task)
    expect(page.locator("#timeline")).to_contain_text("Task created")


def choose_export(page: Page, *, preset: str, stage: str) -> Locator:
    """On the export page: a dialer preset, scrub on, one stage; returns the summary."""
    page.get_by_label("Dialer preset").select_option(preset)
    page.get_by_label("Scrub (leave out numbers not to dial)").select_option("true")
    page.locator("#export-form").get_by_label("Stage").select_option(stage)
    summary = page.locator("#scrub-summary")
    expect(summary).to_contain_text("Scrub leaves out")
    return summary


def download_rows(page: Page, press: Callable[[Locator], None]) -> list[list[str]]:
    with page.expect_download() as download_info:
        press(page.get_by_role("link", name="Download"))
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


def expect_spend_matches_ledger(page: Page) -> None:
    nav(page, "Spend")
    spent = todays_ledger_micros()
    assert spent["attom"] > 0 and spent["batch"] > 0, spent
    for provider, micros in spent.items():
        expect(page.locator(f"#today-{provider} .value")).to_have_text(format_dollars(micros))
    expect(page.locator("#total-spend .value")).to_have_text(format_dollars(sum(spent.values())))


def click(locator: Locator) -> None:
    locator.click()


# --- (a) the agent's day -----------------------------------------------------------------


def test_it_takes_a_new_agent_from_a_search_to_a_scrubbed_dialer_file(page: Page, agent):
    log_in(page, "agent", "agent-pass-123")
    search_zip(page)
    save_search_as_list(page, "Phoenix 85034", SAVED_SEARCH_RECORDS)

    csv_text = (
        "Site Address,Zip,Owner\n"
        f"{OUT_OF_STATE_WITH_DNC},{ZIP},\n"
        f"{OUT_OF_STATE_LITIGATOR},{ZIP},\n"
        f"{IN_STATE_LITIGATOR},{ZIP},\n"
        f"77 Nowhere Rd,{ZIP},PAT QUINN\n"
        "9 Bad Zip Way,ABCDE,ANA LEE\n"
    )
    counts = import_csv_list(page, "Probate", csv_text)
    expect(counts).to_contain_text("5 rows: 1 new leads, 3 merged into existing leads, 1 rejected")
    rejected = page.locator("#import-rejected tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("ZIP 'ABCDE'")
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/lists/*/")
    expect(page.locator("main .messages")).to_contain_text("1 new leads, 3 merged")

    filter_leads(page, min_lists=2, out_of_state=True)
    expect(page.locator("#lead-total")).to_have_text("2 leads")
    traced, litigator = lead_at(OUT_OF_STATE_WITH_DNC), lead_at(OUT_OF_STATE_LITIGATOR)
    for lead in (traced, litigator):
        expect(page.locator(f"#lead-{lead.pk} .badge-stacked")).to_have_text("Stacked × 2")
    page.locator(f"#lead-{traced.pk}").get_by_role("link", name=OUT_OF_STATE_WITH_DNC).click()
    page.wait_for_url(f"**/leads/{traced.pk}/")
    expect_dnc_phones(trace_from_lead_page(page, click))
    page.locator("dialog#modal").get_by_role("button", name="Close").click()

    filter_leads(page, min_lists=2, out_of_state=True)
    bulk_trace_filtered(page, matching=2, already_traced=1)
    page.locator(f"#lead-{litigator.pk}").get_by_role("link", name=OUT_OF_STATE_LITIGATOR).click()
    expect(page.locator("#contacts")).to_contain_text("Known TCPA litigator — never contact.")

    filter_board_to_stacked(page)
    drag_to_column(page, traced, Stage.CONTACTED)
    expect_in_column(page, traced, Stage.CONTACTED, 1)
    drag_to_column(page, litigator, Stage.CONTACTED)
    expect_in_column(page, litigator, Stage.CONTACTED, 2)
    page.reload()
    expect_in_column(page, traced, Stage.CONTACTED, 2)

    board_card(page, traced).get_by_role("link", name=OUT_OF_STATE_WITH_DNC).click()
    add_note_and_task(page, "Owner lives in Georgia; call after 5.", "Send the offer")

    nav(page, "Leads")
    page.get_by_role("link", name="Export for a dialer…").click()
    summary = choose_export(page, preset="calltools", stage=Stage.CONTACTED)
    expect(summary.locator("[data-reason]").first).to_be_visible()
    expect_scrubbed_export(download_rows(page, click))

    expect_spend_matches_ledger(page)


# --- (b) an admin lowers the limits -------------------------------------------------------


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
    return {
        "ledger_micros": todays_ledger_micros(),
        "paid_rows": LedgerEntry.objects.filter(cost_micros__gt=0).count(),
        "team": SpendDay.objects.filter(provider="batch", day=day).aggregate(**money),
        "agent": UserSpendDay.objects.filter(user_id=agent_id, provider="batch", day=day).aggregate(
            **money
        ),
    }


def refused_trace(page: Page, lead: Lead) -> Locator:
    """The agent asks for a trace on the lead page; returns the refusal it shows."""
    page.goto(f"/leads/{lead.pk}/")
    press_trace = page.get_by_role("button", name="Skip trace…")
    press_trace.click()
    dialog = page.locator("dialog#modal")
    dialog.get_by_role("button", name="Skip trace").click()
    expect(dialog.locator("#modal-title")).to_have_text("Skip trace result", timeout=PAID_STEP_MS)
    refusal = dialog.get_by_role("alert")
    expect(refusal).to_be_visible()
    return refusal


def test_it_refuses_the_agents_next_trace_once_an_admin_lowers_the_limits(
    page: Page, open_journey_page, agent, admin
):
    log_in(page, "agent", "agent-pass-123")
    search_zip(page)
    lead = lead_at(OUT_OF_STATE_WITH_DNC)
    boss = open_journey_page()
    log_in(boss, "boss", "boss-pass-123")

    admin_add(
        boss,
        "Agent daily limits",
        {"User": "agent", "Provider": "BatchData", "Daily limit (cents)": "5"},
    )
    admin_add(boss, "Daily caps", {"Provider": "BatchData", "Daily cap (cents)": "50"})
    before = batch_counters(agent.pk)
    refusal = refused_trace(page, lead)
    expect(refusal).to_contain_text("Your daily BatchData limit is spent ($0.00 of $0.05)")
    expect(refusal).to_contain_text("an admin can raise it")
    assert batch_counters(agent.pk) == before

    admin_change(boss, "Daily caps", "BatchData", {"Daily cap (cents)": "6"})
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("button", name="Skip trace…").click()
    expect(page.locator("dialog#modal")).to_contain_text("budget left: $0.06 of $0.06")
    refusal = refused_trace(page, lead)
    expect(refusal).to_contain_text("Today's BatchData budget is spent ($0.00 of $0.06)")
    assert batch_counters(agent.pk) == before
    page.goto(f"/leads/{lead.pk}/")
    expect(page.locator("#contacts")).to_contain_text("Not traced yet.")
