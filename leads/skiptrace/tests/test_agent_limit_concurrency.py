"""Sixteen concurrent traces by one agent against the agent's daily BatchData limit.

PostgreSQL (DATABASE_URL) gives real row-lock contention; SQLite serialises the writers."""

from __future__ import annotations

import pytest
import responses
from django.db import connections

from billing.guard import UserCapExceeded
from billing.models import LedgerEntry, Outcome, SpendDay, UserDailyLimit, UserSpendDay
from leads.models import Lead
from leads.skiptrace.services import TraceOutcome, lead_skip_trace
from leads.skiptrace.tests.test_skiptrace import BATCH_URL, PRICE, go_live, matched, wire_phone
from leads.skiptrace.tests.test_skiptrace_concurrency import run_threads, slow_answer
from leads.tests.factories import make_lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16
ADMITTED = 5  # the agent's limit pays for exactly this many matches


@pytest.fixture
def wire(settings):
    go_live(settings)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
    connections.close_all()


def test_it_pays_exactly_what_the_agents_limit_admits(wire, agent):
    wire.add_callback(
        responses.POST, BATCH_URL, callback=slow_answer(matched(wire_phone("6025550142")))
    )
    agent_limit = ADMITTED * PRICE + PRICE - 1
    UserDailyLimit.objects.create(user=agent, provider="batch", limit_micros=agent_limit)
    lead_ids = [make_lead().pk for _ in range(THREADS)]

    outcomes = run_threads(
        THREADS,
        lambda i: lead_skip_trace(lead=Lead.objects.get(pk=lead_ids[i]), user_id=agent.pk),
    )

    traced = [o for o in outcomes if isinstance(o, TraceOutcome)]
    refused = [o for o in outcomes if isinstance(o, UserCapExceeded)]
    assert (len(traced), len(refused)) == (ADMITTED, THREADS - ADMITTED), outcomes
    assert len(wire.calls) == ADMITTED  # nothing was sent for a refused trace
    mine = UserSpendDay.objects.get(user=agent, provider="batch")
    assert (mine.settled_micros, mine.reserved_micros) == (ADMITTED * PRICE, 0)
    team = SpendDay.objects.get(provider="batch")
    assert (team.settled_micros, team.reserved_micros, team.refusals) == (ADMITTED * PRICE, 0, 0)
    assert LedgerEntry.objects.filter(outcome=Outcome.SUCCESS).count() == ADMITTED
    assert not Lead.objects.filter(skip_trace_claimed_at__isnull=False).exists()
