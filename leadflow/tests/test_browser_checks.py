"""The browser checks catch what they are for: an axe-core violation, a page too wide for a
phone, and they take screenshots only when asked."""

from __future__ import annotations

import pytest

from leadflow.tests import browser_checks as checks

pytestmark = [pytest.mark.browser]

BROKEN = """<!doctype html><html lang="en"><head><title>t</title></head><body><main>
<h1>Broken</h1><button></button><div style="width: 600px" id="wide">wide</div>
</main></body></html>"""
FINE = """<!doctype html><html lang="en"><head><title>t</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Fine</h1><button>Save</button></main></body></html>"""


@pytest.fixture
def phone_page(_browser):
    context = _browser.new_context(viewport={"width": checks.PHONE_WIDTH, "height": 800})
    yield context.new_page()
    context.close()


def test_axe_names_the_rule_impact_element_and_help_of_a_violation(phone_page):
    phone_page.set_content(BROKEN)
    with pytest.raises(AssertionError) as failed:
        checks.assert_accessible(phone_page)
    assert "button-name (critical) at button: Buttons must have discernible text" in str(
        failed.value
    )


def test_axe_passes_a_page_without_serious_violations(phone_page):
    phone_page.set_content(FINE)
    checks.assert_accessible(phone_page)


def test_the_width_check_names_the_element_that_sticks_out(phone_page):
    phone_page.set_content(BROKEN)
    with pytest.raises(AssertionError, match=r"is \d+px wide at 390px:\n  main > div#wide"):
        checks.assert_fits_phone(phone_page)
    phone_page.set_content(FINE)
    checks.assert_fits_phone(phone_page)


def test_screenshots_are_taken_only_when_asked(phone_page, monkeypatch, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    phone_page.set_content(FINE)
    monkeypatch.delenv(checks.SCREENSHOTS_ENV, raising=False)
    assert checks.screenshot(phone_page, "fine", checks.PHONE) is None
    monkeypatch.setenv(checks.SCREENSHOTS_ENV, "1")
    path = checks.screenshot(phone_page, "fine", checks.PHONE)
    assert path == tmp_path / "docs" / "screenshots" / "fine-phone.png"
    assert path is not None and path.read_bytes().startswith(b"\x89PNG")
