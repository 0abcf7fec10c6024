"""Every HTML page of LeadFlow in a real browser, at 1366 px and at 390 px: no axe-core
violation of impact serious or critical, and at 390 px no sideways scrolling.

The pages come from the URLconf, like the authorization matrix: a new URL fails this test
until it says which page shows it, or why it is no page (an API, a download, a POST that
answers into a page's dialog). With LEADFLOW_SCREENSHOTS=1 each page is also photographed
into docs/screenshots/ (`make screenshots`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from leadflow.tests import browser_checks as checks
from leadflow.tests.test_authorization_matrix import routes
from leadflow.tests.test_browser_flows import sandbox_finds_phones
from leads.lists.models import ListKind

AGENT, ADMIN, ANONYMOUS = "agent", "admin", "anonymous"
PASSWORDS = {AGENT: "agent-pass-123", ADMIN: "password"}  # conftest's agent, pytest-django's admin


def open_dialog(button: str) -> Callable[[Page], None]:
    # A click event rather than a tap at the button's place: a page too wide for the phone
    # (reported on its own) must not keep its dialog from being checked.
    def step(page: Page) -> None:
        page.get_by_role("button", name=button).dispatch_event("click")
        expect(page.locator("dialog#modal")).to_be_visible()
        page.wait_for_load_state("networkidle")

    return step


def in_dialog(button: str, then_shows: str) -> Callable[[Page], None]:
    def step(page: Page) -> None:
        dialog = page.locator("dialog#modal")
        dialog.get_by_role("button", name=button, exact=True).click()
        expect(dialog.locator(then_shows)).to_be_visible()
        page.wait_for_load_state("networkidle")

    return step


def steps(*each: Callable[[Page], None]) -> Callable[[Page], None]:
    def step(page: Page) -> None:
        for one in each:
            one(page)

    return step


def tick_and_bulk_trace(page: Page) -> None:
    for box in page.locator("#lead-table .row-select").all()[:3]:
        box.dispatch_event("click")
    open_dialog("Bulk skip trace…")(page)


def wrong_password(page: Page) -> None:
    page.fill("#id_username", "agent")
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()


def upload_and_preview(page: Page) -> None:
    """The import's preview (what its review step shows again): a CSV with a bad row."""
    text = b"Street,Zip,Owner\n7 Elm St,85034,JANE DOE\n,85034,NO STREET\n"
    page.set_input_files("#id_file", {"name": "tax.csv", "mimeType": "text/csv", "buffer": text})
    page.fill("#id_listName", "Tax delinquent 2")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-counts")).to_be_visible()


@dataclass(frozen=True)
class Visit:
    name: str  # the screenshot's name
    url: str  # formatted with the world's ids
    who: str = AGENT
    then: Callable[[Page], None] | None = None  # what the visitor does on the page first
    status: int = 200
    shows: str = "main h1"  # an element the page must show (its data, not an empty state)


# route → the visit that shows it. Every HTML page of the app is one of these.
PAGES: dict[str, Visit] = {
    "accounts/login/": Visit("login", "/accounts/login/", who=ANONYMOUS),
    "": Visit("search", "/?zip=85034", shows="#results tbody tr"),
    "leads/": Visit("leads", "/leads/", shows="#lead-table tbody tr"),
    "leads/<id:lead_id>/": Visit("lead", "/leads/{traced}/", shows="#contacts tbody tr"),
    "leads/<id:lead_id>/skiptrace/": Visit(
        "lead-skiptrace", "/leads/{untraced}/", then=open_dialog("Skip trace…")
    ),
    "leads/bulk-skiptrace/preview/": Visit("leads-bulk-trace", "/leads/", then=tick_and_bulk_trace),
    "pipeline/": Visit("board", "/pipeline/", shows="li.kcard"),
    "lists/": Visit("lists", "/lists/"),
    "lists/<id:list_id>/": Visit("list", "/lists/{saved}/", shows="#list-table tbody tr"),
    "lists/<id:list_id>/refresh/preview/": Visit(
        "list-refresh", "/lists/{saved}/", then=open_dialog("Refresh…")
    ),
    "lists/overlap/": Visit(
        "overlap", "/lists/overlap/?a={saved}&b={imported}", shows="table.data tbody tr"
    ),
    "lists/import/": Visit("import", "/lists/import/"),
    "lists/import/<id:staged_id>/review/": Visit(
        "import-preview", "/lists/import/", then=upload_and_preview
    ),
    "lists/imports/<id:import_id>/": Visit("import-progress", "/lists/imports/{import}/"),
    "leads/export/": Visit("export", "/leads/export/"),
    "leads/dispositions/": Visit("dispositions", "/leads/dispositions/"),
    "tasks/": Visit("tasks", "/tasks/", shows="#task-list tbody tr"),
    "spend/": Visit("spend", "/spend/", shows="#ledger-table tbody tr"),
    "admin/": Visit("admin", "/admin/", who=ADMIN, shows="#content h1"),
    "admin/billing/dailycap/": Visit(
        "admin-daily-caps", "/admin/billing/dailycap/", who=ADMIN, shows="#changelist"
    ),
    "admin/login/": Visit("admin-login", "/admin/login/", who=ANONYMOUS, shows="#login-form"),
}
# The pages `make screenshots` photographs (the README shows some): the main ones, not all,
# to keep the repository small.
SCREENSHOTS = {"login", "search", "leads", "lead", "lead-skiptrace", "board", "list", "tasks",
               "export", "spend"}  # fmt: skip

