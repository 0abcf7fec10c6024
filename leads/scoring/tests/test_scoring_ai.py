from __future__ import annotations

import json

import httpx2
import pytest

from billing import guard
from billing.models import LedgerEntry, Outcome, SpendDay
from billing.pricing import openai_cost_micros
from leads.models import Email, Lead, Phone
from leads.scoring.rules import BASE_POINTS
from leads.scoring.services import (
    CAP_NOTE,
    ai_rescore_estimate,
    enqueue_ai_scoring,
    lead_facts,
    lead_score_ai,
    lead_score_rules,
    leads_rescore,
    score_reason_strings,
)
from providers.openai_scoring import OpenAiScoringClient, max_usage
from providers.sandbox import faults
from providers.sandbox.openai import OpenAiSandboxTransport

pytestmark = pytest.mark.django_db

MODEL = "gpt-4o-mini"


@pytest.fixture(autouse=True)
def _openai_sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.OPENAI_MODEL = MODEL
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": 500_000}


class RecordingSandbox(httpx2.BaseTransport):
    """The sandbox, keeping what went over the wire so a test can price the usage."""

    def __init__(self) -> None:
        self.sandbox = OpenAiSandboxTransport()
        self.sent: list[dict] = []
        self.answers: list[dict] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.sandbox.handle_request(request)
        self.sent.append(json.loads(request.content))
        self.answers.append(response.json())
        return response

    def cost_of_last_answer(self) -> int:
        usage = self.answers[-1]["usage"]
        return openai_cost_micros(MODEL, {
            "input_tokens": usage["input_tokens"],
            "cached_tokens": usage["input_tokens_details"]["cached_tokens"],
            "output_tokens": usage["output_tokens"],
        })  # fmt: skip


def sandbox_client(wire: httpx2.BaseTransport, *, max_retries: int = 2) -> OpenAiScoringClient:
    return OpenAiScoringClient(
        api_key="sandbox-key", base_url="https://openai.test/v1", model=MODEL, sandbox=True,
        max_retries=max_retries, transport=wire,
    )  # fmt: skip


def make_lead(**fields) -> Lead:
    defaults = {
        "street": "12 ELM ST", "normalized_address": "12 ELM ST||85034", "city": "PHOENIX",
        "state": "AZ", "zip_code": "85034", "owner_name": "JANE Q DOE", "absentee": True,
        "mailing_state": "CA", "avm_value_usd": 300_000, "estimated_equity_usd": 180_000,
    }  # fmt: skip
    return Lead.objects.create(**{**defaults, **fields})


def the_row() -> LedgerEntry:
    return LedgerEntry.objects.get(provider="openai")


def openai_day() -> SpendDay:
    return SpendDay.objects.get(provider="openai", day=guard.spend_day())


def test_it_stores_the_ai_score_and_settles_the_exact_token_cost():
    wire, lead = RecordingSandbox(), make_lead()

    outcome = lead_score_ai(lead=lead, client=sandbox_client(wire))

    lead.refresh_from_db()
    assert outcome.ai and lead.ai_score == outcome.score
    assert lead.scored_by == MODEL and lead.score_note == "" and lead.ai_scored_at
    assert lead.score_reasons[0] == {"points": None, "reason": f"AI score by {MODEL} (sandbox)"}
    assert all(r["points"] is None for r in lead.score_reasons)
    assert 2 <= len(lead.score_reasons) - 1 <= 4
    row = the_row()
    assert (row.outcome, row.operation, row.http_status, row.attempts) == (
        Outcome.SUCCESS,
        "lead_score",
        200,
        1,
    )
    assert row.cost_micros == wire.cost_of_last_answer() == lead.ai_cost_micros > 0
    assert row.sandbox and row.lead_id == lead.pk
    assert (openai_day().settled_micros, openai_day().reserved_micros) == (row.cost_micros, 0)


