"""A bulk trace and line-type checks run for an agent honour the agent's daily limits."""

from __future__ import annotations

import pytest

from billing.models import LedgerEntry, UserDailyLimit, UserSpendDay
from leads.models import BulkTraceJob, Lead
from leads.skiptrace.services import lead_skip_trace
from leads.skiptrace.tests.test_bulk_trace import make_leads, run_job
from leads.skiptrace.tests.test_skiptrace import PRICE, sandbox_lead, set_cap

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True


def test_it_stops_a_bulk_trace_at_the_agents_limit(agent, settings):
    set_cap(settings, "twilio", 0)
    UserDailyLimit.objects.create(user=agent, provider="batch", limit_micros=3 * PRICE)
    job, _ = run_job(make_leads(10), user=agent)
    assert job.status == BulkTraceJob.Status.STOPPED
    assert "your daily BatchData limit" in job.message
    mine = UserSpendDay.objects.get(user=agent, provider="batch")
    assert mine.settled_micros <= 3 * PRICE and mine.reserved_micros == 0
    assert job.cost_micros == mine.settled_micros


def test_it_meters_line_type_checks_to_the_agent(agent):
    UserDailyLimit.objects.create(user=agent, provider="twilio", limit_micros=0)
    lead = sandbox_lead(phones=2)
    outcome = lead_skip_trace(lead=lead, user_id=agent.pk)
    assert any("Twilio" in note for note in outcome.notes)
    assert LedgerEntry.objects.filter(provider="twilio", user=agent, outcome="refused").exists()
    assert (
        not Lead.objects.get(pk=lead.pk).phones.filter(line_type_checked_at__isnull=False).exists()
    )


def test_the_bulk_command_filters_by_assignee(agent, settings):
    from leads.skiptrace.tests.test_bulk_trace import command
    from leads.tests.factories import make_lead

    set_cap(settings, "twilio", 0)
    mine = make_lead(assigned_to=agent)
    make_lead()
    out = command("--assignee", "agent", "--dry-run")
    assert out.startswith("1 lead:")
    assert Lead.objects.get(pk=mine.pk).skip_traced_at is None
