"""AI scores in batches through the OpenAI sandbox: one request, one ledger row, per batch."""

from __future__ import annotations

import json

import httpx2
import pytest
from django.db.models import Sum

from billing.models import LedgerEntry, Outcome
from billing.pricing import openai_cost_micros
from billing.reconcile import reconcile
from leads.models import Lead
from leads.scoring.batches import MISSING_NOTE, cost_shares
from leads.scoring.services import ai_rescore_estimate, lead_facts, leads_rescore
from leads.scoring.tests.test_scoring_ai import MODEL, RecordingSandbox, make_lead, sandbox_client
from providers.openai_batch import BATCH_INSTRUCTIONS, batch_max_usage
from providers.openai_scoring import max_usage
from providers.sandbox import faults
from providers.sandbox.openai import OpenAiSandboxTransport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _openai_sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.OPENAI_MODEL = MODEL
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": 500_000}


def leads(count: int) -> list[Lead]:
    return [make_lead(normalized_address=f"{n} ELM ST||85034") for n in range(count)]


def test_it_scores_a_batch_in_one_request_with_the_instructions_sent_once():
    batch = leads(3)

    summary = leads_rescore(queryset=Lead.objects.all(), use_ai=True)

    assert (summary.ai_scored, summary.ai_fallbacks) == (3, 0)
    assert faults.request_count("openai") == 1
    row = LedgerEntry.objects.get(provider="openai")
    assert (row.outcome, row.lead_id) == (Outcome.SUCCESS, None)
    stored = Lead.objects.filter(pk__in=[lead.pk for lead in batch])
    assert set(stored.values_list("scored_by", flat=True)) == {MODEL}
    assert stored.aggregate(total=Sum("ai_cost_micros"))["total"] == row.cost_micros
    assert summary.cost_micros == row.cost_micros
    assert all(check.ok for check in reconcile())


def test_it_sends_each_lead_by_id_and_nothing_that_names_the_owner():
    wire = RecordingSandbox()
    batch = leads(2)
    wire_client = sandbox_client(wire)
    from leads.scoring.batches import leads_score_ai

    leads_score_ai(leads=batch, client=wire_client)

    sent = wire.sent[-1]
    assert sent["instructions"] == BATCH_INSTRUCTIONS
    prompt = json.loads(sent["input"])
    assert [lead["lead_id"] for lead in prompt["leads"]] == [lead.pk for lead in batch]
    assert not any(lead.owner_name in sent["input"] for lead in batch)
    schema = sent["text"]["format"]["schema"]
    assert sent["text"]["format"]["strict"] is True and "scores" in schema["properties"]


def test_a_lead_left_out_of_the_answer_keeps_its_rules_score_with_a_note():
    batch = leads(3)
    faults.queue("openai", "omit")

    summary = leads_rescore(queryset=Lead.objects.all(), use_ai=True)

    assert (summary.ai_scored, summary.ai_fallbacks) == (2, 1)
    left_out = Lead.objects.get(pk=batch[-1].pk)
    assert (left_out.scored_by, left_out.score_note) == ("rules", MISSING_NOTE)
    assert left_out.ai_score is not None
    row = LedgerEntry.objects.get(provider="openai")
    total = Lead.objects.aggregate(total=Sum("ai_cost_micros"))["total"]
    assert total == row.cost_micros  # the left-out lead carries its share too


def test_a_refused_batch_leaves_every_lead_its_rules_score_and_charges_the_tokens():
    leads(3)
    faults.queue("openai", "refusal")

    summary = leads_rescore(queryset=Lead.objects.all(), use_ai=True)

    assert (summary.ai_scored, summary.ai_fallbacks) == (0, 3)
    row = LedgerEntry.objects.get(provider="openai")
    assert row.outcome == Outcome.ERROR and row.cost_micros > 0
    notes = set(Lead.objects.values_list("score_note", flat=True))
    assert notes == {"AI score skipped: the model refused (I can't help with that.)"}
    assert Lead.objects.aggregate(total=Sum("ai_cost_micros"))["total"] == row.cost_micros


def test_it_sends_batches_of_the_configured_size_and_a_last_lead_alone(settings):
    settings.AI_SCORING_BATCH_SIZE = 2
    leads(5)

    summary = leads_rescore(queryset=Lead.objects.all(), use_ai=True)

    assert summary.ai_scored == 5
    assert faults.request_count("openai") == LedgerEntry.objects.count() == 3


def test_it_sizes_a_batch_to_what_todays_budget_can_reserve(settings):
    batch = leads(4)
    facts = {lead.pk: lead_facts(lead) for lead in batch}
    two = openai_cost_micros(MODEL, batch_max_usage(dict(list(facts.items())[:2])))
    three = openai_cost_micros(MODEL, batch_max_usage(dict(list(facts.items())[:3])))
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": (two + three) // 2}

    summary = leads_rescore(queryset=Lead.objects.all(), use_ai=True)

    first = LedgerEntry.objects.order_by("id").first()
    assert first is not None and first.reserved_micros == two
    assert summary.ai_scored >= 2
    assert all(check.ok for check in reconcile())


def test_it_spends_fewer_tokens_per_lead_than_one_request_a_lead(settings):
    single, batched = RecordingSandbox(), RecordingSandbox()
    batch = leads(20)
    from leads.scoring.batches import leads_score_ai
    from leads.scoring.services import lead_score_ai

    for lead in batch:
        lead_score_ai(lead=lead, client=sandbox_client(single))
    leads_score_ai(leads=batch, client=sandbox_client(batched))

    per_lead_single = sum(a["usage"]["total_tokens"] for a in single.answers) / 20
    per_lead_batched = batched.answers[0]["usage"]["total_tokens"] / 20
    assert len(batched.answers) == 1
    assert per_lead_batched < per_lead_single / 2


def test_the_estimate_covers_the_batches_it_would_send(settings):
    settings.AI_SCORING_BATCH_SIZE = 20
    one = openai_cost_micros(MODEL, max_usage(lead_facts(make_lead())))
    assert ai_rescore_estimate(count=1) >= one
    assert ai_rescore_estimate(count=41) >= 2 * ai_rescore_estimate(count=20)
    assert ai_rescore_estimate(count=40) < 40 * ai_rescore_estimate(count=1)


@pytest.mark.parametrize(("total", "count"), [(10, 3), (0, 4), (7, 7), (99_999, 20)])
def test_it_shares_a_cost_out_to_the_micro_dollar(total, count):
    shares = cost_shares(total, count)
    assert sum(shares) == total and len(shares) == count
    assert max(shares) - min(shares) <= 1


def test_the_sandbox_refuses_a_nested_object_that_is_not_strict():
    item = {"type": "object", "properties": {"lead_id": {"type": "integer"}}, "required": []}
    schema = {
        "type": "object",
        "properties": {"scores": {"type": "array", "items": item}},
        "required": ["scores"],
        "additionalProperties": False,
    }
    body = {
        "model": MODEL,
        "input": "{}",
        "text": {"format": {"type": "json_schema", "name": "s", "strict": True, "schema": schema}},
    }
    wire = httpx2.Client(transport=OpenAiSandboxTransport())
    response = wire.post(
        "https://openai.test/v1/responses",
        json=body,
        headers={"Authorization": "Bearer sandbox-key"},
    )
    assert response.status_code == 400
    assert "additionalProperties" in response.json()["error"]["message"]
