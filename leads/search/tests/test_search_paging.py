"""Search results come hottest first; a page past the end says so and links back."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from leads.models import Lead
from providers.sandbox import faults

pytestmark = pytest.mark.django_db

PAGE = "/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SANDBOX_PROVIDERS = True
    cache.clear()
    yield
    cache.clear()


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="lead-(\d+)"', html)]


@pytest.mark.parametrize("attom", ["true", "false"])
def test_it_lists_a_page_of_results_best_score_first(agent_client, attom):
    if attom == "false":
        agent_client.get(PAGE, {"zip": "85034", "attom": "true"})  # store some leads first
    html = agent_client.get(PAGE, {"zip": "85034", "attom": attom}, **HTMX).text

    ids = row_ids(html)
    scores = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "ai_score"))
    shown = [scores[pk] or 0 for pk in ids]
    assert len(shown) == 25 and len(set(shown)) > 1
    assert shown == sorted(shown, reverse=True)


def test_a_page_past_the_end_shows_the_true_total_and_the_way_back(agent_client):
    response = agent_client.get(PAGE, {"zip": "85034", "page": "20"}, **HTMX)

    assert response.status_code == 200
    html = response.text
    assert "347 properties in ZIP 85034" in html
    assert "There is no page 20: the last page is 14." in html
    assert re.search(r'href="\?[^"]*page=14[^"]*"[^>]*>Last page \(14\)', html)
    assert re.search(r'href="\?[^"]*page=1[&"][^>]*>First page', html)
    assert "No properties match." not in html


def test_a_page_past_what_attom_can_reach_is_refused_before_anything_is_asked(agent_client):
    response = agent_client.get(PAGE, {"zip": "85034", "page": "401"})

    assert response.status_code == 400
    assert (
        "Page: A search reaches at most 10,000 properties: with 25 per page the last page is 400."
        in response.text
    )
    assert "10000 properties" not in response.text
    assert faults.request_count("attom") == 0