def test_it_scores_through_the_sandbox_when_sandbox_mode_is_on():
    lead = make_lead()
    outcome = lead_score_ai(lead=lead)
    assert outcome.ai and outcome.scored_by == MODEL
    assert faults.request_count("openai") == 1
    assert the_row().outcome == Outcome.SUCCESS


RECORDED_ANSWER = {
    "id": "resp_0123", "object": "response", "created_at": 1767225600, "status": "completed",
    "model": "gpt-4o-mini-2024-07-18", "incomplete_details": None, "error": None,
    "output": [{
        "type": "message", "id": "msg_0123", "role": "assistant", "status": "completed",
        "content": [{"type": "output_text", "annotations": [],
                     "text": '{"score": 88, "reasons": ["Absentee owner", "High equity"]}'}],
    }],
    "usage": {"input_tokens": 1200, "input_tokens_details": {"cached_tokens": 1024},
              "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 0},
              "total_tokens": 1240},
}  # fmt: skip


def test_it_prices_cached_tokens_at_their_own_rate(settings):
    wire = httpx2.MockTransport(lambda request: httpx2.Response(200, json=RECORDED_ANSWER))
    client = OpenAiScoringClient(
        api_key="sk-test", base_url="https://openai.test/v1", model=MODEL, transport=wire
    )
    settings.OPENAI_PRICES = {MODEL: {"input": 150_000, "cached": 75_000, "output": 600_000}}
    lead = make_lead()

    outcome = lead_score_ai(lead=lead, client=client)

    # 176 uncached × $0.15 + 1024 cached × $0.075 + 40 out × $0.60 per 1M = 127.2 → 128 micros
    assert the_row().cost_micros == 128 == outcome.cost_micros
    lead.refresh_from_db()
    assert (lead.ai_score, lead.temperature_tag) == (88, "ON_FIRE")
    assert lead.scored_by == "gpt-4o-mini-2024-07-18"
    assert score_reason_strings(lead) == [
        "AI score by gpt-4o-mini-2024-07-18",
        "Absentee owner",
        "High equity",
    ]


def assert_rules_fallback(lead: Lead, note_part: str) -> None:
    lead.refresh_from_db()
    assert lead.scored_by == "rules" and lead.ai_score is not None
    assert lead.temperature_tag and lead.score_reasons[0]["reason"] == "base score"
    assert note_part in lead.score_note


def test_it_charges_a_refusal_its_billed_tokens_and_keeps_the_rules_score():
    wire, lead = RecordingSandbox(), make_lead()
    faults.queue("openai", "refusal")

    outcome = lead_score_ai(lead=lead, client=sandbox_client(wire))

    assert not outcome.ai
    assert_rules_fallback(lead, "the model refused (I can't help with that.)")
    row = the_row()
    assert row.outcome == Outcome.ERROR
    assert row.cost_micros == wire.cost_of_last_answer() == lead.ai_cost_micros > 0
    assert openai_day().settled_micros == row.cost_micros


def test_it_charges_a_cut_off_answer_and_keeps_the_rules_score():
    wire, lead = RecordingSandbox(), make_lead()
    faults.queue("openai", "incomplete")

    lead_score_ai(lead=lead, client=sandbox_client(wire))

    assert_rules_fallback(lead, "cut off")
    assert wire.answers[-1]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert the_row().cost_micros == wire.cost_of_last_answer() == lead.ai_cost_micros > 0


def test_it_charges_a_malformed_answer_and_keeps_the_rules_score():
    wire, lead = RecordingSandbox(), make_lead()
    faults.queue("openai", "malformed")

    lead_score_ai(lead=lead, client=sandbox_client(wire))

    assert_rules_fallback(lead, "not valid JSON")
    row = the_row()
    assert row.outcome == Outcome.ERROR
    assert row.cost_micros == wire.cost_of_last_answer() == lead.ai_cost_micros > 0


