"""The dashboard's team figures: spend per agent today, the right-party-contact rate and the
cost per right-party contact."""

from __future__ import annotations

import pytest
from django.utils import timezone

from billing.caps import spend_day
from billing.models import LedgerEntry, Outcome
from billing.team_analytics import call_figures
from leads.activity.services import lead_activity_record
from leads.models import ActivityKind
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db


def spent(user, provider: str, micros: int) -> None:
    LedgerEntry.objects.create(
        provider=provider, operation="x", outcome=Outcome.SUCCESS, cost_micros=micros,
        day=spend_day(), user=user,
    )  # fmt: skip


def called(lead, *, right_party: bool) -> None:
    lead_activity_record(
        lead_id=lead.pk, kind=ActivityKind.CALLED, data={"rightParty": right_party},
        at=timezone.now(),
    )  # fmt: skip


def test_it_shows_each_agents_spend_per_provider_today(agent_client, agent, django_user_model):
    bob = django_user_model.objects.create_user("bob")
    spent(agent, "batch", 70_000)
    spent(agent, "batch", 70_000)
    spent(agent, "twilio", 8_000)
    spent(bob, "attom", 1_000_000)
    body = agent_client.get("/api/spend").json()
    assert body["byUser"] == [
        {"username": "agent", "provider": "batch", "spentCents": 14},
        {"username": "agent", "provider": "twilio", "spentCents": 0.8},
        {"username": "bob", "provider": "attom", "spentCents": 100},
    ]
    page = agent_client.get("/spend/").content.decode()
    assert 'id="agent-spend"' in page and "bob" in page and "$1.00" in page


def test_it_computes_the_right_party_rate_and_its_cost(agent_client, agent):
    spent(agent, "batch", 300_000)
    reached, missed, twice = make_lead(), make_lead(), make_lead()
    called(reached, right_party=True)
    called(missed, right_party=False)
    called(twice, right_party=True)
    called(twice, right_party=True)
    figures = call_figures(30)
    assert (figures.leads_called, figures.right_party_leads) == (3, 2)
    assert figures.right_party_rate == pytest.approx(2 / 3)
    assert figures.cost_per_right_party_micros == 150_000  # $0.30 ÷ 2 owners reached
    page = agent_client.get("/spend/").content.decode()
    assert "66.7%" in page and "$0.15" in page


def test_it_says_nothing_when_nobody_was_called():
    figures = call_figures(30)
    assert (figures.right_party_rate, figures.cost_per_right_party_micros) == (None, None)