# What else a user sees: other states of the pages above, and the 404 page.
EXTRA = [
    Visit("login-failed", "/accounts/login/", who=ANONYMOUS, then=wrong_password),
    Visit("search-empty", "/"),
    Visit("spend-admin", "/spend/", who=ADMIN),
    Visit(
        "lead-skiptrace-result",
        "/leads/{untraced}/",
        then=steps(open_dialog("Skip trace…"), in_dialog("Skip trace", "text=Skip trace result")),
    ),
    Visit(
        "leads-bulk-progress",
        "/leads/",
        then=steps(tick_and_bulk_trace, in_dialog("Start bulk trace", "#bulk-progress")),
    ),
    Visit("not-found", "/no-such-page/", status=404),
]

# route → why it is no page of its own.
ACTION = "a POST action: it answers with a redirect or into the page's dialog"
FRAGMENT = "a fragment of a page listed above (htmx swaps it in)"
NOT_PAGES: dict[str, str] = {
    "accounts/logout/": ACTION,
    "leads/<id:lead_id>/skiptrace/run/": ACTION,
    "leads/<id:lead_id>/do-not-call/": ACTION,
    "leads/bulk-skiptrace/": ACTION,
    "leads/bulk-skiptrace/<id:job_id>/": FRAGMENT,
    "pipeline/move/": ACTION,
    "pipeline/assign/": ACTION,
    "pipeline/<str:stage>/": FRAGMENT,
    "search/price/": FRAGMENT,
    "leads/assign/": ACTION,
    "tasks/<id:task_id>/done/": ACTION,
    "leads/<id:lead_id>/notes/": ACTION,
    "leads/<id:lead_id>/tasks/": ACTION,
    "lists/add/": ACTION,
    "lists/<id:list_id>/remove/": ACTION,
    "lists/<id:list_id>/refresh/": ACTION,
    "lists/saved-searches/": ACTION,
    "lists/import/<id:staged_id>/counts/": FRAGMENT,
    "lists/import/<id:staged_id>/commit/": ACTION,
    "admin/logout/": ACTION,
}
ADMIN_REST = "Django admin's own generated page: the index and a changelist stand for them"


def page_rule(route: str) -> Visit | str:
    """The visit that shows a route, or why it has none; a route with neither fails."""
    if route in PAGES:
        return PAGES[route]
    if route in NOT_PAGES:
        return NOT_PAGES[route]
    if route.startswith("api/"):
        return "a JSON API"
    if route.endswith(".csv"):
        return "a CSV download"
    if route.startswith("admin/"):
        return ADMIN_REST
    raise AssertionError(f"{route!r} has no entry in the page list of test_every_page.py")