@pytest.mark.parametrize(("kind", "status", "note"), [
    ("429", 429, "Rate limit reached"),
    ("500", 500, "The server had an error"),
])  # fmt: skip
def test_it_records_a_free_failed_request_after_the_sdks_retries(kind, status, note):
    lead = make_lead()
    faults.queue("openai", kind, count=3, retry_after=0.01)  # 1 try + the SDK's 2 retries

    lead_score_ai(lead=lead)

    assert_rules_fallback(lead, note)
    assert faults.request_count("openai") == 3
    row = the_row()
    assert (row.outcome, row.http_status, row.attempts, row.cost_micros) == (
        Outcome.ERROR,
        status,
        3,
        0,
    )
    assert (openai_day().settled_micros, openai_day().reserved_micros) == (0, 0)
    assert lead.ai_cost_micros == 0


def test_it_uses_the_answer_when_a_retry_succeeds():
    lead = make_lead()
    faults.queue("openai", "429", count=1, retry_after=0.01)

    assert lead_score_ai(lead=lead).ai
    assert faults.request_count("openai") == 2
    assert (the_row().outcome, the_row().attempts) == (Outcome.SUCCESS, 2)


def test_it_charges_the_maximum_when_a_request_timed_out_unanswered():
    lead = make_lead()
    faults.queue("openai", "timeout")

    lead_score_ai(lead=lead, client=sandbox_client(OpenAiSandboxTransport(), max_retries=0))

    assert_rules_fallback(lead, "timed out")
    row = the_row()
    assert row.outcome == Outcome.UNKNOWN
    assert row.cost_micros == row.reserved_micros == lead.ai_cost_micros > 0


def test_it_charges_nothing_when_the_request_never_left():
    lead = make_lead()
    faults.queue("openai", "connect_error")

    lead_score_ai(lead=lead, client=sandbox_client(OpenAiSandboxTransport(), max_retries=0))

    assert_rules_fallback(lead, "AI score failed")
    assert (the_row().outcome, the_row().cost_micros, the_row().attempts) == (Outcome.ERROR, 0, 1)


def test_it_records_a_rejected_key_at_no_cost():
    lead = make_lead()
    faults.queue("openai", "401")

    lead_score_ai(lead=lead)

    assert_rules_fallback(lead, "Incorrect API key provided")
    assert (the_row().http_status, the_row().cost_micros) == (401, 0)


