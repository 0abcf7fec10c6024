from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_shows_the_navigation_and_logs_out(page, agent):
    page.goto("/")
    assert "/accounts/login/" in page.url

    page.fill("#id_username", "agent")
    page.fill("#id_password", "agent-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    nav = page.locator("nav[aria-label=Main]")
    for label in ("Search", "Leads", "Pipeline", "Spend"):
        assert nav.get_by_role("link", name=label).is_visible()
    assert nav.get_by_role("link", name="Admin").count() == 0

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/leads/")
    assert "/accounts/login/" in page.url


def test_it_refuses_a_wrong_password(page, agent):
    page.goto("/accounts/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").is_visible()
