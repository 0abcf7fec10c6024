"""What a search says it may cost, and the confirmation a costly one needs."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from billing.models import DailyCap, LedgerEntry
from providers.sandbox import faults

pytestmark = pytest.mark.django_db

RECORD_MICROS = 100_000  # ATTOM's default price per record returned


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.SEARCH_CONFIRM_ABOVE_MICROS = 10_000_000  # $10
    DailyCap.objects.create(provider="attom", cap_micros=100_000_000)
    cache.clear()
    yield
    cache.clear()


def test_it_prices_the_hint_for_the_chosen_page_size(agent_client):
    html = agent_client.get("/search/price/", {"pageSize": "500"}).content.decode()

    assert "at most $50.00 for 500 a page" in html
    assert "above $10.00, so you will be asked to confirm" in html
    assert 'id="price-hint"' in html and "<html" not in html


def test_it_prices_a_deep_page_by_every_attom_page_it_merges(agent_client):
    html = agent_client.get("/search/price/", {"pageSize": "25", "page": "3"}).content.decode()

    assert "at most $2.50 for 25 a page, page 3" in html
    assert "asked to confirm" not in html


def test_it_shows_the_hint_for_the_searched_page_size(agent_client):
    html = agent_client.get("/", {"zip": "85034", "pageSize": "50"}).content.decode()

    assert "at most $5.00 for 50 a page" in html
    assert 'hx-get="/search/price/"' in html


def test_it_asks_before_a_search_that_may_cost_more_than_the_threshold(agent_client):
    response = agent_client.get("/", {"zip": "85034", "pageSize": "500", "attom": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "This search can cost up to <strong>$50.00</strong> at ATTOM" in html
    assert '<input type="hidden" name="confirm" value="true">' in html
    assert faults.request_count("attom") == 0  # nothing fetched, nothing spent
    assert not LedgerEntry.objects.exists()


def test_it_runs_a_costly_search_once_confirmed(agent_client):
    response = agent_client.get(
        "/", {"zip": "85034", "pageSize": "500", "attom": "true", "confirm": "true"}
    )

    assert response.status_code == 200
    assert "This search can cost up to" not in response.content.decode()
    assert faults.request_count("attom") > 0


def test_it_runs_a_search_within_the_threshold_without_asking(agent_client):
    agent_client.get("/", {"zip": "85034", "pageSize": "100"})

    assert faults.request_count("attom") == 1


def test_it_does_not_ask_for_a_page_the_cache_answers_for_free(agent_client):
    agent_client.get("/", {"zip": "85034", "pageSize": "500", "confirm": "true"})
    sent = faults.request_count("attom")

    html = agent_client.get("/", {"zip": "85034", "pageSize": "500"}).content.decode()

    assert "This search can cost up to" not in html
    assert faults.request_count("attom") == sent


def test_it_does_not_ask_when_the_stored_leads_are_searched(agent_client):
    html = agent_client.get(
        "/", {"zip": "85034", "pageSize": "500", "attom": "false"}
    ).content.decode()

    assert "This search can cost up to" not in html


def test_the_api_answers_409_until_the_search_is_confirmed(agent_client):
    refused = agent_client.get("/api/search", {"zip": "85034", "pageSize": "500"})
    accepted = agent_client.get(
        "/api/search", {"zip": "85034", "pageSize": "500", "confirm": "true"}
    )

    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "confirmation_required"
    assert (body["maxCostCents"], body["confirmAboveCents"]) == (5000, 1000)
    assert "confirm=true" in body["message"]
    assert accepted.status_code == 200
    assert accepted.json()["costCents"] > 0


def test_it_says_in_the_ledger_what_was_searched(agent_client):
    agent_client.get("/api/search", {"zip": "85034", "pageSize": "25", "page": "2"})
    agent_client.get("/api/search", {"zip": "85034", "pageSize": "25", "page": "2"})

    paid, cached = LedgerEntry.objects.filter(provider="attom").order_by("pk")
    assert paid.cost_micros > 0 and paid.detail == "ZIP 85034, page 2 (25 a page)"
    assert cached.outcome == "cached" and cached.detail == "ZIP 85034, page 2 (25 a page)"
