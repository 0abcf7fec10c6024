"""Scoring services: the free rules score always, an OpenAI score when it is configured.

An AI score is one metered request: the meter reserves what the most tokens the request can
bill would cost and settles the cost of the tokens actually billed. Whatever goes wrong (cap
reached, vendor error, refusal, cut-off or malformed answer, no price for the model) the lead
keeps a rules score and `score_note` says why the AI score is missing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import batched

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.tasks import TaskContext, task
from django.utils import timezone

from billing import guard
from billing.meter import BillingMeter
from billing.models import Outcome
from billing.pricing import UnknownPrice, max_cost_micros
from billing.selectors import provider_spend_today
from leadflow.worker import PRIORITY_BACKGROUND
from leads.activity.services import lead_activity_record
from leads.models import ActivityKind, Lead, lists_prefetch
from leads.scoring import rules
from leads.scoring.temperature import temperature_for
from providers.http import ProviderError
from providers.modes import is_enabled
from providers.openai_scoring import (
    WORST_CASE_FACTS,
    AiScore,
    LeadFacts,
    OpenAiMalformedAnswer,
    OpenAiScoringClient,
    max_usage,
)
from providers.registry import OPENAI, ProviderOff

logger = logging.getLogger("leadflow.leads")

RULES = "rules"
CAP_NOTE = "AI score skipped: daily OpenAI cap reached"
OFF_NOTE = "AI score skipped: OpenAI is off"
SCORE_FIELDS = [
    "ai_score", "temperature_tag", "score_reasons", "scored_by", "score_note",
    "ai_cost_micros", "ai_scored_at", "updated_at",
]  # fmt: skip
# What a rules score writes (the AI's cost and time stay as they are).
RULES_SCORE_FIELDS = [
    "ai_score", "temperature_tag", "score_reasons", "scored_by", "score_note", "updated_at",
]  # fmt: skip
RESCORE_CHUNK = 200
EQUITY_PERCENT_LIMIT = 999  # a tiny AVM must not turn into an absurd percentage


@dataclass(frozen=True)
class ScoreOutcome:
    score: int | None  # None: not scored (no facts to score on)
    temperature: str
    scored_by: str
    note: str = ""
    cost_micros: int = 0  # charged to OpenAI's day for this lead, this time
    ai: bool = False  # the stored score is the model's
    cap_reached: bool = False


@dataclass
class RescoreSummary:
    total: int = 0
    ai_scored: int = 0
    rules_scored: int = 0
    ai_fallbacks: int = 0  # AI was asked for but the rules score stands
    cost_micros: int = 0
    cap_reached: bool = False

    def add(self, outcome: ScoreOutcome, *, wanted_ai: bool) -> None:
        self.ai_scored += outcome.ai
        self.rules_scored += not outcome.ai
        self.ai_fallbacks += wanted_ai and not outcome.ai
        self.cost_micros += outcome.cost_micros
        self.cap_reached = self.cap_reached or outcome.cap_reached

    def as_dict(self) -> dict[str, int | bool]:
        return asdict(self)


def lead_score_rules(
    *, lead: Lead, save: bool = True, today: dt.date | None = None
) -> rules.RulesScore:
    """`today` (the local date, the default) is given once by a caller scoring many leads."""
    result = rules.rules_score(lead, today=today)
    lead.ai_score = result.score
    lead.temperature_tag = temperature_for(result.score)
    lead.score_reasons = [reason.as_json() for reason in result.reasons]
    lead.scored_by = RULES
    lead.score_note = ""
    if save:
        lead.save(update_fields=SCORE_FIELDS)
    return result


def leads_score_rules(leads: Sequence[Lead]) -> None:
    """Rules-score stored leads at once: their lists read in one query (the stacking reason),
    their scores written in one statement."""
    prefetch_related_objects(list(leads), lists_prefetch())
    today = timezone.localdate()
    for lead in leads:
        lead_score_rules(lead=lead, save=False, today=today)
    save_rules_scores(leads)


def save_rules_scores(leads: Sequence[Lead]) -> None:
    """Write the scores `lead_score_rules(save=False)` set, one statement for many leads
    (executemany: `bulk_update` builds a CASE per row and per field, ~3 ms a lead here)."""
    if not leads:
        return
    fields = [field for field in Lead._meta.concrete_fields if field.name in RULES_SCORE_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {quote(Lead._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"
    now = timezone.now()
    for lead in leads:
        lead.updated_at = now
    rows = [
        [field.get_db_prep_save(getattr(lead, field.attname), connection) for field in fields]
        + [lead.pk]
        for lead in leads
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def lead_score_ai(
    *, lead: Lead, user: AbstractBaseUser | None = None, client: OpenAiScoringClient | None = None
) -> ScoreOutcome:
    client = client or _openai_client()
    if client is None:
        return fall_back_to_rules(lead, OFF_NOTE)
    meter = BillingMeter(user_id=user.pk if user is not None else None, lead_id=lead.pk)
    try:
        answer = _ask_openai(client, lead_facts(lead), meter)
    except (UnknownPrice, ProviderError, guard.CapExceeded) as exc:
        # A ProviderError was charged nothing, or the maximum if the outcome is unknown.
        refused = isinstance(exc, guard.CapExceeded)
        note = failure_note(exc, model=client.model)
        return fall_back_to_rules(lead, note, cost_micros=meter.total_micros, cap_reached=refused)
    note = unusable_note(answer.status, answer.refusal)
    if note:
        return fall_back_to_rules(lead, note, cost_micros=meter.total_micros)
    return store_ai_score(lead, answer, meter.total_micros)


def failure_note(exc: UnknownPrice | ProviderError | guard.CapExceeded, *, model: str) -> str:
    """Why a lead has no AI score when its request was refused or failed."""
    if isinstance(exc, UnknownPrice):
        return f"AI score skipped: no price configured for {model}"
    if isinstance(exc, guard.CapExceeded):
        return CAP_NOTE
    if isinstance(exc, OpenAiMalformedAnswer):
        return "AI score failed: the model's answer was not valid JSON"
    return f"AI score failed: {exc.message}"


def unusable_note(status: str, refusal: str | None) -> str:
    """Why a billed answer gave no score ("" when it did)."""
    if status == "refused":
        return f"AI score skipped: the model refused ({refusal})"
    if status == "incomplete":
        return "AI score skipped: the model's answer was cut off"
    return ""


def _openai_client() -> OpenAiScoringClient | None:
    """None when OpenAI is off: the lead keeps a rules score, with a note saying why."""
    try:
        return OpenAiScoringClient.from_settings()
    except ProviderOff:
        return None


def _ask_openai(client: OpenAiScoringClient, facts: LeadFacts, meter: BillingMeter) -> AiScore:
    """One metered request: exactly one ledger row, whatever the answer. A refusal, a cut-off
    or a malformed answer was billed too."""
    with meter.request(
        provider=OPENAI, operation="lead_score", max_usage=client.max_usage(facts)
    ) as ticket:
        try:
            answer = client.score(facts)
        except OpenAiMalformedAnswer as exc:
            if exc.usage is not None:
                ticket.billed(usage=exc.usage, call=exc.call)
            raise
        unusable = answer.status != "completed"
        ticket.billed(
            usage=answer.usage, call=answer.call, outcome=Outcome.ERROR if unusable else None
        )
    return answer


def fall_back_to_rules(
    lead: Lead, note: str, *, cost_micros: int = 0, cap_reached: bool = False
) -> ScoreOutcome:
    """Keep (or compute) the rules score; a previous AI score stays until a new one comes."""
    if lead.ai_score is None or lead.scored_by in ("", RULES):
        lead_score_rules(lead=lead, save=False)
    lead.score_note = note[:300]
    lead.ai_cost_micros += cost_micros
    lead.save(update_fields=SCORE_FIELDS)
    return ScoreOutcome(
        score=lead.ai_score, temperature=lead.temperature_tag, scored_by=lead.scored_by,
        note=lead.score_note, cost_micros=cost_micros, cap_reached=cap_reached,
    )  # fmt: skip


def store_ai_score(lead: Lead, answer: AiScore, cost_micros: int) -> ScoreOutcome:
    assert answer.score is not None
    lead.ai_score = answer.score
    lead.temperature_tag = temperature_for(answer.score)
    by = f"AI score by {answer.model}" + (" (sandbox)" if answer.call.sandbox else "")
    lead.score_reasons = [{"points": None, "reason": by}] + [
        {"points": None, "reason": reason} for reason in answer.reasons
    ]
    lead.scored_by = answer.model[:60]
    lead.score_note = ""
    lead.ai_cost_micros += cost_micros
    lead.ai_scored_at = timezone.now()
    lead.save(update_fields=SCORE_FIELDS)
    lead_activity_record(
        lead_id=lead.pk, kind=ActivityKind.SCORED, cost_micros=cost_micros,
        text=f"Scored {answer.score} ({lead.get_temperature_tag_display()}) by {answer.model}",
    )  # fmt: skip
    return ScoreOutcome(
        score=answer.score, temperature=lead.temperature_tag, scored_by=lead.scored_by,
        cost_micros=cost_micros, ai=True,
    )  # fmt: skip


def lead_facts(lead: Lead) -> LeadFacts:
    """What the model may see: the property and the kind of owner, never who they are."""
    today = timezone.localdate()
    percent = rules.equity_percent(lead)
    if percent is not None:
        percent = min(max(percent, -EQUITY_PERCENT_LIMIT), EQUITY_PERCENT_LIMIT)
    return LeadFacts(
        city=lead.city, state=lead.state, zip=lead.zip_code, property_type=lead.property_type,
        beds=lead.beds, baths=float(lead.baths) if lead.baths is not None else None,
        living_sqft=lead.living_sqft, year_built=lead.year_built,
        avm_value_usd=lead.avm_value_usd, estimated_equity_usd=lead.estimated_equity_usd,
        equity_percent=percent,
        last_sale_date=lead.last_sale_date.isoformat() if lead.last_sale_date else None,
        years_owned=rules.years_owned(lead, today), absentee=lead.absentee,
        out_of_state_owner=rules.out_of_state_owner(lead), corporate_owner=lead.corporate_owner,
        owner_is_trust=rules.owner_is_trust(lead), traced=bool(lead.skip_trace_status),
        contactable=lead.contactable,
    )  # fmt: skip


def leads_rescore(
    *, queryset: QuerySet[Lead], use_ai: bool, user: AbstractBaseUser | None = None,
    progress: Callable[[int, int], None] | None = None, after_trace: bool = False,
) -> RescoreSummary:  # fmt: skip
    """Score each lead, AI scores in batches; once the OpenAI cap is reached the rest keep
    rules scores. `after_trace`: a trace asked for these scores, so what each costs is part
    of the lead's total trace cost too."""
    client = _openai_client() if use_ai else None
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    summary = RescoreSummary(total=len(ids))
    leads = _in_chunks(ids)
    done = 0
    for group in batched(leads, settings.AI_SCORING_BATCH_SIZE if use_ai else 1):
        outcomes = _score_group(list(group), use_ai, user, client, summary.cap_reached)
        for lead, outcome in zip(group, outcomes, strict=True):
            summary.add(outcome, wanted_ai=use_ai)
            if after_trace:
                Lead.objects.filter(pk=lead.pk).add_trace_cost(outcome.cost_micros)
            done += 1
            if progress is not None:
                progress(done, summary.total)
    return summary


