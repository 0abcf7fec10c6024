"""Fixtures shared by every app's tests."""

import contextlib
import os
import re

import pytest

from providers.sandbox import faults


@pytest.fixture(autouse=True)
def _no_real_vendor_hosts(settings):
    """Even a test that turns a provider live never points at the vendor's real host."""
    settings.ATTOM_BASE_URL = "https://attom.test"
    settings.BATCHDATA_BASE_URL = "https://batchdata.test/api/v1"
    settings.OPENAI_BASE_URL = "https://openai.test/v1"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (shared Redis in CI outlives a test; the default
    database cache's table outlives a transactional test)."""
    from django.core.cache import cache

    _clear(cache)
    yield
    _clear(cache)


def _clear(cache) -> None:
    # The database cache, in a test without database access: it cached nothing.
    with contextlib.suppress(RuntimeError):
        cache.clear()


@pytest.fixture(autouse=True)
def _clear_sandbox_faults():
    faults.clear()
    yield
    faults.clear()


@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent", password="agent-pass-123")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def _browser():
    """Debian's Chromium driven by Playwright; skipped with a reason where it is absent."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("LEADFLOW_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing but LEADFLOW_REQUIRE_BROWSER is set")
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make around it are ordinary synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


# Every page a browser test opens reports what went wrong on it through the browser itself.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.leadflowCspViolation(`${event.violatedDirective} refused ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""
CLIENT_ERROR_ECHO = re.compile(
    r"Failed to load resource: the server responded with a status of 4\d\d "
)
PAGE_ASSETS = {"script", "stylesheet", "image", "font"}
CANCELLED = "net::ERR_ABORTED"  # the browser's own cancel, e.g. of a page being left
BROWSER_GUARDS = pytest.StashKey[list["BrowserGuard"]]()


class BrowserGuard:
    """What went wrong in one browser context: console errors, uncaught exceptions, CSP
    violations, failed requests and 5xx answers. A test fails if any is left when it ends.

    Three things the browser reports are not failures: a navigation that turns into a download
    (the browser aborts it on purpose); a page's asset it cancelled itself (net::ERR_ABORTED)
    because the page was left before the asset came, as a click that submits a form does; and
    its console echo of a 4xx answer — bad input (400) and a cap's refusal (429) are answers
    the page shows. A 5xx is always a failure, and
    so is any 4xx for a script, a stylesheet, an image or a font the page needs."""

    def __init__(self, context) -> None:
        self.problems: list[str] = []
        self.failed_requests: list[tuple[str, str]] = []
        self.downloads: set[str] = set()
        context.expose_binding(
            "leadflowCspViolation", lambda _source, text: self.problems.append(f"CSP: {text}")
        )
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.problems.append(f"uncaught: {error.error}"))
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)
        context.on("page", lambda page: page.on("download", self._on_download))

    def _on_console(self, message) -> None:
        if message.type == "error" and not CLIENT_ERROR_ECHO.match(message.text):
            self.problems.append(f"console error: {message.text} ({message.location['url']})")

    def _on_request_failed(self, request) -> None:
        failure = request.failure or "failed"
        if failure == CANCELLED and request.resource_type in PAGE_ASSETS:
            return  # the page it was for is gone; an asset that is missing answers 4xx
        self.failed_requests.append((request.url, f"{request.method} {request.url}: {failure}"))

    def _on_response(self, response) -> None:
        request = response.request
        missing_asset = response.status >= 400 and request.resource_type in PAGE_ASSETS
        if response.status >= 500 or missing_asset:
            self.problems.append(f"HTTP {response.status}: {request.method} {response.url}")

    def _on_download(self, download) -> None:
        self.downloads.add(download.url)

    def found(self) -> list[str]:
        failed = [text for url, text in self.failed_requests if url not in self.downloads]
        return self.problems + [f"request failed: {text}" for text in failed]

    def take(self) -> list[str]:
        """What was found so far, forgotten: for a test that provokes a problem on purpose."""
        found = self.found()
        self.problems.clear()
        self.failed_requests.clear()
        return found

    def check(self) -> None:
        found = self.found()
        assert found == [], "the browser saw problems:\n" + "\n".join(found)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A browser test whose pages logged an error, broke the CSP, lost a request or got a
    5xx answer fails, even when every assertion of its own passed."""
    result = yield
    for guard in item.stash.get(BROWSER_GUARDS, []):
        guard.check()
    return result


@pytest.fixture
def open_page(request, _browser, live_server):
    """Opens a page in a new browser context (context options as Playwright takes them),
    watched by a `BrowserGuard`; the contexts close when the test ends."""
    contexts = []
    guards = request.node.stash.setdefault(BROWSER_GUARDS, [])

    def open_page(**context_options):
        context = _browser.new_context(base_url=live_server.url, **context_options)
        contexts.append(context)
        context.set_default_timeout(10_000)
        guards.append(BrowserGuard(context))
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def browser_guard(request, page) -> BrowserGuard:
    """The guard of the shared `page`."""
    return request.node.stash[BROWSER_GUARDS][0]


def log_in(page, username: str = "agent", password: str = "agent-pass-123") -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # "**/" matches the login too


@pytest.fixture
def logged_in_page(page, agent):
    log_in(page)
    return page


@pytest.fixture
def agent_page(logged_in_page):
    """The logged-in page; the browser guard fails the test on any error it shows."""
    return logged_in_page


@pytest.fixture
def no_query_cache():
    """For tests that count SQL queries: the query cache (when on) would answer some."""
    from cachalot.api import cachalot_disabled

    with cachalot_disabled():
        yield