@pytest.fixture
def world(settings, agent, admin_user) -> dict[str, int]:
    """Demo-like data for every page: a sandbox search, a traced lead with phones, a saved
    search and an imported list sharing leads, and an overdue task."""
    settings.SANDBOX_PROVIDERS = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    from leads.activity.followups import task_create
    from leads.lists.imports import import_commit
    from leads.lists.services import list_add_leads, list_create
    from leads.search.forms import SearchForm
    from leads.search.services import lead_search
    from leads.skiptrace.services import lead_skip_trace

    form = SearchForm({"zip": "85034", "attom": "true"})
    assert form.is_valid(), form.errors
    leads = lead_search(query=form.search_query(), user_id=agent.pk).leads
    traceable = [lead for lead in leads if sandbox_finds_phones(lead)]
    lead_skip_trace(lead=traceable[0], user_id=agent.pk)
    saved = list_create(name="Phoenix 85034", user_id=agent.pk, kind=ListKind.SAVED_SEARCH,
                        query={"zip": "85034"}, max_records=30)  # fmt: skip
    list_add_leads(lead_list=saved, lead_ids=[lead.pk for lead in leads[:12]])
    text = b"Street,Zip,Owner\n1 Main St,85034,JANE DOE\n,85034,NO STREET\n"
    outcome = import_commit(io.BytesIO(text), list_name="Tax delinquent", user_id=agent.pk,
                            file_name="tax.csv")  # fmt: skip
    assert outcome.record is not None
    list_add_leads(lead_list=outcome.record.lead_list, lead_ids=[lead.pk for lead in leads[8:16]])
    yesterday = dt.date.today() - dt.timedelta(days=1)
    task_create(lead_id=traceable[0].pk, title="Call the owner back", due=yesterday,
                assignee_id=agent.pk, user_id=agent.pk)  # fmt: skip
    return {
        "traced": traceable[0].pk,
        "untraced": traceable[1].pk,
        "saved": saved.pk,
        "imported": outcome.record.lead_list_id,
        "import": outcome.record.pk,
    }


def visits() -> list[Visit]:
    found = [rule for route in routes() if isinstance(rule := page_rule(route), Visit)]
    return found + EXTRA


def signed_in(browser: Browser, base_url: str, who: str, viewport: checks.Viewport) -> Page:
    context: BrowserContext = browser.new_context(
        base_url=base_url,
        viewport={"width": viewport.width, "height": viewport.height},
        is_mobile=viewport.mobile,
        has_touch=viewport.mobile,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    if who != ANONYMOUS:
        page.goto("/accounts/login/")
        page.fill("#id_username", who)
        page.fill("#id_password", PASSWORDS[who])
        page.click("button[type=submit]")
        page.wait_for_url("**/")
    return page


def check_visit(page: Page, visit: Visit, ids: dict[str, int], viewport: checks.Viewport):
    """What is wrong with one page at one width: a list of readable lines."""
    refusals: list[str] = []

    def on_console(message) -> None:
        if "Refused to" in message.text or "Content Security Policy" in message.text:
            refusals.append(message.text)

    page.on("console", on_console)
    response = page.goto(visit.url.format(**ids))
    page.wait_for_load_state("networkidle")
    problems = []
    if response is None or response.status != visit.status:
        problems.append(f"answered {response and response.status}, not {visit.status}")
    try:
        if visit.then is not None:
            visit.then(page)
        expect(page.locator(visit.shows).first).to_be_attached()
    except (AssertionError, PlaywrightError) as exc:
        problems.append(f"could not get to what it shows: {str(exc).splitlines()[0]}")
    problems += checks.describe_violations(checks.axe_violations(page))
    if viewport is checks.PHONE and (wide := checks.width_problem(page)):
        problems.append(wide)
    problems += [f"CSP: {text}" for text in refusals]
    if visit.name in SCREENSHOTS:
        checks.screenshot(page, visit.name, viewport)
    page.remove_listener("console", on_console)
    return [f"{visit.name} ({visit.url}) at {viewport.width}px: {p}" for p in problems]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [checks.DESKTOP, checks.PHONE], ids=lambda v: v.name)
def test_every_page_is_accessible_and_fits(_browser, live_server, world, viewport):
    pages = {who: signed_in(_browser, live_server.url, who, viewport)
             for who in (AGENT, ADMIN, ANONYMOUS)}  # fmt: skip
    problems: list[str] = []
    try:
        for visit in visits():
            problems += check_visit(pages[visit.who], visit, world, viewport)
    finally:
        for page in pages.values():
            page.context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_every_url_is_a_page_here_or_says_why_not():
    for route in routes():
        page_rule(route)


def test_every_screenshot_is_of_a_page_visited():
    assert SCREENSHOTS - {visit.name for visit in [*PAGES.values(), *EXTRA]} == set()


def test_every_entry_is_a_url_that_exists():
    known = set(routes())
    assert set(PAGES) - known == set()
    assert set(NOT_PAGES) - known == set()


def test_a_new_url_without_an_entry_fails():
    with pytest.raises(AssertionError, match="no entry"):
        page_rule("reports/new-page/")
