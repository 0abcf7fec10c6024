"""Block reservations: many requests' maxima reserved at once, each settled on its own."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.db.models import Sum

from billing import guard
from billing.blocks import Block, block_reserved, close_block, reserve_block
from billing.meter import Answer, BillingMeter
from billing.models import LedgerEntry, Outcome, SpendDay, UserSpendDay
from billing.reconcile import reconcile
from providers.http import CallInfo, ProviderError

LOOKUP = 8_000  # 0.8 cents


@pytest.fixture(autouse=True)
def _prices(settings):
    settings.TWILIO_LOOKUP_PRICE_MICROS = LOOKUP


def set_cap(settings, micros: int) -> None:
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "twilio": micros}


def twilio_day() -> SpendDay:
    return SpendDay.objects.get(provider="twilio", day=guard.spend_day())


def call(outcome: str = "success") -> CallInfo:
    return CallInfo(
        provider="twilio", operation="line_type_lookup", http_status=200, attempts=1,
        outcome=outcome,
    )  # fmt: skip


def lookup_block(count: int) -> Block:
    return reserve_block(
        provider="twilio", unit_micros=LOOKUP, count=count, operation="line_type_lookup"
    )


@pytest.mark.django_db
def test_it_reserves_every_request_at_once_and_settles_each_on_its_own(settings):
    set_cap(settings, 10 * LOOKUP)
    meter = BillingMeter()

    with meter.block(
        provider="twilio", operation="line_type_lookup", max_usage={"lookups": 1}, count=4
    ) as block:
        assert block.granted == 4
        assert twilio_day().reserved_micros == 4 * LOOKUP
        for billed in (1, 0, 1):
            with block.request(lead_id=None) as ticket:
                ticket.billed(usage={"lookups": billed}, call=call())
        assert twilio_day().reserved_micros == LOOKUP  # the undrawn ticket

    day = twilio_day()
    assert (day.settled_micros, day.reserved_micros, day.requests) == (2 * LOOKUP, 0, 3)
    rows = LedgerEntry.objects.order_by("id")
    assert [(r.outcome, r.cost_micros, r.reserved_micros) for r in rows] == [
        (Outcome.SUCCESS, LOOKUP, LOOKUP),
        (Outcome.EMPTY, 0, LOOKUP),
        (Outcome.SUCCESS, LOOKUP, LOOKUP),
    ]
    assert meter.total_micros == 2 * LOOKUP
    assert all(check.ok for check in reconcile())


@pytest.mark.django_db
def test_it_admits_as_many_as_the_budget_covers_and_records_the_rest_as_refused(settings):
    set_cap(settings, 3 * LOOKUP + LOOKUP - 1)

    with block_reserved(
        provider="twilio", unit_micros=LOOKUP, count=5, operation="line_type_lookup"
    ) as block:
        assert (block.granted, twilio_day().reserved_micros) == (3, 3 * LOOKUP)
        assert not LedgerEntry.objects.exists()  # the refusal is recorded when it ends

    refused = LedgerEntry.objects.get()
    assert (refused.outcome, refused.cost_micros) == (Outcome.REFUSED, 0)
    day = twilio_day()
    assert (day.reserved_micros, day.requests, day.refusals) == (0, 0, 1)


@pytest.mark.django_db
def test_it_refuses_when_the_budget_covers_no_request(settings):
    set_cap(settings, LOOKUP - 1)

    with pytest.raises(guard.CapExceeded) as refused:
        lookup_block(5)

    assert refused.value.needed_micros == LOOKUP
    assert LedgerEntry.objects.get().outcome == Outcome.REFUSED
    assert (twilio_day().reserved_micros, twilio_day().refusals) == (0, 1)


@pytest.mark.django_db
def test_it_hands_out_no_more_tickets_than_it_admitted(settings):
    set_cap(settings, LOOKUP)
    block = lookup_block(3)
    block.draw()
    with pytest.raises(RuntimeError):
        block.draw()
    close_block(block)
    close_block(block)  # a second close gives nothing back twice
    assert twilio_day().reserved_micros == LOOKUP  # the drawn ticket is still open


@pytest.mark.django_db
def test_a_failed_request_gives_its_ticket_back_with_its_ledger_row(settings):
    set_cap(settings, 10 * LOOKUP)
    meter = BillingMeter()
    with meter.block(
        provider="twilio", operation="line_type_lookup", max_usage={"lookups": 1}, count=2
    ) as block:
        with pytest.raises(ProviderError), block.request() as ticket:
            raise ProviderError("twilio", "HTTP 500", permanent=False, call=call("error"))
        assert ticket.charged_micros == 0
    assert (twilio_day().settled_micros, twilio_day().reserved_micros) == (0, 0)
    assert LedgerEntry.objects.get().outcome == Outcome.ERROR


def timed_out_call() -> CallInfo:
    return CallInfo(
        provider="twilio", operation="line_type_lookup", http_status=200, attempts=2,
        outcome="success", timed_out_attempts=1,
    )  # fmt: skip


@pytest.mark.django_db
def test_it_settles_answered_requests_together_with_one_row_each(settings, agent):
    set_cap(settings, 10 * LOOKUP)
    meter = BillingMeter(user_id=agent.pk)
    answers = [
        Answer(usage={"lookups": 1}, call=call(), lead_id=None),
        Answer(usage={"lookups": 0}, call=call()),
        Answer(usage={"lookups": 0}, call=timed_out_call()),  # charged its maximum
    ]

    with meter.block(
        provider="twilio", operation="line_type_lookup", max_usage={"lookups": 1}, count=4
    ) as block:
        with block.answered(answers) as tickets:
            assert [ticket.charged_micros for ticket in tickets] == [LOOKUP, 0, LOOKUP]
        assert twilio_day().reserved_micros == LOOKUP  # the undrawn ticket

    day = twilio_day()
    assert (day.settled_micros, day.reserved_micros, day.requests) == (2 * LOOKUP, 0, 3)
    mine = UserSpendDay.objects.get(user=agent, provider="twilio")
    assert (mine.settled_micros, mine.reserved_micros) == (2 * LOOKUP, 0)
    rows = LedgerEntry.objects.order_by("id")
    assert [(r.outcome, r.cost_micros, r.reserved_micros, r.user_id) for r in rows] == [
        (Outcome.SUCCESS, LOOKUP, LOOKUP, agent.pk),
        (Outcome.EMPTY, 0, LOOKUP, agent.pk),
        (Outcome.UNKNOWN, LOOKUP, LOOKUP, agent.pk),
    ]
    assert meter.total_micros == 2 * LOOKUP
    assert all(check.ok for check in reconcile())


@pytest.mark.django_db
def test_answered_requests_are_settled_again_when_storing_them_fails(settings):
    set_cap(settings, 10 * LOOKUP)
    with (
        pytest.raises(ZeroDivisionError),
        BillingMeter().block(
            provider="twilio", operation="line_type_lookup", max_usage={"lookups": 1}, count=2
        ) as block,
        block.answered([Answer(usage={"lookups": 1}, call=call())] * 2),
    ):
        _ = 1 / 0  # storing the phones failed

    rows = LedgerEntry.objects.order_by("id")  # the vendor billed them: a row each all the same
    assert [r.cost_micros for r in rows] == [LOOKUP, LOOKUP]
    assert all("not stored (ZeroDivisionError)" in r.detail for r in rows)
    assert (twilio_day().settled_micros, twilio_day().reserved_micros) == (2 * LOOKUP, 0)
    assert all(check.ok for check in reconcile())


# -- under contention (SQLite by default, PostgreSQL when DATABASE_URL points there) --------

THREADS = 8
BLOCK = 5
ADMITTED = 37  # the cap admits exactly this many requests


def _drain(granted: list[int], barrier: threading.Barrier) -> None:
    barrier.wait()
    try:
        while True:
            try:
                block = lookup_block(BLOCK)
            except guard.CapExceeded:
                return
            granted.append(block.granted)
            for _ in range(block.granted):
                guard.settle(block.draw(), cost_micros=LOOKUP, call=call(), units=1)
            close_block(block)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_admits_exactly_what_the_cap_allows_when_blocks_race(settings):
    set_cap(settings, ADMITTED * LOOKUP + LOOKUP - 1)
    granted: list[int] = []
    barrier = threading.Barrier(THREADS)
    workers = [threading.Thread(target=_drain, args=(granted, barrier)) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sum(granted) == ADMITTED
    day = twilio_day()
    paid = LedgerEntry.objects.filter(provider="twilio", outcome=Outcome.SUCCESS)
    assert paid.count() == ADMITTED
    assert day.settled_micros == paid.aggregate(total=Sum("cost_micros"))["total"]
    assert (day.settled_micros, day.reserved_micros) == (ADMITTED * LOOKUP, 0)
