from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from billing import guard
from billing.models import SpendDay
from providers.http import CallInfo, ProviderError

pytestmark = pytest.mark.django_db


def spend(provider: str, micros: int) -> None:
    reservation = guard.reserve(provider=provider, amount_micros=micros, operation="t")
    guard.settle(
        reservation, cost_micros=micros,
        call=CallInfo(provider=provider, operation="t", http_status=200, attempts=1),
    )  # fmt: skip


def reconcile(*args: str) -> str:
    out = io.StringIO()
    call_command("reconcile_spend", *args, stdout=out)
    return out.getvalue()


def test_it_proves_counters_equal_their_ledger_rows():
    spend("attom", 250_000)
    spend("batch", 70_000)
    output = reconcile()
    assert "OK: 2 counters reconcile." in output


def test_it_reports_a_counter_that_drifted_from_its_rows():
    spend("batch", 70_000)
    SpendDay.objects.filter(provider="batch").update(settled_micros=60_000)
    with pytest.raises(CommandError, match="1 counter out of step"):
        reconcile()


def test_it_reports_and_can_release_a_reservation_stuck_on_a_past_day():
    yesterday = guard.spend_day() - dt.timedelta(days=1)
    SpendDay.objects.create(provider="batch", day=yesterday, reserved_micros=70_000)
    with pytest.raises(CommandError):
        reconcile()
    output = reconcile("--release-stale")
    assert "Released stale reservations on 1 day." in output
    assert SpendDay.objects.get(day=yesterday).reserved_micros == 0


def test_it_leaves_todays_reservations_in_flight_alone():
    guard.reserve(provider="batch", amount_micros=70_000, operation="t")
    assert "OK" in reconcile("--release-stale")
    assert SpendDay.objects.get(provider="batch").reserved_micros == 70_000


def test_it_counts_unknown_outcomes_charged_at_their_maximum():
    with (
        pytest.raises(ProviderError),
        guard.charge(provider="batch", max_micros=70_000, operation="skip_trace"),
    ):
        raise ProviderError(
            "batch", "timed out", permanent=False,
            call=CallInfo(provider="batch", operation="skip_trace", attempts=1, outcome="unknown"),
        )  # fmt: skip
    output = reconcile()
    assert "Calls with an unknown outcome: 1" in output


def test_it_rejects_a_bad_window():
    with pytest.raises(CommandError):
        reconcile("--days", "0")
