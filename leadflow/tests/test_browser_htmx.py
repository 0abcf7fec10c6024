"""htmx under the strict CSP: a swap never writes an inline style the policy refuses."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from leadflow.tests.journey_hands import Pointer
from leadflow.tests.journey_steps import move_with_menu
from leads.models import Stage
from leads.tests.factories import make_lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_swaps_the_board_without_copying_a_style_attribute(agent_page: Page):
    """htmx settles an element that keeps its id across a swap by copying attributes from the
    old element; a style one (SortableJS leaves it on a dragged card) would be an inline style
    the CSP refuses, and the browser guard would fail this test."""
    page = agent_page
    lead = make_lead(stage=Stage.NEW, position=0)
    page.goto("/pipeline/")
    page.evaluate("() => { document.getElementById('col-new').style.opacity = '0.99'; }")

    move_with_menu(page, Pointer(page), lead, Stage.CONTACTED)

    expect(page.locator("#col-contacted [data-count]")).to_have_text("1")
    page.wait_for_timeout(100)  # htmx settles 20 ms after the swap