def _score_group(
    leads: list[Lead], use_ai: bool, user: AbstractBaseUser | None,
    client: OpenAiScoringClient | None, cap_reached: bool,
) -> list[ScoreOutcome]:  # fmt: skip
    if not use_ai:
        return [_rules_outcome(lead) for lead in leads]
    if cap_reached:
        return [fall_back_to_rules(lead, CAP_NOTE, cap_reached=True) for lead in leads]
    if client is None:
        return [fall_back_to_rules(lead, OFF_NOTE) for lead in leads]
    from leads.scoring.batches import leads_score_ai  # it builds on this module

    return leads_score_ai(leads=leads, client=client, user=user)


def _rules_outcome(lead: Lead) -> ScoreOutcome:
    lead_score_rules(lead=lead)
    return ScoreOutcome(lead.ai_score, lead.temperature_tag, RULES)


def _in_chunks(ids: list[int]) -> Iterator[Lead]:
    """The leads, read a chunk at a time and each chunk read in full before any is scored.

    A live cursor (`.iterator()`) kept open across the writes would hold a SQLite read
    snapshot: once another process commits, the next write on this connection cannot
    upgrade it and fails at once with "database is locked", whatever the busy timeout.
    """
    for start in range(0, len(ids), RESCORE_CHUNK):
        chunk = ids[start : start + RESCORE_CHUNK]
        yield from Lead.objects.filter(pk__in=chunk).order_by("pk").prefetch_related("phones")


