"""A page number past the last page says there is no such page and links to the real ones."""

from __future__ import annotations

import re

import pytest

from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db


def must_find(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text)
    assert found, text
    return found


def test_it_says_there_is_no_such_page_and_links_to_the_first_and_last(agent_client):
    for _ in range(3):
        make_lead()

    html = agent_client.get("/leads/", {"page": "99999", "pageSize": "1", "sort": "owner"}).text

    assert "Page 99999 of" not in html
    assert "There is no page 99999: the last page is 3." in html
    last = must_find(r'href="\?([^"]*)"[^>]*>Last page \(3\)', html).group(1)
    assert "page=3" in last and "sort=owner" in last and "pageSize=1" in last
    assert re.search(r'href="\?[^"]*page=1[&"][^>]*>First page', html)
    assert "No leads on this page." in html


def test_it_offers_page_one_when_nothing_matches(agent_client):
    html = agent_client.get("/leads/", {"page": "5"}).text

    assert "There is no page 5: the last page is 1." in html
    assert "Last page" not in html


def test_a_real_page_keeps_its_plain_navigation(agent_client):
    for _ in range(3):
        make_lead()

    html = agent_client.get("/leads/", {"page": "2", "pageSize": "1"}).text

    assert "Page 2 of 3" in html and ">Previous</a>" in html and ">Next</a>" in html