def test_it_falls_back_to_rules_without_a_request_when_the_cap_is_reached(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": 0}
    lead = make_lead()

    outcome = lead_score_ai(lead=lead)

    assert outcome.cap_reached and not outcome.ai
    assert_rules_fallback(lead, "daily OpenAI cap reached")
    assert faults.request_count("openai") == 0
    assert (the_row().outcome, the_row().cost_micros) == (Outcome.REFUSED, 0)


def test_it_keeps_a_previous_ai_score_when_a_new_one_fails(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": 0}
    lead = make_lead(ai_score=90, temperature_tag="ON_FIRE", scored_by=MODEL)

    lead_score_ai(lead=lead)

    lead.refresh_from_db()
    assert (lead.ai_score, lead.scored_by, lead.score_note) == (90, MODEL, CAP_NOTE)


def test_it_makes_no_request_for_a_model_without_a_price(settings):
    settings.OPENAI_MODEL = "gpt-unpriced"
    lead = make_lead()

    lead_score_ai(lead=lead)

    assert_rules_fallback(lead, "no price configured for gpt-unpriced")
    assert faults.request_count("openai") == 0
    assert not LedgerEntry.objects.exists()


def test_it_says_so_when_openai_is_off(settings):
    settings.SANDBOX_PROVIDERS, settings.OPENAI_API_KEY = False, ""
    lead = make_lead()
    lead_score_ai(lead=lead)
    assert_rules_fallback(lead, "OpenAI is off")
    assert not LedgerEntry.objects.exists()


def test_it_never_sends_phones_emails_or_owner_names():
    wire = RecordingSandbox()
    lead = make_lead(
        owner_name="JANE Q DOE", owner_first_name="JANE", owner_last_name="DOE",
        mailing_address="9 OAK AVE, FRESNO CA 93650", mailing_street="9 OAK AVE",
        best_phone="+16025550123", skip_trace_status="matched", contactable=True,
    )  # fmt: skip
    Phone.objects.create(lead=lead, number="+16025550123", line_type="mobile")
    Email.objects.create(lead=lead, email="jane.doe@example.com")

    lead_score_ai(lead=lead, client=sandbox_client(wire))

    body = json.dumps(wire.sent[-1])
    for private in ("JANE", "DOE", "6025550123", "jane.doe", "OAK AVE", "12 ELM ST"):
        assert private not in body
    facts = json.loads(wire.sent[-1]["input"])
    assert facts["absentee"] is True and facts["out_of_state_owner"] is True
    assert facts["equity_percent"] == 60 and facts["contactable"] is True


def test_it_reserves_enough_for_the_largest_answer():
    wire, lead = RecordingSandbox(), make_lead()
    lead_score_ai(lead=lead, client=sandbox_client(wire))
    reserved = openai_cost_micros(MODEL, max_usage(lead_facts(lead)))
    assert the_row().reserved_micros == reserved >= the_row().cost_micros
    assert ai_rescore_estimate(count=1) >= reserved


def test_it_stops_asking_openai_once_the_cap_is_reached(settings):
    leads = [make_lead(normalized_address=f"{n} ELM ST||85034") for n in range(3)]
    one_request = openai_cost_micros(MODEL, max_usage(lead_facts(leads[0])))
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "openai": one_request}
    seen: list[tuple[int, int]] = []

    summary = leads_rescore(
        queryset=Lead.objects.all(), use_ai=True, progress=lambda d, t: seen.append((d, t))
    )

    assert (summary.ai_scored, summary.ai_fallbacks, summary.cap_reached) == (1, 2, True)
    assert faults.request_count("openai") == 1
    assert LedgerEntry.objects.filter(outcome=Outcome.REFUSED).count() == 1
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert sorted(Lead.objects.values_list("score_note", flat=True)) == ["", CAP_NOTE, CAP_NOTE]


def test_it_writes_rules_reasons_as_signed_points():
    lead = make_lead(owner_name="ACME LLC", corporate_owner=True, absentee=True,
                     mailing_state="AZ", avm_value_usd=None, estimated_equity_usd=None)  # fmt: skip
    lead_score_rules(lead=lead)
    lead.refresh_from_db()
    assert (lead.scored_by, lead.ai_score) == ("rules", BASE_POINTS + 10)
    assert score_reason_strings(lead) == [
        f"{BASE_POINTS} base score",
        "+20 absentee owner",
        "\u221210 owned by an LLC",
    ]


def test_it_writes_ai_reasons_as_they_came():
    lead = make_lead(score_reasons=[{"points": None, "reason": "Long ownership"}])
    assert score_reason_strings(lead) == ["Long ownership"]


def test_it_queues_ai_scoring_after_commit(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    lead = make_lead()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert enqueue_ai_scoring([lead.pk, lead.pk])
        assert faults.request_count("openai") == 0  # nothing before the commit

    assert len(callbacks) == 1
    lead.refresh_from_db()
    assert lead.scored_by == MODEL


def test_it_queues_nothing_when_openai_is_off(settings, django_capture_on_commit_callbacks):
    settings.SANDBOX_PROVIDERS, settings.OPENAI_API_KEY = False, ""
    with django_capture_on_commit_callbacks() as callbacks:
        assert not enqueue_ai_scoring([make_lead().pk])
    assert callbacks == []


def test_the_sandbox_rejects_a_request_without_a_strict_schema():
    wire = httpx2.Client(transport=OpenAiSandboxTransport())
    body = {"model": MODEL, "input": "{}", "text": {"format": {"type": "json_object"}}}
    headers = {"Authorization": "Bearer sandbox-key"}

    response = wire.post("https://openai.test/v1/responses", json=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "text.format"
    assert faults.request_count("openai") == 1
