"""Skip tracing one lead: what is stored, what it costs, when it is free, how it fails.

BatchData is live here with `responses` answering its wire format at the test host, so each
case controls the exact answer; the sandbox (and its fault queue) covers the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import requests
import responses
import time_machine
from django.db.models import Sum
from django.utils import timezone

from billing.guard import CapExceeded, spend_day
from billing.models import LedgerEntry, Outcome, SpendDay
from leads.models import Lead, Phone, SkipTraceStatus
from leads.skiptrace.compliance import owner_mark_do_not_call, phone_mark_do_not_call
from leads.skiptrace.contacts import skip_trace_request
from leads.skiptrace.services import lead_skip_trace
from leads.tests.factories import make_lead, make_phone
from providers.batchdata import request_item
from providers.http import ProviderError
from providers.sandbox import faults
from providers.sandbox.batchdata import person_for

pytestmark = pytest.mark.django_db

BATCH_URL = "https://batchdata.test/api/v1/property/skip-trace"
PRICE = 70_000  # 7 cents, in micro-dollars
LOOKUP_PRICE = 8_000  # 0.8 cents


# -- BatchData's v1 wire format ------------------------------------------------------------


def after_a_burst() -> time_machine.travel:
    """Later than a burst of forced clicks can be: a forced trace now asks BatchData again."""
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=31))


def wire_phone(
    number: str,
    *,
    kind: str = "Mobile",
    carrier: str = "Cellco Partnership dba Verizon Wireless",
    score: int = 90,
    reachable: bool = True,
    tested: bool = True,
    dnc: bool | None = False,
    tcpa: bool | None = False,
) -> dict[str, Any]:
    """One `phoneNumbers[]` entry; a flag given as None is left out, as the mock does."""
    phone: dict[str, Any] = {
        "number": number,
        "carrier": carrier,
        "type": kind,
        "tested": tested,
        "reachable": reachable,
        "score": score,
    }
    if dnc is not None:
        phone["dnc"] = dnc
    if tcpa is not None:
        phone["tcpa"] = tcpa
    return phone


def matched(
    *phones: dict[str, Any], emails: tuple[str, ...] = (), litigator: bool = False
) -> dict[str, Any]:
    return {
        "_id": "tOdljN72SozLw",
        "name": {"first": "jane", "last": "sample"},
        "propertyAddress": {"street": "101 Main St", "city": "Phoenix", "state": "AZ",
                            "zip": "85034"},
        "phoneNumbers": list(phones),
        "emails": [{"email": e, "tested": True} for e in emails],
        "litigator": litigator,
        "dnc": {"tcpa": litigator},
        "death": {"deceased": False},
        "bankruptcy": {},
        "involuntaryLien": [],
        "meta": {"matched": True, "error": False},
    }  # fmt: skip


def no_match() -> dict[str, Any]:
    address = {"street": "101 Main St", "city": "Phoenix", "state": "AZ", "zip": "85034"}
    return {"propertyAddress": address, "meta": {"matched": False, "error": False}}


def answer(*persons: dict[str, Any]) -> dict[str, Any]:
    metas = [p["meta"] for p in persons]
    counts = {
        "requestCount": len(persons),
        "matchCount": sum(m["matched"] for m in metas),
        "noMatchCount": sum(not m["matched"] and not m["error"] for m in metas),
        "errorCount": sum(m["error"] for m in metas),
    }
    return {
        "status": {"code": 200, "text": "OK"},
        "results": {"persons": list(persons), "meta": {"apiVersion": "2.10.2", "results": counts}},
    }


def envelope(code: int, message: str) -> dict[str, Any]:
    return {"status": {"code": code, "text": "Error", "message": message}}


JANE = matched(
    wire_phone("6025550142", score=100),
    wire_phone("6025550187", kind="Land Line", carrier="AT&T Southwest", dnc=True),
    emails=("jane.sample@example.com",),
)


# -- modes ---------------------------------------------------------------------------------


def go_live(settings) -> None:
    """BatchData live at the test host; Twilio and OpenAI off so only BatchData is called."""
    settings.SANDBOX_PROVIDERS = False
    settings.BATCHDATA_API_KEY = "live-test-token"
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_API_KEY = settings.TWILIO_API_SECRET = ""
    settings.OPENAI_API_KEY = ""


def set_cap(settings, provider: str, micros: int) -> None:
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, provider: micros}


@pytest.fixture
def wire(settings):
    go_live(settings)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sandbox(settings):
    settings.SANDBOX_PROVIDERS = True  # every provider, Twilio included


def sandbox_lead(*, phones: int = 1, **fields) -> Lead:
    """A lead the BatchData sandbox matches (with at least `phones` phones, no litigator)."""
    for n in range(1, 500):
        lead = make_lead(street=f"{n} W ROOSEVELT ST", **fields)
        person = person_for(request_item(skip_trace_request(lead)), include_tcpa=False)
        if person["meta"]["matched"] and len(person.get("phoneNumbers", [])) >= phones:
            return lead
        lead.delete()
    raise AssertionError("the sandbox matched none of the addresses tried")


# -- ledger helpers ------------------------------------------------------------------------


def day(provider: str = "batch") -> SpendDay:
    return SpendDay.objects.get(provider=provider, day=spend_day())


def ledger(provider: str = "batch"):
    return LedgerEntry.objects.filter(provider=provider).order_by("id")


def ledger_sum(provider: str = "batch") -> int:
    return ledger(provider).aggregate(total=Sum("cost_micros"))["total"] or 0


def sent_items(mock: responses.RequestsMock, index: int = 0) -> list[dict[str, Any]]:
    body = mock.calls[index].request.body
    assert body is not None
    return json.loads(body)["requests"]


# -- writing what was found ----------------------------------------------------------------


def test_it_stores_the_owners_phones_and_emails(wire):
    unknown = wire_phone("4805551234", kind="Voip", carrier="Onvoy LLC", dnc=None, tcpa=None)
    person = matched(
        *JANE["phoneNumbers"],
        unknown,
        emails=("jane.sample@example.com", "JANE.SAMPLE@example.com", "j.sample@example.net"),
    )
    wire.post(BATCH_URL, json=answer(person))
    lead = make_lead()

    outcome = lead_skip_trace(lead=lead)

    mobile, landline, voip = lead.phones.all()
    assert (mobile.number, mobile.line_type, mobile.carrier) == (
        "+16025550142",
        "mobile",
        "Cellco Partnership dba Verizon Wireless",
    )
    assert (mobile.score, mobile.reachable, mobile.tested) == (100, True, True)
    assert (mobile.dnc, mobile.litigator) == (False, False)
    assert mobile.dnc_checked_at is not None
    assert (landline.number, landline.line_type, landline.dnc) == ("+16025550187", "landline", True)
    assert landline.dnc_checked_at is not None
    # The vendor did not say: unknown, and never "checked".
    assert (voip.number, voip.line_type, voip.dnc, voip.litigator) == (
        "+14805551234",
        "voip",
        None,
        None,
    )
    assert voip.dnc_checked_at is None
    assert [(e.email, e.tested) for e in lead.emails.all()] == [
        ("jane.sample@example.com", True),
        ("j.sample@example.net", True),
    ]
    lead.refresh_from_db()
    assert lead.skip_trace_status == SkipTraceStatus.MATCHED
    assert lead.skip_trace_provider == "batchdata"
    assert lead.skip_traced_at is not None
    assert lead.skip_trace_claimed_at is None
    assert lead.best_phone == "+16025550142"
    assert lead.contactable and not lead.dnc_flag
    assert not outcome.reused


def test_it_sends_the_lead_as_one_item_without_litigators_phones(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead(street="101 MAIN ST", owner_first_name="JANE", owner_last_name="SAMPLE")

    lead_skip_trace(lead=lead)

    body = json.loads(wire.calls[0].request.body)
    assert body["options"] == {"includeTCPABlacklistedPhones": False}
    assert body["requests"] == [
        {
            "requestId": str(lead.pk),
            "propertyAddress": {
                "street": "101 MAIN ST",
                "city": "Phoenix",
                "state": "AZ",
                "zip": "85034",
            },
            "name": {"first": "Jane", "last": "Sample"},
        }
    ]
    assert wire.calls[0].request.headers["Authorization"] == "Bearer live-test-token"


# -- what it costs -------------------------------------------------------------------------


def test_it_charges_exactly_one_match(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead()

    outcome = lead_skip_trace(lead=lead)

    assert outcome.cost_micros == PRICE
    entry = ledger().get()
    assert (entry.outcome, entry.cost_micros, entry.billable_units) == (Outcome.SUCCESS, PRICE, 1)
    assert (entry.lead_id, entry.http_status, entry.attempts) == (lead.pk, 200, 1)
    row = day()
    assert row.settled_micros == ledger_sum() == PRICE
    assert row.reserved_micros == 0
    lead.refresh_from_db()
    assert lead.skip_trace_cost_micros == PRICE


def test_it_charges_nothing_for_a_no_match(wire):
    wire.post(BATCH_URL, json=answer(no_match()))
    lead = make_lead()

    outcome = lead_skip_trace(lead=lead)

    assert outcome.cost_micros == 0
    entry = ledger().get()
    assert (entry.outcome, entry.cost_micros, entry.billable_units) == (Outcome.EMPTY, 0, 0)
    assert entry.reserved_micros == PRICE  # one match was held, then given back
    row = day()
    assert (row.settled_micros, row.reserved_micros) == (0, 0)
    lead.refresh_from_db()
    assert lead.skip_trace_status == SkipTraceStatus.NO_MATCH
    assert lead.skip_trace_cost_micros == 0
    assert not lead.phones.exists() and not lead.contactable


def test_it_adds_each_paid_trace_to_the_leads_cost(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead()

    lead_skip_trace(lead=lead)
    with after_a_burst():  # a forced trace moments after another joins it
        lead_skip_trace(lead=lead, force=True)
    lead_skip_trace(lead=lead)  # reused: free

    lead.refresh_from_db()
    assert lead.skip_trace_cost_micros == 2 * PRICE
    assert day().settled_micros == ledger_sum() == 2 * PRICE


# -- the cap -------------------------------------------------------------------------------


def test_it_refuses_below_one_match_price_without_a_request(wire, settings):
    set_cap(settings, "batch", PRICE - 1)
    lead = make_lead()

    with pytest.raises(CapExceeded) as refused:
        lead_skip_trace(lead=lead)

    assert len(wire.calls) == 0
    assert (refused.value.provider, refused.value.cap_micros) == ("batch", PRICE - 1)
    entry = ledger().get()
    assert (entry.outcome, entry.cost_micros, entry.lead_id) == (Outcome.REFUSED, 0, lead.pk)
    row = day()
    assert (row.settled_micros, row.reserved_micros, row.refusals) == (0, 0, 1)
    lead.refresh_from_db()
    assert lead.skip_traced_at is None and lead.skip_trace_claimed_at is None


def test_it_sends_nothing_to_the_sandbox_at_the_cap(sandbox, settings):
    set_cap(settings, "batch", PRICE - 1)

    with pytest.raises(CapExceeded):
        lead_skip_trace(lead=make_lead())

    assert faults.request_count("batch") == 0
    assert ledger().get().outcome == Outcome.REFUSED


def test_it_admits_a_trace_that_fits_the_cap_exactly(wire, settings):
    set_cap(settings, "batch", PRICE)
    wire.post(BATCH_URL, json=answer(JANE))

    lead_skip_trace(lead=make_lead())

    with pytest.raises(CapExceeded):
        lead_skip_trace(lead=make_lead())
    assert len(wire.calls) == 1
    assert day().settled_micros == PRICE


# -- reuse ---------------------------------------------------------------------------------


def test_it_reuses_a_trace_within_the_window(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead()
    lead_skip_trace(lead=lead)
    first = list(lead.phones.values_list("number", "dnc"))

    again = lead_skip_trace(lead=Lead.objects.get(pk=lead.pk))

    assert (again.reused, again.cost_micros) == (True, 0)
    assert len(wire.calls) == 1
    assert list(lead.phones.values_list("number", "dnc")) == first
    assert list(ledger().values_list("outcome", "cost_micros")) == [
        (Outcome.SUCCESS, PRICE),
        (Outcome.REUSED, 0),
    ]
    assert ledger().last().reused
    assert day().settled_micros == PRICE


def test_it_reuses_a_no_match_within_the_window(wire):
    wire.post(BATCH_URL, json=answer(no_match()))
    lead = make_lead()
    lead_skip_trace(lead=lead)

    again = lead_skip_trace(lead=lead)

    assert (again.reused, again.cost_micros) == (True, 0)
    assert len(wire.calls) == 1
    assert ledger().last().outcome == Outcome.REUSED
    lead.refresh_from_db()
    assert lead.skip_trace_status == SkipTraceStatus.NO_MATCH


def test_it_traces_again_when_forced(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead()
    lead_skip_trace(lead=lead)

    with after_a_burst():  # a forced trace moments after another joins it
        again = lead_skip_trace(lead=lead, force=True)

    assert (again.reused, again.cost_micros) == (False, PRICE)
    assert len(wire.calls) == 2
    assert list(ledger().values_list("outcome", flat=True)) == [Outcome.SUCCESS] * 2
    assert day().settled_micros == ledger_sum() == 2 * PRICE


def test_it_reuses_a_trace_on_the_last_day_of_the_window(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead()
    lead_skip_trace(lead=lead)

    with time_machine.travel(timezone.now() + dt.timedelta(days=89)):
        assert lead_skip_trace(lead=lead).reused

    assert len(wire.calls) == 1


def test_it_traces_a_stale_lead_again(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead()
    lead_skip_trace(lead=lead)

    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        again = lead_skip_trace(lead=lead)
        assert day().settled_micros == PRICE  # charged to that later day

    assert (again.reused, again.cost_micros) == (False, PRICE)
    assert len(wire.calls) == 2
    lead.refresh_from_db()
    assert lead.skip_trace_cost_micros == 2 * PRICE


def test_it_reuses_the_same_owners_contacts_for_another_property(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    owner = {"normalized_owner": "SAMPLE JANE", "normalized_mailing": "161 SHERIDAN BLVD||11501"}
    first = make_lead(**owner)
    second = make_lead(**owner)
    lead_skip_trace(lead=first)

    outcome = lead_skip_trace(lead=second)

    assert (outcome.reused, outcome.cost_micros) == (True, 0)
    assert len(wire.calls) == 1
    assert sorted(second.phones.values_list("number", flat=True)) == [
        "+16025550142",
        "+16025550187",
    ]
    assert list(second.emails.values_list("email", flat=True)) == ["jane.sample@example.com"]
    second.refresh_from_db()
    assert second.skip_trace_status == SkipTraceStatus.MATCHED
    assert second.best_phone == "+16025550142"
    assert second.skip_trace_cost_micros == 0
    entry = ledger().last()
    assert (entry.outcome, entry.cost_micros, entry.lead_id) == (Outcome.REUSED, 0, second.pk)
    assert str(first.pk) in entry.detail


def test_it_does_not_reuse_another_owners_contacts_at_the_same_mailing_address(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    mailing = "161 SHERIDAN BLVD||11501"
    lead_skip_trace(lead=make_lead(normalized_owner="SAMPLE JANE", normalized_mailing=mailing))

    outcome = lead_skip_trace(
        lead=make_lead(normalized_owner="DOE JOHN", normalized_mailing=mailing)
    )

    assert not outcome.reused
    assert len(wire.calls) == 2


# -- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 503])
def test_it_retries_twice_then_gives_up_retryably(wire, status):
    # Retry-After: 0 keeps the test fast; the attempt count is what matters.
    wire.post(
        BATCH_URL, json=envelope(status, "slow down"), status=status, headers={"Retry-After": "0"}
    )
    lead = make_lead()

    with pytest.raises(ProviderError) as failed:
        lead_skip_trace(lead=lead)

    assert len(wire.calls) == 3
    assert failed.value.retryable and failed.value.status == status
    entry = ledger().get()
    assert (entry.outcome, entry.cost_micros, entry.attempts, entry.http_status) == (
        Outcome.ERROR,
        0,
        3,
        status,
    )
    row = day()
    assert (row.settled_micros, row.reserved_micros) == (0, 0)
    lead.refresh_from_db()
    assert lead.skip_traced_at is None and lead.skip_trace_claimed_at is None


def test_it_succeeds_after_a_retried_429(sandbox):
    faults.queue("batch", "429", retry_after=0)

    outcome = lead_skip_trace(lead=sandbox_lead())

    assert faults.request_count("batch") == 2
    entry = ledger().get()
    assert (entry.outcome, entry.cost_micros, entry.attempts) == (Outcome.SUCCESS, PRICE, 2)
    assert outcome.cost_micros == PRICE


@pytest.mark.parametrize("status", [400, 401, 403])
def test_it_does_not_retry_a_permanent_error(wire, status):
    wire.post(BATCH_URL, json=envelope(status, "Invalid token."), status=status)
    lead = make_lead()

    with pytest.raises(ProviderError) as failed:
        lead_skip_trace(lead=lead)

    assert len(wire.calls) == 1
    assert not failed.value.retryable
    assert failed.value.message == "Invalid token."
    entry = ledger().get()
    assert (entry.outcome, entry.cost_micros, entry.attempts) == (Outcome.ERROR, 0, 1)
    assert day().reserved_micros == 0


def test_it_charges_the_maximum_when_the_answer_never_came(wire):
    wire.post(BATCH_URL, body=requests.ReadTimeout("read timed out"))
    lead = make_lead()

    with pytest.raises(ProviderError) as failed:
        lead_skip_trace(lead=lead)

    assert len(wire.calls) == 1  # a POST that may have been billed is never sent twice
    assert failed.value.outcome_unknown and failed.value.retryable
    entry = ledger().get()
    assert (entry.outcome, entry.cost_micros) == (Outcome.UNKNOWN, PRICE)
    row = day()
    assert (row.settled_micros, row.reserved_micros) == (PRICE, 0)
    lead.refresh_from_db()
    assert lead.skip_traced_at is None and lead.skip_trace_claimed_at is None


def test_it_charges_the_maximum_for_a_sandbox_timeout(sandbox):
    faults.queue("batch", "timeout")

    with pytest.raises(ProviderError):
        lead_skip_trace(lead=make_lead())

    assert faults.request_count("batch") == 1
    assert ledger().get().cost_micros == PRICE == day().settled_micros


# -- compliance ----------------------------------------------------------------------------


def test_it_stores_no_phones_for_a_litigator(wire):
    wire.post(BATCH_URL, json=answer(matched(emails=("x@example.com",), litigator=True)))
    lead = make_lead()

    outcome = lead_skip_trace(lead=lead)

    options = json.loads(wire.calls[0].request.body)["options"]
    assert options["includeTCPABlacklistedPhones"] is False
    assert outcome.cost_micros == PRICE  # a match is a match
    lead.refresh_from_db()
    assert not lead.phones.exists()
    assert lead.litigator is True
    assert lead.dnc_flag is True
    assert lead.contactable is False
    assert lead.best_phone == ""


def test_it_keeps_a_number_on_the_do_not_call_list_across_a_forced_trace(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead()
    lead_skip_trace(lead=lead)
    phone_mark_do_not_call(number="+16025550142", user_id=None)

    with after_a_burst():  # a forced trace moments after another joins it
        lead_skip_trace(lead=lead, force=True)

    assert len(wire.calls) == 2
    assert lead.phones.get(number="+16025550142").do_not_call is True
    lead.refresh_from_db()
    assert lead.best_phone != "+16025550142"


def test_it_keeps_an_owner_on_the_do_not_call_list_across_a_forced_trace(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead(normalized_mailing="161 SHERIDAN BLVD||11501")
    lead_skip_trace(lead=lead)
    owner_mark_do_not_call(lead=lead, user_id=None)

    with after_a_burst():  # a forced trace moments after another joins it
        lead_skip_trace(lead=lead, force=True)

    lead.refresh_from_db()
    assert lead.do_not_call and lead.dnc_flag
    assert lead.best_phone == "" and not lead.contactable


CLEAN_LANDLINE = wire_phone("6025550101", kind="Land Line", carrier="AT&T Southwest", score=40)


@pytest.mark.parametrize(
    ("phones", "best"),
    [
        pytest.param(
            [wire_phone("6025550199", score=100, dnc=True), CLEAN_LANDLINE],
            "+16025550101",
            id="never-a-dnc-number",
        ),
        pytest.param(
            [wire_phone("6025550199", score=100, tcpa=True), CLEAN_LANDLINE],
            "+16025550101",
            id="never-a-litigators-number",
        ),
        pytest.param(
            [wire_phone("6025550199", score=100, dnc=None, tcpa=None), CLEAN_LANDLINE],
            "+16025550101",
            id="known-clean-before-unknown",
        ),
        pytest.param(
            [
                wire_phone("6025550101", kind="Land Line", score=95),
                wire_phone("6025550199", score=60),
            ],
            "+16025550199",
            id="mobile-before-landline",
        ),
        pytest.param(
            [wire_phone("6025550199", score=100, reachable=False, tested=False), CLEAN_LANDLINE],
            "+16025550101",
            id="reachable-before-unreachable",
        ),
        pytest.param(
            [wire_phone("6025550101", score=70), wire_phone("6025550199", score=85)],
            "+16025550199",
            id="higher-score-wins",
        ),
        pytest.param(
            [wire_phone("6025550101", dnc=True), wire_phone("6025550199", dnc=None, tcpa=None)],
            "+16025550199",
            id="unknown-when-nothing-clean",
        ),
        pytest.param(
            [wire_phone("6025550101", dnc=True), wire_phone("6025550199", tcpa=True)],
            "",
            id="nothing-callable",
        ),
    ],
)
def test_it_picks_the_best_phone_by_the_rules(wire, phones, best):
    wire.post(BATCH_URL, json=answer(matched(*phones)))
    lead = make_lead()

    lead_skip_trace(lead=lead)

    lead.refresh_from_db()
    assert lead.best_phone == best
    assert lead.dnc_flag is (best == "")
    assert lead.contactable is (best != "")


# -- Twilio line-type checks (sandbox) -----------------------------------------------------


def test_it_checks_each_traced_phone_with_twilio_and_charges_each_lookup(sandbox):
    lead = sandbox_lead(phones=2)

    outcome = lead_skip_trace(lead=lead)

    phones = list(lead.phones.all())
    assert len(phones) >= 2
    assert all(p.line_type_checked_at is not None and p.valid is True for p in phones)
    assert faults.request_count("twilio") == len(phones)
    rows = ledger("twilio")
    assert [(r.operation, r.outcome, r.cost_micros) for r in rows] == [
        ("line_type_lookup", Outcome.SUCCESS, LOOKUP_PRICE)
    ] * len(phones)
    assert all(r.lead_id == lead.pk for r in rows)
    assert day("twilio").settled_micros == ledger_sum("twilio") == len(phones) * LOOKUP_PRICE
    assert outcome.cost_micros == PRICE  # the trace's own cost; lookups are Twilio's
    assert outcome.notes == []


def test_it_marks_a_number_twilio_finds_invalid_and_never_picks_it(sandbox):
    lead = make_lead(skip_trace_status=SkipTraceStatus.MATCHED, skip_traced_at=timezone.now())
    make_phone(lead, "+16021234567", score=100)  # exchange 123 is not in use
    make_phone(lead, "+16025550142", score=20, line_type="landline")

    outcome = lead_skip_trace(lead=lead)  # reused: the stored phones get checked

    assert outcome.reused
    invalid = lead.phones.get(number="+16021234567")
    assert invalid.valid is False and invalid.line_type_checked_at is not None
    assert lead.phones.get(number="+16025550142").valid is True
    lead.refresh_from_db()
    assert lead.best_phone == "+16025550142"
    # An invalid number comes back without line-type intelligence: not billed.
    assert sorted(ledger("twilio").values_list("outcome", "cost_micros")) == [
        (Outcome.EMPTY, 0),
        (Outcome.SUCCESS, LOOKUP_PRICE),
    ]
    assert day("twilio").settled_micros == LOOKUP_PRICE


def test_it_checks_a_number_only_once(sandbox):
    lead = sandbox_lead()
    lead_skip_trace(lead=lead)
    checked = faults.request_count("twilio")

    lead_skip_trace(lead=lead)  # reused: nothing new to check

    assert faults.request_count("twilio") == checked
    assert ledger("twilio").count() == checked


def test_it_still_traces_when_the_twilio_cap_is_reached(sandbox, settings):
    set_cap(settings, "twilio", LOOKUP_PRICE - 1)
    lead = sandbox_lead()

    outcome = lead_skip_trace(lead=lead)

    assert outcome.cost_micros == PRICE
    assert outcome.notes == ["Line-type checks stopped: today's Twilio cap is reached."]
    assert faults.request_count("twilio") == 0
    assert ledger("twilio").get().outcome == Outcome.REFUSED
    assert not Phone.objects.filter(lead=lead, line_type_checked_at__isnull=False).exists()
    lead.refresh_from_db()
    assert lead.skip_trace_status == SkipTraceStatus.MATCHED


def test_it_keeps_what_it_knew_when_the_vendor_fails_on_the_item(wire):
    lead = make_lead()
    wire.post(BATCH_URL, json=answer(JANE))
    lead_skip_trace(lead=lead)
    first_traced_at = Lead.objects.get(pk=lead.pk).skip_traced_at
    failed = {"propertyAddress": JANE["propertyAddress"], "meta": {"matched": False, "error": True}}
    wire.replace(responses.POST, BATCH_URL, json=answer(failed))

    with after_a_burst():  # a forced trace moments after another joins it
        outcome = lead_skip_trace(lead=lead, force=True)

    lead.refresh_from_db()
    assert outcome.cost_micros == 0
    assert lead.skip_trace_status == SkipTraceStatus.ERROR
    assert lead.skip_traced_at == first_traced_at  # not a fresh trace to reuse for 90 days
    assert set(lead.phones.values_list("number", flat=True)) == {"+16025550142", "+16025550187"}
    assert lead.best_phone == "+16025550142"


def test_it_waits_for_another_trace_of_the_lead_well_inside_the_server_timeout(settings):
    from leads.skiptrace.services import wait_limit_seconds

    assert wait_limit_seconds() <= settings.WEB_TIMEOUT_SECONDS / 2
    settings.WEB_TIMEOUT_SECONDS = 10
    assert wait_limit_seconds() == 5


def test_it_gives_up_waiting_for_a_claim_before_the_server_would_kill_the_request(settings):
    import time as clock

    from leads.skiptrace.services import LeadBusy, claim_lead

    settings.SANDBOX_PROVIDERS = True
    settings.WEB_TIMEOUT_SECONDS = 1
    lead = make_lead()
    assert claim_lead(lead.pk)  # another request is tracing it and never finishes
    began = clock.monotonic()
    with pytest.raises(LeadBusy):
        lead_skip_trace(lead=lead)
    assert clock.monotonic() - began < settings.WEB_TIMEOUT_SECONDS


def test_it_answers_a_forced_trace_moments_after_another_for_free(wire):
    wire.post(BATCH_URL, json=answer(JANE))
    lead = make_lead()
    lead_skip_trace(lead=lead, force=True)

    again = lead_skip_trace(lead=lead, force=True)  # the second click of a burst

    assert (again.reused, again.cost_micros) == (True, 0)
    assert len(wire.calls) == 1
    assert day().settled_micros == ledger_sum() == PRICE
