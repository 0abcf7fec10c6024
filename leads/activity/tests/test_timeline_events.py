"""The services that do things put them on the lead's timeline: found by a search, found
again, traced with the cost, scored, moved, marked do-not-call."""

from __future__ import annotations

import pytest

from leads.models import ActivityKind, Stage
from leads.pipeline.services import lead_move
from leads.scoring.services import lead_score_ai
from leads.search.tests.test_ingest import ingest, record
from leads.skiptrace.compliance import owner_mark_do_not_call
from leads.skiptrace.services import lead_skip_trace
from leads.skiptrace.tests.test_skiptrace import sandbox_lead
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db


def kinds(lead) -> list[str]:
    return list(lead.activities.order_by("at", "id").values_list("kind", flat=True))


def test_a_search_creates_then_finds_again():
    [lead] = ingest(record()).leads
    ingest(record())
    assert kinds(lead) == [ActivityKind.CREATED, ActivityKind.FOUND_AGAIN]


def test_a_trace_records_its_cost_and_who_asked(settings, agent):
    settings.SANDBOX_PROVIDERS = True
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "twilio": 0}
    lead = sandbox_lead()
    outcome = lead_skip_trace(lead=lead, user_id=agent.pk)
    event = lead.activities.get(kind=ActivityKind.TRACED)
    assert (event.cost_micros, event.user_id) == (outcome.cost_micros, agent.pk)
    assert event.cost_micros > 0 and event.text.startswith("Skip traced:")


def test_an_ai_score_is_recorded(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.OPENAI_MODEL = "gpt-4o-mini"
    lead = make_lead()
    outcome = lead_score_ai(lead=lead)
    event = lead.activities.get(kind=ActivityKind.SCORED)
    assert str(outcome.score) in event.text and event.cost_micros == outcome.cost_micros


def test_a_move_to_another_stage_is_recorded_and_a_reorder_is_not(agent):
    lead = make_lead(position=0)
    make_lead(position=1)
    lead_move(lead_id=lead.pk, stage=Stage.NEW, position=1, user_id=agent.pk)
    assert kinds(lead) == []
    lead_move(lead_id=lead.pk, stage=Stage.CONTACTED, position=0, user_id=agent.pk)
    event = lead.activities.get()
    assert (event.kind, event.text, event.user_id) == (
        "moved",
        "Moved from New to Contacted",
        agent.pk,
    )


def test_an_owner_marked_do_not_call_is_recorded(agent):
    lead = make_lead(normalized_mailing="9 E OAK AVE||85281")
    owner_mark_do_not_call(lead=lead, user_id=agent.pk, reason="asked")
    assert kinds(lead) == [ActivityKind.DO_NOT_CALL]
