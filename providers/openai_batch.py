"""OpenAI: the 0–100 scores of several leads in one Responses API request.

The instructions and the schema are sent once for the whole batch instead of once per lead,
so a lead's share of the tokens (and of the money) drops. The strict schema asks for one
entry per lead id; a lead the model leaves out, or an id it makes up, simply has no score in
`BatchAiScores.scores` (the caller keeps that lead's rules score). The same facts as for one
lead are sent, never a phone number, an e-mail or an owner's name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from pydantic import BaseModel, ConfigDict, Field

from providers.http import CallInfo
from providers.openai_scoring import (
    MAX_OUTPUT_TOKENS,
    PROMPT_OVERHEAD_TOKENS,
    LeadFacts,
    OpenAiScoringClient,
    Status,
    clean_reasons,
)

BATCH_INSTRUCTIONS = (
    "You score real-estate leads for investors looking for motivated sellers. The input is "
    'JSON whose "leads" list holds the facts of several properties and their owners, each '
    'with its "lead_id". For every lead_id, return exactly one entry with that lead_id, a '
    "score from 0 (very unlikely to sell at a discount) to 100 (very likely), and 2 to 4 "
    "short reasons naming the facts that drove it. Score each lead on its own facts only. "
    "Signals that raise the score: absentee or out-of-state owner, high equity, long "
    "ownership, an older building, an owner that is a trust, a contactable owner. Signals "
    "that lower it: negative equity, a recent purchase, a corporate owner, a very high "
    "value, no contact found. Use only the facts given."
)


class LeadScoreEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lead_id: int
    score: int = Field(ge=0, le=100)
    reasons: list[str]


class BatchScoreModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: list[LeadScoreEntry]


@dataclass(frozen=True)
class BatchAiScores:
    scores: dict[int, tuple[int, tuple[str, ...]]]  # lead id → (score, reasons), as answered
    usage: dict[str, int]  # input_tokens, cached_tokens, output_tokens
    model: str
    call: CallInfo
    status: Status
    refusal: str | None = None


def batch_prompt(facts: Mapping[int, LeadFacts]) -> str:
    leads = [{"lead_id": lead_id, **asdict(one)} for lead_id, one in facts.items()]
    return json.dumps({"leads": leads}, sort_keys=True)


def batch_max_usage(facts: Mapping[int, LeadFacts]) -> dict[str, int]:
    """The most one batch request can bill (as `max_usage` for one lead)."""
    schema = json.dumps(BatchScoreModel.model_json_schema())
    prompt = BATCH_INSTRUCTIONS + batch_prompt(facts) + schema
    return {
        "input_tokens": len(prompt.encode()) + PROMPT_OVERHEAD_TOKENS,
        "cached_tokens": 0,
        "output_tokens": MAX_OUTPUT_TOKENS * len(facts),
    }


def score_batch(client: OpenAiScoringClient, facts: Mapping[int, LeadFacts]) -> BatchAiScores:
    """One request for every lead in `facts` (keyed by lead id). Raises what `respond` raises."""
    answer = client.respond(
        instructions=BATCH_INSTRUCTIONS,
        prompt=batch_prompt(facts),
        text_format=BatchScoreModel,
        max_output_tokens=MAX_OUTPUT_TOKENS * len(facts),
    )
    scores: dict[int, tuple[int, tuple[str, ...]]] = {}
    if isinstance(answer.parsed, BatchScoreModel):
        for entry in answer.parsed.scores:
            if entry.lead_id in facts and entry.lead_id not in scores:
                scores[entry.lead_id] = (entry.score, clean_reasons(entry.reasons))
    return BatchAiScores(
        scores, answer.usage, answer.model, answer.call, answer.status, answer.refusal
    )
