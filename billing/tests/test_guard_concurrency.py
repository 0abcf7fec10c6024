"""Many threads, each with its own database connection, racing for one provider's cap.

Runs on whatever database the suite is configured with: SQLite by default, PostgreSQL when
DATABASE_URL points there (CI runs both).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db.models import Sum

from billing import guard
from billing.models import LedgerEntry, Outcome, SpendDay
from providers.http import CallInfo

THREADS = 16
PER_THREAD = 50
PRICE = 70_000  # 7 cents
ADMITTED = 137  # the cap admits exactly this many reservations


def _worker(results: list[str], barrier: threading.Barrier) -> None:
    barrier.wait()
    try:
        for _ in range(PER_THREAD):
            try:
                reservation = guard.reserve(
                    provider="batch", amount_micros=PRICE, operation="skip_trace"
                )
            except guard.CapExceeded:
                results.append("refused")
                continue
            call = CallInfo(provider="batch", operation="skip_trace", http_status=200, attempts=1)
            guard.settle(reservation, cost_micros=PRICE, call=call, units=1)
            results.append("ok")
    finally:
        connections.close_all()


def _watch(stop: threading.Event, cap: int, peaks: list[int]) -> None:
    try:
        while not stop.is_set():
            for settled, reserved in SpendDay.objects.filter(provider="batch").values_list(
                "settled_micros", "reserved_micros"
            ):
                peaks.append(settled + reserved)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_admits_exactly_what_the_cap_allows_under_contention(settings):
    cap = ADMITTED * PRICE + PRICE - 1  # one micro short of admitting one more
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": cap}
    results: list[str] = []
    peaks: list[int] = []
    barrier = threading.Barrier(THREADS)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(stop, cap, peaks))
    workers = [threading.Thread(target=_worker, args=(results, barrier)) for _ in range(THREADS)]
    watcher.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    watcher.join()

    assert results.count("ok") == ADMITTED
    assert results.count("refused") == THREADS * PER_THREAD - ADMITTED
    row = SpendDay.objects.get(provider="batch")
    ledger_sum = LedgerEntry.objects.filter(provider="batch", day=row.day).aggregate(
        total=Sum("cost_micros")
    )["total"]
    assert row.settled_micros == ledger_sum == ADMITTED * PRICE
    assert row.reserved_micros == 0
    assert row.refusals == THREADS * PER_THREAD - ADMITTED
    assert LedgerEntry.objects.filter(outcome=Outcome.REFUSED).count() == row.refusals
    assert peaks and max(peaks) <= cap
    connection.close()
