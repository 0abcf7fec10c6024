"""AI scores in batches: up to AI_SCORING_BATCH_SIZE leads in one OpenAI request.

The shared instructions and schema go out once per batch, so each lead's share of the tokens
and the money drops. A batch is one metered request (one ledger row); its cost is shared out
over its leads' `ai_cost_micros` to the micro-dollar. Fallbacks stay per lead: a lead the
model left out of its answer keeps its rules score with a note, and when the whole request
fails, is refused or is cut off, every lead of the batch does, with the reason.

Each batch is sized to what today's budget can still reserve; when not even two leads fit,
the lead goes alone in the one-lead request, which the cap then admits or refuses as usual.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser

from billing import guard
from billing.meter import BillingMeter
from billing.models import Outcome
from billing.pricing import UnknownPrice, max_cost_micros
from billing.selectors import provider_spend_today
from leads.models import Lead
from leads.scoring.services import (
    CAP_NOTE,
    ScoreOutcome,
    failure_note,
    fall_back_to_rules,
    lead_facts,
    lead_score_ai,
    store_ai_score,
    unusable_note,
)
from providers.http import ProviderError
from providers.openai_batch import BatchAiScores, batch_max_usage, score_batch
from providers.openai_scoring import AiScore, LeadFacts, OpenAiMalformedAnswer, OpenAiScoringClient
from providers.registry import OPENAI

OPERATION = "lead_score"
MISSING_NOTE = "AI score missing from the model's answer: rules score kept"


def leads_score_ai(
    *, leads: Sequence[Lead], client: OpenAiScoringClient, user: AbstractBaseUser | None = None
) -> list[ScoreOutcome]:
    """Score these leads in as few requests as the budget allows; one outcome per lead, in
    order. Once the cap refuses, the rest keep rules scores without asking again."""
    outcomes: list[ScoreOutcome] = []
    rest = list(leads)
    while rest:
        size = affordable_batch(rest, client)
        if size > 1:
            outcomes += _score_batch(rest[:size], client, user)
        else:
            outcomes.append(lead_score_ai(lead=rest[0], user=user, client=client))
        rest = rest[max(size, 1) :]
        if outcomes[-1].cap_reached:
            outcomes += [fall_back_to_rules(lead, CAP_NOTE, cap_reached=True) for lead in rest]
            break
    return outcomes


def affordable_batch(leads: Sequence[Lead], client: OpenAiScoringClient) -> int:
    """How many of these leads (at most AI_SCORING_BATCH_SIZE) one request can take within
    today's budget left; 1 when fewer than two fit (or the model has no price)."""
    from django.conf import settings

    facts = {lead.pk: lead_facts(lead) for lead in leads[: settings.AI_SCORING_BATCH_SIZE]}
    remaining = provider_spend_today(OPENAI).remaining_micros
    ids = list(facts)
    try:
        for size in range(len(ids), 1, -1):
            if _most(client, {i: facts[i] for i in ids[:size]}) <= remaining:
                return size
    except UnknownPrice:
        pass
    return 1


def _most(client: OpenAiScoringClient, facts: dict[int, LeadFacts]) -> int:
    return max_cost_micros(OPENAI, batch_max_usage(facts))


def _score_batch(
    leads: Sequence[Lead], client: OpenAiScoringClient, user: AbstractBaseUser | None
) -> list[ScoreOutcome]:
    facts = {lead.pk: lead_facts(lead) for lead in leads}
    meter = BillingMeter(user_id=user.pk if user is not None else None)
    try:
        answer = _ask_openai(client, facts, meter)
    except (UnknownPrice, ProviderError, guard.CapExceeded) as exc:
        refused = isinstance(exc, guard.CapExceeded)
        note = failure_note(exc, model=client.model)
        shares = cost_shares(meter.total_micros, len(leads))
        return [
            fall_back_to_rules(lead, note, cost_micros=share, cap_reached=refused)
            for lead, share in zip(leads, shares, strict=True)
        ]
    return _store(leads, answer, cost_shares(meter.total_micros, len(leads)))


def _ask_openai(
    client: OpenAiScoringClient, facts: dict[int, LeadFacts], meter: BillingMeter
) -> BatchAiScores:
    """One metered request for the batch: exactly one ledger row, whatever the answer."""
    with meter.request(
        provider=OPENAI, operation=OPERATION, max_usage=batch_max_usage(facts)
    ) as ticket:
        try:
            answer = score_batch(client, facts)
        except OpenAiMalformedAnswer as exc:
            if exc.usage is not None:
                ticket.billed(usage=exc.usage, call=exc.call)
            raise
        unusable = answer.status != "completed"
        ticket.billed(
            usage=answer.usage, call=answer.call, outcome=Outcome.ERROR if unusable else None
        )
    return answer


def _store(leads: Sequence[Lead], answer: BatchAiScores, shares: list[int]) -> list[ScoreOutcome]:
    note = unusable_note(answer.status, answer.refusal)
    outcomes = []
    for lead, share in zip(leads, shares, strict=True):
        scored = answer.scores.get(lead.pk)
        if note or scored is None:
            outcomes.append(fall_back_to_rules(lead, note or MISSING_NOTE, cost_micros=share))
            continue
        score, reasons = scored
        one = AiScore(score, reasons, answer.usage, answer.model, answer.call, "completed")
        outcomes.append(store_ai_score(lead, one, share))
    return outcomes


def cost_shares(total_micros: int, count: int) -> list[int]:
    """`total_micros` shared out over `count` leads, to the micro-dollar (the first leads
    carry the remainder), so the leads' costs add up to the ledger row."""
    if count == 0:
        return []
    each, left = divmod(total_micros, count)
    return [each + (1 if index < left else 0) for index in range(count)]
