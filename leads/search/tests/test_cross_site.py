"""A paid search never runs from a cross-site GET; bookmarks and our own pages still run it."""

from __future__ import annotations

import pytest

from accounts.auth import hash_token, new_token
from accounts.models import ApiToken
from billing.models import LedgerEntry
from providers.sandbox import faults

pytestmark = pytest.mark.django_db

QUERY = {"zip": "85034", "pageSize": "10"}


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_REFERER": "https://evil.example/page"},  # a browser without Sec-Fetch-*
    ],
)
def test_it_shows_a_button_instead_of_paying_for_a_navigation_from_another_site(
    agent_client, headers
):
    response = agent_client.get("/", QUERY, **headers)

    assert response.status_code == 200
    assert "Run this search" in response.content.decode()
    assert faults.request_count("attom") == 0
    assert not LedgerEntry.objects.filter(provider="attom").exists()


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_SEC_FETCH_SITE": "same-origin"}, {"HTTP_SEC_FETCH_SITE": "none"}, {}],
)
def test_it_runs_the_search_from_our_own_page_or_a_bookmark(agent_client, headers):
    response = agent_client.get("/", QUERY, **headers)

    assert response.status_code == 200
    assert "Run this search" not in response.content.decode()
    assert faults.request_count("attom") == 1


def test_it_refuses_a_cross_site_api_search_on_a_session(agent_client):
    response = agent_client.get("/api/search", QUERY, HTTP_SEC_FETCH_SITE="cross-site")

    assert response.status_code == 403
    assert response.json()["error"] == "cross_site_request"
    assert faults.request_count("attom") == 0


def test_it_runs_a_token_search_whatever_the_headers(client, agent):
    raw = new_token()
    ApiToken.objects.create(user=agent, token_hash=hash_token(raw))

    response = client.get(
        "/api/search", QUERY, HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_SEC_FETCH_SITE="cross-site"
    )

    assert response.status_code == 200
    assert faults.request_count("attom") == 1
