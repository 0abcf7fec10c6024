"""The search page: the form, results through the sandbox, htmx partials, errors and the
stored-leads toggle."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from billing.models import DailyCap, LedgerEntry, Outcome
from leads.tests.factories import make_lead
from providers.sandbox import faults

pytestmark = pytest.mark.django_db

PAGE = "/"
HTMX = {"HTTP_HX_REQUEST": "true"}
TEMPERATURE_BADGE = re.compile(r'class="badge badge-(DEAD|WARM|HOT|ON_FIRE)"')


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users
    settings.SANDBOX_PROVIDERS = True
    cache.clear()
    yield
    cache.clear()


def rows(html: str) -> int:
    return len(re.findall(r'<tr id="lead-\d+"', html))


def test_it_renders_the_empty_form_for_an_agent(agent_client):
    response = agent_client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Find leads</h1>" in html
    assert 'name="zip"' in html
    assert 'type="checkbox" name="attom" value="true" checked' in html
    assert "$0.10 per property returned" in html
    assert faults.request_count("attom") == 0


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(PAGE, {"zip": "85034"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert faults.request_count("attom") == 0


def test_it_shows_sandbox_results_with_source_cost_and_temperatures(agent_client):
    response = agent_client.get(PAGE, {"zip": "85034"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="source">ATTOM sandbox</span>' in html
    assert "Sandbox data" in html
    assert "347 properties in ZIP 85034" in html
    assert "This search cost $2.50" in html  # 25 records at $0.10
    assert rows(html) == 25
    assert len(TEMPERATURE_BADGE.findall(html)) == 25
    assert "<html" in html


def test_it_answers_htmx_with_the_results_partial_only(agent_client):
    response = agent_client.get(PAGE, {"zip": "85034", "pageSize": "10"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'method="get"' not in html  # not the search form (the results' own forms post)
    assert '<div class="result-header">' in html
    assert rows(html) == 10
    assert "HX-Request" in response["Vary"]


def test_it_says_the_cache_answered_a_repeated_search(agent_client):
    agent_client.get(PAGE, {"zip": "85034", "pageSize": "5"})

    html = agent_client.get(PAGE, {"zip": "85034", "pageSize": "5"}).content.decode()

    assert '<span class="source">From the cache</span>' in html
    assert "This search cost $0.00" in html
    assert rows(html) == 5
    assert faults.request_count("attom") == 1


def test_it_shows_a_bad_zip_inline_with_status_400(agent_client):
    response = agent_client.get(PAGE, {"zip": "abcde"})

    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="field-error" id="id_zip_error">Enter a 5-digit ZIP code.</div>' in html
    assert 'value="abcde"' in html  # the form keeps what was typed
    assert faults.request_count("attom") == 0
    assert not LedgerEntry.objects.exists()


def test_it_shows_form_errors_in_the_htmx_partial(agent_client):
    response = agent_client.get(PAGE, {"zip": "00000"}, **HTMX)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Check the search" in html
    assert "00000 is not a US ZIP code." in html


def test_it_shows_the_cap_refusal_as_a_plain_message_with_429(agent_client):
    DailyCap.objects.create(provider="attom", cap_micros=0)

    response = agent_client.get(PAGE, {"zip": "85034"})

    assert response.status_code == 429
    html = response.content.decode()
    assert "ATTOM budget is spent ($0.00 of $0.00). It resets at 00:00" in html
    assert "Traceback" not in html
    assert rows(html) == 0
    assert faults.request_count("attom") == 0
    assert LedgerEntry.objects.get().outcome == Outcome.REFUSED


def test_it_shows_a_vendor_failure_as_a_message_with_502(agent_client):
    faults.queue("attom", "401")

    response = agent_client.get(PAGE, {"zip": "85034"})

    assert response.status_code == 502
    assert "ATTOM could not answer: Unauthorized" in response.content.decode()


def test_it_shows_stored_leads_when_the_toggle_is_off(agent_client):
    make_lead(zip_code="85034", ai_score=70, temperature_tag="HOT")
    make_lead(zip_code="85034")

    # Unticked, the form sends only its hidden "false".
    response = agent_client.get(PAGE, {"zip": "85034", "attom": "false"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="source">Stored leads</span>' in html
    assert "2 properties in ZIP 85034" in html
    assert rows(html) == 2
    assert 'type="checkbox" name="attom" value="true" checked' not in html
    assert faults.request_count("attom") == 0


def test_it_fetches_from_attom_when_the_toggle_is_ticked(agent_client):
    # Ticked, the form sends the hidden "false" and then the checkbox's "true".
    response = agent_client.get(PAGE + "?zip=85034&pageSize=5&attom=false&attom=true")

    html = response.content.decode()
    assert '<span class="source">ATTOM sandbox</span>' in html
    assert 'type="checkbox" name="attom" value="true" checked' in html
    assert faults.request_count("attom") == 1


def test_it_says_when_attom_is_off(agent_client, settings):
    settings.SANDBOX_PROVIDERS, settings.ATTOM_API_KEY = False, ""
    make_lead(zip_code="85034")

    html = agent_client.get(PAGE, {"zip": "85034"}).content.decode()

    assert '<span class="source">Stored leads</span>' in html
    assert "ATTOM is off" in html
    assert rows(html) == 1
