"""Many threads, each with its own database connection, skip tracing at once.

Runs on whatever database the suite is configured with: SQLite by default, PostgreSQL when
DATABASE_URL points there (CI runs both). `responses` patches the HTTP layer process-wide,
so it answers every thread.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import responses
from django.db import connections
from django.db.models import Sum

from billing.guard import CapExceeded, spend_day
from billing.models import LedgerEntry, Outcome, SpendDay
from leads.models import Lead
from leads.skiptrace.services import TraceOutcome, claim_lead, claim_leads, lead_skip_trace
from leads.skiptrace.tests.test_skiptrace import (
    BATCH_URL,
    JANE,
    PRICE,
    answer,
    go_live,
    matched,
    sandbox_lead,
    set_cap,
    wire_phone,
)
from leads.tests.factories import make_lead
from providers.sandbox import faults

pytestmark = pytest.mark.django_db(transaction=True)

SAME_LEAD_THREADS = 10
LEAD_THREADS = 30
AFFORDABLE = 12  # the cap fits exactly this many matches
VENDOR_LATENCY_S = 0.05  # long enough for every thread to be in flight at once


def run_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Start `count` threads at one barrier; each result is a value or the exception raised."""
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # the test inspects what each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def slow_answer(person: dict[str, Any]) -> Callable:
    def reply(request) -> tuple[int, dict[str, str], str]:
        time.sleep(VENDOR_LATENCY_S)
        items = json.loads(request.body)["requests"]
        return 200, {}, json.dumps(answer(*[person for _ in items]))

    return reply


@pytest.fixture
def wire(settings):
    go_live(settings)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
    connections.close_all()


def ledger_sum() -> int:
    rows = LedgerEntry.objects.filter(provider="batch", day=spend_day())
    return rows.aggregate(total=Sum("cost_micros"))["total"] or 0


def test_it_traces_one_lead_once_when_ten_ask_at_once(wire):
    wire.add_callback(responses.POST, BATCH_URL, callback=slow_answer(JANE))
    lead_id = make_lead().pk

    outcomes = run_threads(
        SAME_LEAD_THREADS, lambda _: lead_skip_trace(lead=Lead.objects.get(pk=lead_id))
    )

    assert all(isinstance(o, TraceOutcome) for o in outcomes), outcomes
    assert len(wire.calls) == 1
    assert sorted(o.cost_micros for o in outcomes) == [0] * (SAME_LEAD_THREADS - 1) + [PRICE]
    assert sum(not o.reused for o in outcomes) == 1
    rows = LedgerEntry.objects.filter(provider="batch")
    assert rows.filter(outcome=Outcome.SUCCESS, cost_micros=PRICE).count() == 1
    assert rows.filter(outcome=Outcome.REUSED, cost_micros=0).count() == SAME_LEAD_THREADS - 1
    assert rows.count() == SAME_LEAD_THREADS
    row = SpendDay.objects.get(provider="batch")
    assert row.settled_micros == ledger_sum() == PRICE
    assert row.reserved_micros == 0
    for outcome in outcomes:  # every caller sees the whole stored answer
        assert outcome.lead.skip_trace_status == "matched"
        assert sorted(p.number for p in outcome.lead.phones.all()) == [
            "+16025550142",
            "+16025550187",
        ]
        assert outcome.lead.best_phone == "+16025550142"
        assert outcome.lead.contactable
    lead = Lead.objects.get(pk=lead_id)
    assert lead.skip_trace_cost_micros == PRICE
    assert lead.skip_trace_claimed_at is None


