"""The dashboard's figures, each checked against a ledger and leads built by hand.

The world: "today" is 2026-03-10 in America/Phoenix (UTC-7 all year), and a 7-day
period runs from Mar 4 to Mar 10.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import analytics
from billing.models import DailyCap, LedgerEntry
from leads.models import Lead

pytestmark = pytest.mark.django_db

PHOENIX = ZoneInfo("America/Phoenix")
TODAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=PHOENIX)


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=PHOENIX)


def entry(provider, operation, outcome, cost=0, latency=0, day=TODAY, **fields) -> LedgerEntry:
    return LedgerEntry.objects.create(
        provider=provider,
        operation=operation,
        outcome=outcome,
        cost_micros=cost,
        latency_ms=latency,
        day=day,
        cached=outcome == "cached",
        reused=outcome == "reused",
        **fields,
    )


def lead(name, *, traced_at=None, status="", contactable=False, phone="") -> Lead:
    return Lead.objects.create(
        street=f"{name} Main St",
        normalized_address=f"{name} MAIN ST 85001",
        skip_traced_at=traced_at,
        skip_trace_status=status,
        contactable=contactable,
        best_phone=phone,
    )


def build_ledger() -> None:
    # Today, Mar 10
    entry("attom", "property_search", "success", cost=120_000, latency=200)
    entry("attom", "property_search", "empty", cost=30_000, latency=100)
    entry("attom", "property_search", "cached")
    entry("attom", "property_search", "cached")
    entry("attom", "location_lookup", "error", latency=900)
    entry("batch", "skip_trace", "success", cost=250_000, latency=300)
    entry("batch", "skip_trace", "unknown", cost=250_000, latency=5_000)
    entry("batch", "skip_trace", "reused")
    entry("batch", "skip_trace", "refused")
    entry("twilio", "line_type_lookup", "success", cost=8_000, latency=50)
    # Mar 8
    mar8 = dt.date(2026, 3, 8)
    entry("openai", "lead_score", "success", cost=1_234, latency=400, day=mar8)
    entry("attom", "property_search", "success", cost=500_000, latency=250, day=mar8)
    entry("attom", "property_search", "cached", day=mar8)
    # Mar 4, the period's first day
    entry("batch", "skip_trace", "success", cost=250_000, latency=350, day=dt.date(2026, 3, 4))
    # Mar 3, just outside a 7-day period
    mar3 = dt.date(2026, 3, 3)
    entry("attom", "property_search", "success", cost=999_999, latency=10_000, day=mar3)
    entry("twilio", "line_type_lookup", "refused", day=mar3)


def build_leads() -> None:
    phone = "+16025550101"
    lead("1", traced_at=local(10, 9), status="matched", contactable=True, phone=phone)
    lead("2", traced_at=local(9, 23, 30), status="matched", contactable=True, phone=phone)
    lead("3", traced_at=local(10, 0, 30), status="matched")
    lead("4", traced_at=local(8, 12), status="no_match")
    lead("5", traced_at=local(7, 12), status="error")
    lead("6", traced_at=local(3, 23, 30), status="matched", contactable=True, phone=phone)
    lead("7")
    lead("8", traced_at=local(4, 0, 30), status="matched", contactable=True, phone=phone)


TOTAL_7_DAYS = 250_000 + 500_000 + 1_234 + 150_000 + 500_000 + 8_000


@pytest.fixture
def world(settings):
    settings.TIME_ZONE = "America/Phoenix"
    with time_machine.travel(NOW, tick=False):
        build_ledger()
        build_leads()
        yield


@pytest.mark.usefixtures("world")
def test_it_sums_today_per_provider():
    DailyCap.objects.create(provider="twilio", cap_micros=12_345)

    today = analytics.today_by_provider()

    assert list(today) == ["attom", "batch", "twilio", "openai"]
    attom, batch, twilio, openai = today.values()
    assert (attom.spent_micros, attom.requests, attom.cache_hits, attom.errors) == (
        150_000,
        3,
        2,
        1,
    )
    assert attom.refusals == 0
    assert attom.cap_micros == 15_000_000
    assert (batch.spent_micros, batch.requests, batch.cache_hits, batch.errors) == (
        500_000,
        2,
        0,
        1,
    )
    assert batch.refusals == 1
    assert (twilio.spent_micros, twilio.requests, twilio.cap_micros) == (8_000, 1, 12_345)
    assert (openai.spent_micros, openai.requests, openai.errors, openai.refusals) == (0, 0, 0, 0)


@pytest.mark.usefixtures("world")
def test_it_lists_every_day_of_the_period_oldest_first():
    zero = {"attom": 0, "batch": 0, "twilio": 0, "openai": 0}

    assert analytics.daily_spend(7) == [
        {"date": dt.date(2026, 3, 4), **zero, "batch": 250_000},
        {"date": dt.date(2026, 3, 5), **zero},
        {"date": dt.date(2026, 3, 6), **zero},
        {"date": dt.date(2026, 3, 7), **zero},
        {"date": dt.date(2026, 3, 8), **zero, "attom": 500_000, "openai": 1_234},
        {"date": dt.date(2026, 3, 9), **zero},
        {"date": TODAY, "attom": 150_000, "batch": 500_000, "twilio": 8_000, "openai": 0},
    ]
    assert len(analytics.daily_spend(30)) == 30
    assert analytics.total_spend(7) == TOTAL_7_DAYS


@pytest.mark.usefixtures("world")
def test_it_computes_the_cache_hit_rate_over_property_searches():
    # 3 cached searches; 3 ATTOM property searches went out (the location lookup does not count)
    assert analytics.cache_hit_rate(7) == 3 / 6
    # Today: 2 cached, 2 sent
    assert analytics.cache_hit_rate(1) == 2 / 4


def test_it_has_no_rates_without_data(settings):
    settings.TIME_ZONE = "America/Phoenix"
    entry("batch", "skip_trace", "refused", day=analytics.period(1).last)

    assert analytics.cache_hit_rate(30) is None
    assert analytics.success_rate(30) is None
    assert analytics.outbound(30).average_latency_ms is None
    assert analytics.skip_trace_hit_rate(30) is None
    assert analytics.valid_phone_share(30) is None
    assert analytics.cost_per_contactable_lead(30) is None
    assert analytics.refusals(30) == 1


@pytest.mark.usefixtures("world")
def test_it_computes_the_success_rate_over_outbound_requests():
    # 9 outbound rows in the period; error and unknown are the 2 failures
    assert analytics.success_rate(7) == 7 / 9
    # Today: attom success, empty, error; batch success, unknown; twilio success
    assert analytics.success_rate(1) == 4 / 6


@pytest.mark.usefixtures("world")
def test_it_averages_latency_over_outbound_requests():
    total_ms = 200 + 100 + 900 + 300 + 5_000 + 50 + 400 + 250 + 350
    figures = analytics.dashboard(7)
    assert figures.outbound.average_latency_ms == pytest.approx(total_ms / 9)
    assert {p: o.average_latency_ms for p, o in figures.outbound_by_provider.items()} == {
        "attom": pytest.approx((200 + 100 + 900 + 250) / 4),
        "batch": pytest.approx((300 + 5_000 + 350) / 3),
        "twilio": 50,
        "openai": 400,
    }


@pytest.mark.usefixtures("world")
def test_it_counts_refusals_in_the_period():
    assert analytics.refusals(7) == 1
    assert analytics.refusals(8) == 2


@pytest.mark.usefixtures("world")
def test_it_computes_the_skip_trace_hit_rate():
    # In the period: leads 1, 2, 3 and 8 matched, lead 4 did not; lead 5's error is left out
    assert analytics.skip_trace_hit_rate(7) == 4 / 5


@pytest.mark.usefixtures("world")
def test_it_divides_all_spend_by_contactable_leads_traced_in_the_period():
    assert analytics.contactable_leads(7) == 3  # leads 1, 2 and 8
    # 1,409,234 / 3 = 469,744.67 micros, rounded half up
    assert TOTAL_7_DAYS == 1_409_234
    assert analytics.cost_per_contactable_lead(7) == 469_745


@pytest.mark.usefixtures("world")
def test_it_counts_new_contactable_leads_per_local_day():
    per_day = analytics.new_contactable_per_day(7)

    assert [row["date"] for row in per_day] == analytics.period(7).days
    assert {row["date"]: row["count"] for row in per_day if row["count"]} == {
        dt.date(2026, 3, 4): 1,
        dt.date(2026, 3, 9): 1,
        dt.date(2026, 3, 10): 1,
    }


@pytest.mark.usefixtures("world")
def test_it_computes_the_valid_phone_share_of_matched_leads():
    # Matched in the period: 1, 2, 3, 8; lead 3 has no best phone
    assert analytics.valid_phone_share(7) == 3 / 4


def test_it_places_leads_on_the_local_day_across_midnight(settings):
    settings.TIME_ZONE = "America/Phoenix"
    with time_machine.travel(NOW, tick=False):
        # Both fall on Mar 10 in UTC (06:30 and 07:30); locally they straddle midnight.
        lead("late", traced_at=local(9, 23, 30), status="matched", contactable=True, phone="+1")
        lead("early", traced_at=local(10, 0, 30), status="matched", contactable=True)

        assert analytics.new_contactable_per_day(2) == [
            {"date": dt.date(2026, 3, 9), "count": 1},
            {"date": dt.date(2026, 3, 10), "count": 1},
        ]
        assert analytics.contactable_leads(1) == 1
        assert analytics.valid_phone_share(1) == 0.0
        assert analytics.valid_phone_share(2) == 0.5


def test_it_starts_the_period_at_local_midnight(settings):
    settings.TIME_ZONE = "America/Phoenix"
    with time_machine.travel(local(10, 0, 5), tick=False):
        period = analytics.period(1)

    assert (period.first, period.last) == (TODAY, TODAY)
    assert period.starts_at == dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC)
    assert period.ends_at == dt.datetime(2026, 3, 11, 7, 0, tzinfo=dt.UTC)


@pytest.mark.usefixtures("world")
def test_it_gathers_the_whole_dashboard():
    figures = analytics.dashboard(7)

    assert figures.total_spend_micros == TOTAL_7_DAYS
    assert figures.cost_per_contactable_micros == 469_745
    assert figures.cost_target_met is True
    assert figures.contactable_per_day == 3 / 7
    assert figures.contactable_target_met is False
    assert figures.valid_phone_target_met is False
    assert figures.outbound.requests == 9
    assert figures.outbound_by_provider["batch"].success_rate == 2 / 3


@pytest.mark.usefixtures("world")
def test_it_pages_and_filters_the_ledger():
    everything = analytics.ledger_page({}, page=1, page_size=10)
    assert (everything.paginator.count, everything.paginator.num_pages) == (16, 2)
    assert len(everything) == 10
    assert everything.has_next() and not everything.has_previous()

    last = analytics.ledger_page({}, page=2, page_size=10)
    assert len(last) == 6 and last.has_previous() and not last.has_next()
    assert analytics.ledger_page({}, page=99, page_size=10).number == 2

    batch_today = analytics.ledger_page({"provider": "batch", "day": TODAY, "outcome": ""})
    assert batch_today.paginator.count == 4
    refused = analytics.ledger_page({"outcome": "refused"})
    assert {e.provider for e in refused} == {"batch", "twilio"}
    lookups = analytics.ledger_page({"operation": "location_lookup"})
    assert [e.outcome for e in lookups] == ["error"]
