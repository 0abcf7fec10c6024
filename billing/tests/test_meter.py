from __future__ import annotations

import pytest
from django.db import transaction

from billing import guard
from billing.meter import BillingMeter
from billing.models import LedgerEntry, Outcome, PriceOverride, SpendDay
from billing.pricing import max_cost_micros
from billing.reconcile import reconcile
from providers.http import CallInfo, ProviderError

pytestmark = pytest.mark.django_db

MATCH = 70_000  # 7 cents, in micro-dollars


@pytest.fixture(autouse=True)
def _prices(settings):
    settings.BATCHDATA_PRICE_PER_MATCH_MICROS = MATCH
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": 10 * MATCH}


def call(outcome: str = "success", **kwargs) -> CallInfo:
    return CallInfo(
        provider="batch", operation="skip_trace", http_status=200, attempts=1, outcome=outcome,
        **kwargs,
    )  # fmt: skip


def batch_day() -> SpendDay:
    return SpendDay.objects.get(provider="batch", day=guard.spend_day())


def test_it_reserves_the_most_the_usage_can_cost_and_settles_what_was_billed():
    meter = BillingMeter(user_id=None, lead_id=None)

    with meter.request(
        provider="batch", operation="skip_trace", max_usage={"matches": 3}
    ) as ticket:
        assert batch_day().reserved_micros == 3 * MATCH == max_cost_micros("batch", {"matches": 3})
        ticket.billed(usage={"matches": 2}, call=call())

    entry = LedgerEntry.objects.get()
    assert (entry.cost_micros, entry.reserved_micros, entry.billable_units) == (
        2 * MATCH,
        3 * MATCH,
        2,
    )
    assert entry.outcome == Outcome.SUCCESS
    assert (batch_day().settled_micros, batch_day().reserved_micros) == (2 * MATCH, 0)
    assert meter.total_micros == 2 * MATCH


def test_it_records_a_successful_call_that_billed_nothing_as_empty():
    with BillingMeter().request(
        provider="batch", operation="skip_trace", max_usage={"matches": 1}
    ) as ticket:
        ticket.billed(usage={"matches": 0}, call=call())
    assert (LedgerEntry.objects.get().outcome, ticket.charged_micros) == (Outcome.EMPTY, 0)


def test_it_takes_the_callers_outcome_for_a_billed_answer_of_no_use():
    with BillingMeter().request(
        provider="batch", operation="skip_trace", max_usage={"matches": 1}
    ) as ticket:
        ticket.billed(usage={"matches": 1}, call=call(), outcome=Outcome.ERROR)
    assert (LedgerEntry.objects.get().outcome, ticket.charged_micros) == (Outcome.ERROR, MATCH)


def test_it_refuses_before_the_block_runs_when_the_cap_cannot_cover_the_reservation():
    sent = []
    with (
        pytest.raises(guard.CapExceeded),
        BillingMeter().request(provider="batch", operation="skip_trace", max_usage={"matches": 11}),
    ):
        sent.append(True)
    assert sent == []
    assert LedgerEntry.objects.get().outcome == Outcome.REFUSED


def test_it_gives_the_money_back_when_the_request_fails():
    meter = BillingMeter()
    with (
        pytest.raises(ProviderError),
        meter.request(provider="batch", operation="skip_trace", max_usage={"matches": 1}),
    ):
        raise ProviderError("batch", "bad request", permanent=True, call=call("error"))
    assert (batch_day().settled_micros, batch_day().reserved_micros) == (0, 0)
    assert (LedgerEntry.objects.get().outcome, meter.total_micros) == (Outcome.ERROR, 0)


def test_it_charges_the_maximum_when_the_outcome_is_unknown():
    meter = BillingMeter()
    with (
        pytest.raises(ProviderError),
        meter.request(provider="batch", operation="skip_trace", max_usage={"matches": 2}),
    ):
        raise ProviderError("batch", "timed out", permanent=False, call=call("unknown"))
    assert LedgerEntry.objects.get().outcome == Outcome.UNKNOWN
    assert meter.total_micros == 2 * MATCH == batch_day().settled_micros


