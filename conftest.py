"""Fixtures shared by every app's tests."""

import contextlib
import os

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


@pytest.fixture
def page(_browser, live_server):
    context = _browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def logged_in_page(page, agent):
    page.goto("/accounts/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "agent-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    return page


@pytest.fixture
def console_errors(logged_in_page):
    """Console errors and uncaught exceptions of every page the test visits."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    logged_in_page.on("console", on_console)
    logged_in_page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


@pytest.fixture
def agent_page(logged_in_page, console_errors):
    """The logged-in page; on the way out, no page it showed logged an error or a CSP refusal."""
    yield logged_in_page
    csp = [e for e in console_errors if "Content Security Policy" in e or "Refused to" in e]
    assert csp == [], f"CSP violations: {csp}"
    assert console_errors == [], f"console errors: {console_errors}"


@pytest.fixture
def no_query_cache():
    """For tests that count SQL queries: the query cache (when on) would answer some."""
    from cachalot.api import cachalot_disabled

    with cachalot_disabled():
        yield
