"""base.html's shared furniture, on every page: the folding nav, the toast region, the
confirm dialog, the loading bar, and nothing the strict CSP would refuse."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/", "/leads/", "/lists/", "/pipeline/", "/tasks/", "/spend/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_shared_furniture(agent_client, path):
    html = agent_client.get(path).content.decode()

    assert re.search(r'<button[^>]+class="nav-toggle"[^>]+aria-controls="main-nav"', html)
    assert re.search(r'id="toasts" role="status" aria-live="polite"', html)
    assert '<dialog class="confirm-dialog" id="confirm-dialog"' in html
    assert 'id="loading-bar"' in html


@pytest.mark.parametrize("path", PAGES)
def test_no_page_has_inline_script_style_or_handlers(agent_client, path):
    html = agent_client.get(path).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_empty_leads_page_says_what_to_do_next(agent_client):
    html = agent_client.get("/leads/").content.decode()
    assert "No leads yet." in html and 'href="/">Search an area</a>' in html

    filtered = agent_client.get("/leads/?q=nobody").content.decode()
    assert "No leads match these filters." in filtered
