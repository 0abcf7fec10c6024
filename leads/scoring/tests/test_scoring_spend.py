"""What AI scoring spends: an answer dearer than its reservation, and the budget left."""

from __future__ import annotations

import io

import httpx2
import pytest
from django.core.management import call_command

from billing import guard
from billing.models import DailyCap
from billing.pricing import openai_cost_micros
from leads.scoring.services import lead_score_ai, openai_budget_remaining_micros
from leads.scoring.tests.test_scoring_ai import (
    MODEL,
    RECORDED_ANSWER,
    make_lead,
    openai_day,
    the_row,
)
from providers.openai_scoring import OpenAiScoringClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _openai(settings):
    settings.OPENAI_MODEL = MODEL
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": 500_000}


def test_it_charges_an_answer_that_overran_its_reservation_at_its_real_cost(settings, caplog):
    usage = {"input_tokens": 1200, "input_tokens_details": {"cached_tokens": 1024},
             "output_tokens": 9_000, "output_tokens_details": {"reasoning_tokens": 0},
             "total_tokens": 10_200}  # fmt: skip
    overrun = {**RECORDED_ANSWER, "usage": usage}
    wire = httpx2.MockTransport(lambda request: httpx2.Response(200, json=overrun))
    client = OpenAiScoringClient(
        api_key="sk-test", base_url="https://openai.test/v1", model=MODEL, transport=wire
    )
    settings.OPENAI_PRICES = {MODEL: {"input": 150_000, "cached": 75_000, "output": 600_000}}
    lead = make_lead()

    outcome = lead_score_ai(lead=lead, client=client)

    real = openai_cost_micros(
        MODEL, {"input_tokens": 1200, "cached_tokens": 1024, "output_tokens": 9_000}
    )
    row = the_row()
    assert real > row.reserved_micros > 0
    assert row.cost_micros == real == outcome.cost_micros
    assert row.detail.startswith("overran its reservation of $")
    assert (openai_day().settled_micros, openai_day().reserved_micros) == (real, 0)
    lead.refresh_from_db()
    assert lead.ai_cost_micros == real and lead.ai_score == 88
    assert "overrun provider=openai" in caplog.text
    output = io.StringIO()
    call_command("reconcile_spend", stdout=output)
    assert "OK" in output.getvalue()


def test_it_counts_money_in_flight_and_an_admin_cap_in_the_budget_left():
    DailyCap.objects.create(provider="openai", cap_micros=300_000)
    guard.reserve(provider="openai", amount_micros=120_000, operation="lead_score")

    assert openai_budget_remaining_micros() == 180_000