def ai_rescore_estimate(*, count: int) -> int:
    """The most `count` AI scores can cost, in micro-dollars (raises UnknownPrice): full
    batches of AI_SCORING_BATCH_SIZE, and the rest in one more (one lead goes alone)."""
    from providers.openai_batch import batch_max_usage

    size = settings.AI_SCORING_BATCH_SIZE
    full, rest = divmod(count, size) if size > 1 else (0, 0)
    worst = {-(2**63) + n: WORST_CASE_FACTS for n in range(size)}  # the longest lead ids too
    total = full * max_cost_micros(OPENAI, batch_max_usage(worst)) if full else 0
    if size == 1 or rest == 1:
        singles = count if size == 1 else 1
        return total + max_cost_micros(OPENAI, max_usage(WORST_CASE_FACTS), requests=singles)
    if rest:
        total += max_cost_micros(OPENAI, batch_max_usage(dict(list(worst.items())[:rest])))
    return total


def ai_score_max_micros(*, count: int) -> int:
    """The most AI scores of `count` leads can cost however they end up batched: each lead
    alone (a batch shares the instructions, so no lead of one costs more). Raises
    UnknownPrice. A bound for a price shown before the work; `ai_rescore_estimate` is the
    figure for batches that run as planned."""
    return max_cost_micros(OPENAI, max_usage(WORST_CASE_FACTS), requests=count)


