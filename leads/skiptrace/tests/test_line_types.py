"""Line-type checks: concurrent lookups paid for out of one block reservation.

The cap cases run with threads, each with its own database connection, on whatever database
the suite is configured with: SQLite by default, PostgreSQL when DATABASE_URL points there.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.db.models import Sum

from billing.guard import spend_day
from billing.models import LedgerEntry, Outcome, SpendDay, UserDailyLimit, UserSpendDay
from billing.reconcile import reconcile
from leads.models import Lead, Phone
from leads.skiptrace.line_types import CAP_NOTE, check_line_types
from leads.tests.factories import make_lead, make_phone
from providers.sandbox import faults

LOOKUP_PRICE = 8_000  # 0.8 cents
PHONES_PER_LEAD = 5


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.TWILIO_LOOKUP_PRICE_MICROS = LOOKUP_PRICE


def set_twilio_cap(settings, lookups: int) -> None:
    cap = lookups * LOOKUP_PRICE + LOOKUP_PRICE - 1  # one micro short of one more
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "twilio": cap}


def lead_with_phones(index: int) -> Lead:
    lead = make_lead()
    for n in range(PHONES_PER_LEAD):
        make_phone(lead, f"+1602555{index:02d}{n:02d}", rank=n)
    return lead


def twilio_day() -> SpendDay:
    return SpendDay.objects.get(provider="twilio", day=spend_day())


def paid() -> int:
    rows = LedgerEntry.objects.filter(provider="twilio", outcome=Outcome.SUCCESS)
    return rows.count()


@pytest.mark.django_db
def test_it_sends_the_lookups_concurrently(settings):
    settings.TWILIO_LOOKUPS_IN_FLIGHT = 4
    set_twilio_cap(settings, 100)
    leads = [lead_with_phones(i) for i in range(2)]
    settings.SANDBOX_LATENCY_MS = {"twilio": 50}  # long enough for four to overlap

    notes = check_line_types(leads)

    assert notes == {lead.pk: [] for lead in leads}
    assert faults.most_in_flight("twilio") == 4
    assert paid() == 2 * PHONES_PER_LEAD
    assert not Phone.objects.filter(line_type_checked_at__isnull=True).exists()
    assert twilio_day().requests == 2 * PHONES_PER_LEAD
    assert all(check.ok for check in reconcile())


@pytest.mark.django_db
def test_it_looks_up_what_the_cap_admits_in_lead_order_and_the_rest_wait(settings):
    set_twilio_cap(settings, 7)
    leads = [lead_with_phones(i) for i in range(3)]

    notes = check_line_types(leads)

    assert faults.request_count("twilio") == paid() == 7
    checked = Phone.objects.filter(line_type_checked_at__isnull=False)
    assert set(checked.values_list("lead_id", flat=True)) == {leads[0].pk, leads[1].pk}
    assert notes == {leads[0].pk: [], leads[1].pk: [CAP_NOTE], leads[2].pk: [CAP_NOTE]}
    assert LedgerEntry.objects.filter(outcome=Outcome.REFUSED).count() == 1
    assert (twilio_day().settled_micros, twilio_day().reserved_micros) == (7 * LOOKUP_PRICE, 0)


@pytest.mark.django_db
def test_a_failed_lookup_is_released_and_noted_and_the_others_are_paid(settings):
    settings.TWILIO_LOOKUPS_IN_FLIGHT = 1  # the fault goes to the first phone
    set_twilio_cap(settings, 100)
    lead = lead_with_phones(0)
    faults.queue("twilio", "401")

    notes = check_line_types([lead])

    assert notes[lead.pk] == ["Line-type check failed: Unable to fetch record: Authenticate"]
    assert paid() == PHONES_PER_LEAD - 1
    assert LedgerEntry.objects.filter(outcome=Outcome.ERROR, cost_micros=0).count() == 1
    assert (twilio_day().settled_micros, twilio_day().reserved_micros) == (
        (PHONES_PER_LEAD - 1) * LOOKUP_PRICE,
        0,
    )


THREADS = 6
ADMITTED = 13  # lookups the cap admits, across every thread


@pytest.mark.django_db(transaction=True)
def test_it_pays_for_exactly_what_the_cap_admits_when_jobs_race(settings):
    set_twilio_cap(settings, ADMITTED)
    settings.SANDBOX_LATENCY_MS = {"twilio": 20}  # every thread's lookups in flight at once
    leads = [lead_with_phones(i) for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    notes: dict[int, list[str]] = {}

    def work(lead: Lead) -> None:
        try:
            barrier.wait()
            notes.update(check_line_types([lead]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(lead,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert faults.request_count("twilio") == paid() == ADMITTED
    assert Phone.objects.filter(line_type_checked_at__isnull=False).count() == ADMITTED
    day = twilio_day()
    ledger = LedgerEntry.objects.filter(provider="twilio").aggregate(total=Sum("cost_micros"))
    assert day.settled_micros == ledger["total"] == ADMITTED * LOOKUP_PRICE
    assert day.reserved_micros == 0
    assert sum(note == [CAP_NOTE] for note in notes.values()) >= THREADS - ADMITTED // 5
    assert all(check.ok for check in reconcile())


@pytest.mark.django_db
def test_it_holds_an_agents_lookups_to_their_own_daily_limit(settings, agent):
    """The block is sized by the agent's limit as well as the team's cap: exactly the lookups
    the limit admits are sent and paid, on both counters, and the rest wait with a note."""
    set_twilio_cap(settings, 100)
    UserDailyLimit.objects.create(user=agent, provider="twilio", limit_micros=3 * LOOKUP_PRICE)
    lead = lead_with_phones(1)

    notes = check_line_types([lead], user_id=agent.pk)

    assert faults.request_count("twilio") == 3
    assert paid() == 3
    mine = UserSpendDay.objects.get(user=agent, provider="twilio", day=spend_day())
    assert (mine.settled_micros, mine.reserved_micros) == (3 * LOOKUP_PRICE, 0)
    team = twilio_day()
    assert (team.settled_micros, team.reserved_micros) == (3 * LOOKUP_PRICE, 0)
    assert notes[lead.pk] == [CAP_NOTE]
    refused = LedgerEntry.objects.get(provider="twilio", outcome=Outcome.REFUSED)
    assert "the agent's daily limit" in refused.detail and refused.user_id == agent.pk
    assert all(check.ok for check in reconcile())


@pytest.mark.django_db
def test_it_sends_no_lookup_for_an_agent_whose_limit_is_spent(settings, agent):
    set_twilio_cap(settings, 100)
    UserDailyLimit.objects.create(user=agent, provider="twilio", limit_micros=LOOKUP_PRICE - 1)
    lead = lead_with_phones(2)

    notes = check_line_types([lead], user_id=agent.pk)

    assert faults.request_count("twilio") == 0
    assert notes[lead.pk] == [CAP_NOTE]
    team = twilio_day()
    assert (team.settled_micros, team.reserved_micros) == (0, 0)
