from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from billing import guard
from billing.models import DailyCap, LedgerEntry, Outcome, SpendDay
from billing.reconcile import reconcile
from billing.selectors import provider_spend_today
from providers.http import CallInfo, ProviderError

pytestmark = pytest.mark.django_db

CENT = 10_000


def call(outcome: str = "success", **kwargs) -> CallInfo:
    return CallInfo(
        provider="batch",
        operation="skip_trace",
        http_status=200,
        attempts=1,
        outcome=outcome,
        **kwargs,
    )


def day_row(provider: str = "batch") -> SpendDay:
    return SpendDay.objects.get(provider=provider, day=guard.spend_day())


def test_it_reserves_and_settles_the_actual_cost(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": 100 * CENT}
    reservation = guard.reserve(provider="batch", amount_micros=30 * CENT, operation="t")
    assert day_row().reserved_micros == 30 * CENT

    guard.settle(reservation, cost_micros=21 * CENT, call=call(), units=3)

    row = day_row()
    assert (row.settled_micros, row.reserved_micros) == (21 * CENT, 0)
    entry = LedgerEntry.objects.get()
    assert (entry.cost_micros, entry.billable_units, entry.reserved_micros) == (
        21 * CENT,
        3,
        30 * CENT,
    )


def test_it_gives_everything_back_on_release(settings):
    reservation = guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    guard.release(reservation)
    row = day_row()
    assert (row.settled_micros, row.reserved_micros) == (0, 0)
    assert not LedgerEntry.objects.exists()


def test_it_refuses_past_the_cap_and_counts_the_refusal(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": 10 * CENT}
    first = guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    guard.settle(first, cost_micros=7 * CENT, call=call())

    with pytest.raises(guard.CapExceeded) as refused:
        guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")

    assert refused.value.cap_micros == 10 * CENT
    assert refused.value.spent_micros == 7 * CENT
    assert day_row().refusals == 1
    assert LedgerEntry.objects.filter(outcome=Outcome.REFUSED, cost_micros=0).count() == 1


def test_it_admits_a_reservation_that_exactly_fills_the_cap(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": 14 * CENT}
    guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    with pytest.raises(guard.CapExceeded):
        guard.reserve(provider="batch", amount_micros=1, operation="t")


def test_it_counts_reservations_in_flight_against_the_cap(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": 10 * CENT}
    guard.reserve(provider="batch", amount_micros=8 * CENT, operation="t")
    with pytest.raises(guard.CapExceeded) as refused:
        guard.reserve(provider="batch", amount_micros=3 * CENT, operation="t")
    assert refused.value.reserved_micros == 8 * CENT


def test_it_applies_an_admin_cap_override_at_once(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": 100 * CENT}
    DailyCap.objects.create(provider="batch", cap_micros=5 * CENT)
    with pytest.raises(guard.CapExceeded):
        guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    DailyCap.objects.filter(provider="batch").update(cap_micros=7 * CENT)
    guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")


def test_it_never_settles_more_than_was_reserved():
    reservation = guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    with pytest.raises(ValueError):
        guard.settle(reservation, cost_micros=7 * CENT + 1, call=call())
    assert day_row().settled_micros == 0


def test_it_settles_an_allowed_overrun_at_its_real_cost_and_says_so(caplog):
    reservation = guard.reserve(provider="openai", amount_micros=7 * CENT, operation="t")

    entry = guard.settle(reservation, cost_micros=9 * CENT, call=call(), allow_overrun=True)

    assert entry.cost_micros == 9 * CENT and entry.reserved_micros == 7 * CENT
    assert entry.detail == "overran its reservation of $0.07 by $0.02"
    row = day_row("openai")
    assert (row.settled_micros, row.reserved_micros) == (9 * CENT, 0)
    assert "overrun provider=openai" in caplog.text
    assert all(check.ok for check in reconcile())


def test_it_refuses_to_settle_twice():
    reservation = guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    guard.settle(reservation, cost_micros=7 * CENT, call=call())
    with pytest.raises(RuntimeError):
        guard.settle(reservation, cost_micros=0, call=call())
    assert day_row().settled_micros == 7 * CENT


def test_it_resets_spend_at_local_midnight(settings):
    settings.TIME_ZONE = "America/Phoenix"
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": 7 * CENT}
    phoenix = dt.timezone(dt.timedelta(hours=-7))
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 59, 30, tzinfo=phoenix), tick=False):
        first = guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
        guard.settle(first, cost_micros=7 * CENT, call=call())
        with pytest.raises(guard.CapExceeded) as refused:
            guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
        assert refused.value.resets_at == dt.datetime(2026, 3, 2, tzinfo=phoenix)
    with time_machine.travel(dt.datetime(2026, 3, 2, 0, 0, 1, tzinfo=phoenix), tick=False):
        assert timezone.localdate() == dt.date(2026, 3, 2)
        guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    assert SpendDay.objects.get(day=dt.date(2026, 3, 1)).settled_micros == 7 * CENT
    assert SpendDay.objects.get(day=dt.date(2026, 3, 2)).reserved_micros == 7 * CENT


def test_it_settles_on_the_day_it_reserved_even_after_midnight(settings):
    settings.TIME_ZONE = "America/Phoenix"
    phoenix = dt.timezone(dt.timedelta(hours=-7))
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=phoenix), tick=False):
        reservation = guard.reserve(provider="batch", amount_micros=7 * CENT, operation="t")
    with time_machine.travel(dt.datetime(2026, 3, 2, 0, 0, 5, tzinfo=phoenix), tick=False):
        guard.settle(reservation, cost_micros=7 * CENT, call=call())
    assert SpendDay.objects.get(day=dt.date(2026, 3, 1)).settled_micros == 7 * CENT
    assert LedgerEntry.objects.get().day == dt.date(2026, 3, 1)


def test_it_releases_on_a_known_provider_failure_with_a_ledger_row():
    with (
        pytest.raises(ProviderError),
        guard.charge(provider="batch", max_micros=7 * CENT, operation="skip_trace"),
    ):
        raise ProviderError("batch", "bad request", permanent=True, call=call("error"))
    row = day_row()
    assert (row.settled_micros, row.reserved_micros) == (0, 0)
    entry = LedgerEntry.objects.get()
    assert (entry.outcome, entry.cost_micros) == ("error", 0)


def test_it_charges_the_maximum_when_the_outcome_is_unknown():
    with (
        pytest.raises(ProviderError),
        guard.charge(provider="batch", max_micros=7 * CENT, operation="skip_trace"),
    ):
        raise ProviderError("batch", "timed out", permanent=False, call=call("unknown"))
    assert day_row().settled_micros == 7 * CENT
    entry = LedgerEntry.objects.get()
    assert (entry.outcome, entry.cost_micros) == (Outcome.UNKNOWN, 7 * CENT)


def test_it_charges_the_maximum_when_an_attempt_timed_out_before_a_retry_succeeded():
    with guard.charge(provider="attom", max_micros=250 * CENT, operation="search") as current:
        current.settle(cost_micros=30 * CENT, call=call(timed_out_attempts=1), units=3)
    assert day_row("attom").settled_micros == 250 * CENT
    assert LedgerEntry.objects.get().outcome == Outcome.UNKNOWN


def test_it_releases_when_the_block_ends_without_settling():
    with guard.charge(provider="batch", max_micros=7 * CENT, operation="skip_trace"):
        pass
    assert day_row().reserved_micros == 0
    assert not LedgerEntry.objects.exists()


def test_it_releases_when_the_block_raises_anything_else():
    with (
        pytest.raises(KeyError),
        guard.charge(provider="batch", max_micros=7 * CENT, operation="skip_trace"),
    ):
        raise KeyError("boom")
    assert day_row().reserved_micros == 0


def test_it_records_free_answers_at_zero_cost():
    guard.record_free(provider="attom", operation="property_search", outcome=Outcome.CACHED)
    entry = LedgerEntry.objects.get()
    assert (entry.cost_micros, entry.cached) == (0, True)


def test_the_budget_left_counts_the_admin_cap_settled_and_in_flight_money(settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "attom": 100 * CENT}
    DailyCap.objects.create(provider="attom", cap_micros=50 * CENT)
    settled = guard.reserve(provider="attom", amount_micros=20 * CENT, operation="t")
    guard.settle(settled, cost_micros=10 * CENT, call=call())
    guard.reserve(provider="attom", amount_micros=15 * CENT, operation="t")  # in flight

    left = provider_spend_today("attom").remaining_micros

    assert left == 25 * CENT
    spend = provider_spend_today("attom")
    assert spend.covers(left) and not spend.covers(left + 1)