def test_it_stops_exactly_at_the_cap_when_thirty_leads_race(wire, settings):
    cap = AFFORDABLE * PRICE + PRICE - 1  # one micro short of a thirteenth match
    set_cap(settings, "batch", cap)
    wire.add_callback(
        responses.POST, BATCH_URL, callback=slow_answer(matched(wire_phone("6025550142")))
    )
    lead_ids = [make_lead().pk for _ in range(LEAD_THREADS)]
    peaks: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        try:
            while not stop.is_set():
                for settled, reserved in SpendDay.objects.filter(provider="batch").values_list(
                    "settled_micros", "reserved_micros"
                ):
                    peaks.append(settled + reserved)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outcomes = run_threads(
            LEAD_THREADS, lambda i: lead_skip_trace(lead=Lead.objects.get(pk=lead_ids[i]))
        )
    finally:
        stop.set()
        watcher.join()

    traced = [o for o in outcomes if isinstance(o, TraceOutcome)]
    refused = [o for o in outcomes if isinstance(o, CapExceeded)]
    assert len(traced) == AFFORDABLE, outcomes
    assert len(refused) == LEAD_THREADS - AFFORDABLE, outcomes
    assert all(o.cost_micros == PRICE and not o.reused for o in traced)
    assert len(wire.calls) == AFFORDABLE
    row = SpendDay.objects.get(provider="batch")
    assert row.settled_micros == ledger_sum() == AFFORDABLE * PRICE
    assert row.reserved_micros == 0
    assert row.refusals == LEAD_THREADS - AFFORDABLE
    rows = LedgerEntry.objects.filter(provider="batch")
    assert rows.filter(outcome=Outcome.SUCCESS).count() == AFFORDABLE
    assert rows.filter(outcome=Outcome.REFUSED, cost_micros=0).count() == row.refusals
    assert peaks and max(peaks) <= cap
    leads = Lead.objects.filter(pk__in=lead_ids)
    assert leads.filter(skip_traced_at__isnull=False).count() == AFFORDABLE
    assert not leads.filter(skip_trace_claimed_at__isnull=False).exists()


def test_it_checks_line_types_once_and_shows_everyone_the_result(settings):
    """Callers that arrive while the first trace is still checking line types pay nothing
    more and see the finished result (best phone included)."""
    settings.SANDBOX_PROVIDERS = True
    lead_id = sandbox_lead(phones=2).pk
    faults.queue("twilio", "latency", seconds=0.05, count=20)

    def trace(index: int) -> TraceOutcome:
        time.sleep(index * 0.03)  # some arrive mid-trace, some after the vendor answered
        return lead_skip_trace(lead=Lead.objects.get(pk=lead_id))

    outcomes = run_threads(SAME_LEAD_THREADS, trace)

    assert all(isinstance(o, TraceOutcome) for o in outcomes), outcomes
    lead = Lead.objects.get(pk=lead_id)
    phones = lead.phones.count()
    assert faults.request_count("batch") == 1
    assert faults.request_count("twilio") == phones
    assert LedgerEntry.objects.filter(provider="twilio").count() == phones
    assert lead.best_phone
    assert {o.lead.best_phone for o in outcomes} == {lead.best_phone}
    connections.close_all()


FORCED_THREADS = 32


def test_it_pays_once_when_a_burst_of_forced_traces_hits_one_lead(wire):
    wire.add_callback(responses.POST, BATCH_URL, callback=slow_answer(JANE))
    lead_id = make_lead().pk

    def forced_click(index: int) -> TraceOutcome:
        # Requests of a burst reach the service spread out (parsing, auth, a busy server):
        # some only after the first trace has finished and let go of the lead.
        time.sleep(index * VENDOR_LATENCY_S / 4)
        return lead_skip_trace(lead=Lead.objects.get(pk=lead_id), force=True)

    outcomes = run_threads(FORCED_THREADS, forced_click)

    assert all(isinstance(o, TraceOutcome) for o in outcomes), outcomes
    assert len(wire.calls) == 1
    assert sum(o.cost_micros for o in outcomes) == PRICE
    row = SpendDay.objects.get(provider="batch")
    assert row.settled_micros == ledger_sum() == PRICE
    assert Lead.objects.get(pk=lead_id).skip_trace_cost_micros == PRICE


CLAIMING_THREADS = 6


def test_each_lead_is_claimed_once_when_batches_and_single_traces_claim_at_once():
    """Bulk batches claim many leads in one go, single traces one: overlapping claims made at
    the same moment leave each lead claimed by exactly one of them."""
    lead_ids = [make_lead().pk for _ in range(40)]

    def claim(index: int) -> set[int]:
        if index % 2:  # a single trace's claim of one lead each
            return {pk for pk in lead_ids[index::CLAIMING_THREADS] if claim_lead(pk)}
        return claim_leads(lead_ids[index:])  # a batch's, overlapping the others'

    claimed = run_threads(CLAIMING_THREADS, claim)

    assert not [result for result in claimed if isinstance(result, Exception)]
    every = [pk for ids in claimed for pk in ids]
    assert len(every) == len(set(every)) == len(lead_ids)
    assert not Lead.objects.filter(pk__in=lead_ids, skip_trace_claimed_at__isnull=True).exists()
