"""The demo data: realistic sandbox leads that leave today's budget whole."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from billing.caps import spend_day
from billing.models import LedgerEntry, SpendDay
from billing.selectors import provider_spend_today
from leads.models import Lead
from providers.sandbox import faults

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    cache.clear()
    yield
    cache.clear()


def load() -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def test_the_first_search_of_the_demo_zip_is_a_free_cache_hit(agent_client):
    load()
    sent = faults.request_count("attom")

    response = agent_client.get("/", {"zip": "85034", "attom": ["false", "true"]})

    html = response.content.decode()
    assert "From the cache" in html
    assert "This search cost $0.00" in html
    assert faults.request_count("attom") == sent


def test_it_leaves_todays_budgets_untouched():
    out = load()

    assert Lead.objects.count() >= 60 and Lead.objects.exclude(skip_traced_at=None).exists()
    for provider in ("attom", "batch", "twilio"):
        assert provider_spend_today(provider).committed_micros == 0, provider
    assert not LedgerEntry.objects.filter(day=spend_day()).exclude(outcome="cached").exists()
    assert "none today" in out


def test_its_spend_still_shows_on_the_day_before_and_reconciles():
    load()

    yesterday = SpendDay.objects.get(provider="attom", day=spend_day() - dt.timedelta(days=1))
    rows = LedgerEntry.objects.filter(provider="attom", day=yesterday.day)
    assert yesterday.settled_micros == sum(row.cost_micros for row in rows) == 75 * 100_000
    out = StringIO()
    call_command("reconcile_spend", stdout=out)
    assert "MISMATCH" not in out.getvalue().upper()


def test_it_warms_the_cache_again_when_leads_are_present(agent_client):
    load()
    cache.clear()  # the entries expired since

    out = load()
    sent = faults.request_count("attom")
    html = agent_client.get("/", {"zip": "85034", "attom": ["false", "true"]}).content.decode()

    assert "leads already present" in out
    assert "From the cache" in html and faults.request_count("attom") == sent
    assert provider_spend_today("attom").committed_micros == 0