def test_it_commits_the_charge_with_what_the_caller_stores_in_its_transaction():
    with (
        BillingMeter().request(
            provider="batch", operation="skip_trace", max_usage={"matches": 1}
        ) as ticket,
        transaction.atomic(),
    ):
        ticket.billed(usage={"matches": 1}, call=call())
        PriceOverride.objects.create(unit="batch.matches", price_micros=1)  # "the goods"
    assert PriceOverride.objects.exists() and LedgerEntry.objects.count() == 1


def test_it_settles_again_when_storing_the_answer_undid_the_settlement():
    with (
        pytest.raises(ZeroDivisionError),
        BillingMeter().request(
            provider="batch", operation="skip_trace", max_usage={"matches": 1}
        ) as ticket,
        transaction.atomic(),
    ):
        ticket.billed(usage={"matches": 1}, call=call())
        _ = 1 / 0  # storing the contacts failed

    entry = LedgerEntry.objects.get()  # the vendor billed it: one row all the same
    assert entry.cost_micros == MATCH and "not stored (ZeroDivisionError)" in entry.detail
    assert (batch_day().settled_micros, batch_day().reserved_micros) == (MATCH, 0)
    assert all(check.ok for check in reconcile())


def test_it_prices_one_unit_of_a_batch_for_the_lead_it_belongs_to():
    with BillingMeter().request(
        provider="batch", operation="skip_trace", max_usage={"matches": 5}
    ) as ticket:
        assert ticket.cost_of({"matches": 1}) == MATCH
        ticket.billed(usage={"matches": 5}, call=call())


def test_it_rounds_each_request_of_a_preview_on_its_own(settings):
    settings.OPENAI_MODEL = "m"
    settings.OPENAI_PRICES = {"m": {"input": 1, "cached": 1, "output": 1}}
    usage = {"input_tokens": 1, "cached_tokens": 0, "output_tokens": 0}  # 1e-6 µ$ → 1 µ$
    assert max_cost_micros("openai", usage) == 1
    assert max_cost_micros("openai", usage, requests=3) == 3


def test_it_holds_the_whole_work_in_one_reservation_and_settles_each_request_from_it():
    meter = BillingMeter()

    with meter.holding(provider="batch", operation="skip_trace", max_usage={"matches": 6}):
        assert batch_day().reserved_micros == 6 * MATCH
        for billed in (2, 1):
            with meter.request(
                provider="batch", operation="skip_trace", max_usage={"matches": 3}
            ) as ticket:
                ticket.billed(usage={"matches": billed}, call=call())
            day = batch_day()
            assert day.settled_micros + day.reserved_micros <= 10 * MATCH
        assert batch_day().settled_micros == 3 * MATCH

    day = batch_day()
    assert (day.settled_micros, day.reserved_micros) == (3 * MATCH, 0)
    assert LedgerEntry.objects.filter(provider="batch").count() == 2
    assert all(check.ok for check in reconcile())


def test_it_refuses_the_whole_work_before_any_request_when_the_cap_cannot_hold_it():
    meter = BillingMeter()
    with (
        pytest.raises(guard.CapExceeded),
        meter.holding(provider="batch", operation="skip_trace", max_usage={"matches": 11}),
    ):
        pytest.fail("nothing runs once the whole work is refused")
    assert batch_day().reserved_micros == 0


def test_it_gives_the_held_reservation_back_when_the_work_fails():
    meter = BillingMeter()
    with (
        pytest.raises(RuntimeError),
        meter.holding(provider="batch", operation="skip_trace", max_usage={"matches": 4}),
    ):
        raise RuntimeError("the search broke")
    assert batch_day().reserved_micros == 0