def openai_budget_remaining_micros() -> int:
    return provider_spend_today(OPENAI).remaining_micros


def score_reason_strings(lead: Lead) -> list[str]:
    """Reasons as shown to agents: "+20 absentee owner", "−10 owned by an LLC"."""
    return [_reason_string(entry) for entry in lead.score_reasons or []]


def _reason_string(entry: dict[str, object]) -> str:
    points, reason = entry.get("points"), str(entry.get("reason", ""))
    if not isinstance(points, int):
        return reason
    if reason == rules.BASE_REASON:
        return f"{points} {reason}"
    sign = "+" if points >= 0 else "\u2212"
    return f"{sign}{abs(points)} {reason}"


@task(priority=PRIORITY_BACKGROUND, takes_context=True)
def score_leads_ai_task(
    context: TaskContext, lead_ids: list[int], after_trace: bool = False
) -> dict[str, int | bool]:
    queryset = Lead.objects.filter(pk__in=lead_ids)
    if context.attempt > 1:
        # Run again after its worker died: the leads it already paid to score are done.
        queryset = queryset.exclude(ai_scored_at__gte=context.task_result.enqueued_at)
    return leads_rescore(queryset=queryset, use_ai=True, after_trace=after_trace).as_dict()


def enqueue_ai_scoring(lead_ids: Iterable[int], *, after_trace: bool = False) -> bool:
    """Queue AI scoring after the current transaction commits; False when OpenAI is off.
    `after_trace`: a trace asks, and the scores count toward its leads' trace cost."""
    ids = sorted(set(lead_ids))
    if not ids or not is_enabled(OPENAI):
        return False
    transaction.on_commit(lambda: score_leads_ai_task.enqueue(ids, after_trace))
    return True
