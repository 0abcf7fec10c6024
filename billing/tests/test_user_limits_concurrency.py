"""Sixteen threads of one agent, each with its own connection, racing for the agent's limit.

On PostgreSQL (DATABASE_URL) this is real row-lock contention; on SQLite it runs too, the
database serialising the writers."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.db.models import Sum

from billing import guard
from billing.models import LedgerEntry, Outcome, SpendDay, UserDailyLimit, UserSpendDay
from providers.http import CallInfo

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16
PER_THREAD = 10
PRICE = 70_000  # 7 cents
ADMITTED = 23  # the agent's limit admits exactly this many paid calls


def _worker(user_id: int, results: list[str], barrier: threading.Barrier) -> None:
    barrier.wait()
    try:
        for _ in range(PER_THREAD):
            try:
                reservation = guard.reserve(
                    provider="batch", amount_micros=PRICE, operation="skip_trace", user_id=user_id
                )
            except guard.UserCapExceeded:
                results.append("refused")
                continue
            call = CallInfo(provider="batch", operation="skip_trace", http_status=200, attempts=1)
            guard.settle(reservation, cost_micros=PRICE, call=call, units=1)
            results.append("paid")
    finally:
        connections.close_all()


def _watch(stop: threading.Event, user_id: int, peaks: list[int]) -> None:
    try:
        while not stop.is_set():
            for settled, reserved in UserSpendDay.objects.filter(user_id=user_id).values_list(
                "settled_micros", "reserved_micros"
            ):
                peaks.append(settled + reserved)
    finally:
        connections.close_all()


def test_it_never_passes_an_agents_limit_under_contention(agent, settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": 1_000 * PRICE}
    agent_limit = ADMITTED * PRICE + PRICE - 1  # one micro short of one more
    UserDailyLimit.objects.create(user=agent, provider="batch", limit_micros=agent_limit)
    results: list[str] = []
    peaks: list[int] = []
    barrier = threading.Barrier(THREADS)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(stop, agent.pk, peaks))
    threads = [
        threading.Thread(target=_worker, args=(agent.pk, results, barrier)) for _ in range(THREADS)
    ]
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    watcher.join()

    assert results.count("paid") == ADMITTED
    assert results.count("refused") == THREADS * PER_THREAD - ADMITTED
    mine = UserSpendDay.objects.get(user=agent, provider="batch")
    assert (mine.settled_micros, mine.reserved_micros) == (ADMITTED * PRICE, 0)
    assert mine.refusals == THREADS * PER_THREAD - ADMITTED
    assert peaks and max(peaks) <= agent_limit
    # The team's counter holds exactly the paid calls: refusals by the agent's limit left
    # no reservation, no request and no refusal on it.
    team = SpendDay.objects.get(provider="batch")
    assert (team.settled_micros, team.reserved_micros) == (ADMITTED * PRICE, 0)
    assert (team.requests, team.refusals) == (ADMITTED, 0)
    paid = LedgerEntry.objects.filter(outcome=Outcome.SUCCESS)
    assert paid.count() == ADMITTED
    assert paid.aggregate(total=Sum("cost_micros"))["total"] == ADMITTED * PRICE
    assert LedgerEntry.objects.filter(outcome=Outcome.REFUSED, user=agent).count() == mine.refusals
