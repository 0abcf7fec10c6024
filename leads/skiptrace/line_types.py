"""Optional line-type checks of traced phones through Twilio Lookup, metered like any call.

A lookup takes Twilio ~150 ms, so the lookups of a batch go out concurrently, at most
TWILIO_LOOKUPS_IN_FLIGHT at a time. Their money is reserved once for all of them (a block
reservation: as many as today's budget admits), and each answer is settled for what it
billed, with its own ledger row. Only the HTTP requests run on the pool's threads; every
database write (the settlement, the phone) stays on the calling thread, which SQLite needs
and which keeps each settlement in the caller's connection and transaction rules. The
answers are settled and stored a round at a time (as many as are in flight), each round in
one transaction: a handful of statements for the round instead of a few for each answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.db.models import Count, QuerySet
from django.utils import timezone

from billing.guard import CapExceeded
from billing.meter import Answer, BillingBlock, BillingMeter
from leads.bulk_insert import update_rows
from leads.models import Lead, Phone
from providers.http import ProviderError
from providers.modes import OFF, provider_mode
from providers.registry import TWILIO
from providers.twilio_lookup import LineTypeResult, TwilioLookupClient

logger = logging.getLogger("leadflow.skiptrace")

TWILIO_LINE_TYPES = {
    "mobile": "mobile",
    "landline": "landline",
    "fixedVoip": "voip",
    "nonFixedVoip": "voip",
    "tollFree": "toll_free",
}
OPERATION = "line_type_lookup"
ONE_LOOKUP = {"lookups": 1}
# The best-ranked phones of a lead that are checked: what bounds a trace's price shown
# beforehand (a match can carry any number of phones; the rest keep BatchData's line type).
MAX_LOOKUPS_PER_LEAD = 5
PHONE_FIELDS = ["valid", "line_type", "carrier", "line_type_checked_at"]

CAP_NOTE = "Line-type checks stopped: today's Twilio cap is reached."


def check_line_types(leads: Sequence[Lead], *, user_id: int | None = None) -> dict[int, list[str]]:
    """Look up each phone of these leads not checked yet. Returns, per lead, why any of its
    phones were left unchecked.

    The lookups the budget cannot pay for wait for another day, with the leads they belong
    to (and every lead after them, in order): asking again lead by lead would only pile up
    refusals.
    """
    notes: dict[int, list[str]] = {lead.pk: [] for lead in leads}
    if provider_mode(TWILIO) == OFF or not leads:
        return notes
    phones = _unchecked_phones(leads)
    if not phones:
        return notes
    meter = BillingMeter(user_id=user_id)  # an agent's lookups count against their limit
    try:
        with meter.block(
            provider=TWILIO, operation=OPERATION, max_usage=ONE_LOOKUP, count=len(phones)
        ) as block:
            _note_waiting(phones[block.granted :], notes)
            _look_up(phones[: block.granted], block, notes)
    except CapExceeded:
        _note_waiting(phones, notes)
    return notes


def _unchecked_phones(leads: Sequence[Lead]) -> list[Phone]:
    """The phones to look up, lead by lead in the given order, each lead's by rank: at most
    MAX_LOOKUPS_PER_LEAD a lead, counting the ones already checked."""
    by_lead: dict[int, list[Phone]] = defaultdict(list)
    for phone in Phone.objects.filter(lead_id__in=[lead.pk for lead in leads]).order_by(
        "lead_id", "rank", "id"
    ):
        by_lead[phone.lead_id].append(phone)
    return [
        phone
        for lead in leads
        for phone in by_lead.get(lead.pk, [])[:MAX_LOOKUPS_PER_LEAD]
        if phone.line_type_checked_at is None
    ]


def unchecked_phones(leads: QuerySet[Lead]) -> int:
    """How many lookups checking these leads' phones would send (the preview's count)."""
    return sum(
        min(row["unchecked"], MAX_LOOKUPS_PER_LEAD)
        for row in Phone.objects.filter(lead__in=leads, line_type_checked_at__isnull=True)
        .values("lead_id")
        .annotate(unchecked=Count("id"))
    )


def _note_waiting(left: list[Phone], notes: dict[int, list[str]]) -> None:
    """The phones the budget did not admit are the last ones, in lead order: their leads wait."""
    for phone in left:
        notes[phone.lead_id] = [CAP_NOTE]


def _look_up(phones: list[Phone], block: BillingBlock, notes: dict[int, list[str]]) -> None:
    """Send the lookups concurrently; here, settle and store the answers in a round at a time
    (as many as are in flight), each round together."""
    answered: list[tuple[Phone, LineTypeResult]] = []
    with lookups_in_flight(len(phones)) as send:
        pending = {send(phone.number): index for index, phone in enumerate(phones)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=pending.__getitem__):  # in the phones' order
                    phone = phones[pending.pop(future)]
                    if future.exception() is None:
                        answered.append((phone, future.result()))
                    else:
                        _failed(phone, future, block, notes)
                if len(answered) >= settings.TWILIO_LOOKUPS_IN_FLIGHT:
                    round_in, answered = answered, []
                    _settle_and_store(round_in, block)
        finally:
            _settle_and_store(answered, block)  # however the loop ended: they were paid for


def _failed(
    phone: Phone, lookup: Future[LineTypeResult], block: BillingBlock, notes: dict[int, list[str]]
) -> None:
    ticket = None
    try:
        with block.request(lead_id=phone.lead_id) as ticket:
            lookup.result()  # its ProviderError releases the ticket, or charges the maximum
    except ProviderError as exc:
        logger.warning("line type lookup failed lead=%s: %s", phone.lead_id, exc.message)
        notes[phone.lead_id] = [f"Line-type check failed: {exc.message}"]
        if ticket is not None:  # an unknown outcome is charged its maximum
            Lead.objects.filter(pk=phone.lead_id).add_trace_cost(ticket.charged_micros)


def _settle_and_store(answered: list[tuple[Phone, LineTypeResult]], block: BillingBlock) -> None:
    """The answers' charges, their leads' trace costs and the phones they checked, in one
    transaction (paid for: kept even when the lead's other phones wait)."""
    if not answered:
        return
    answers = [
        Answer(
            usage={"lookups": 1 if result.billed else 0}, call=result.call, lead_id=phone.lead_id
        )
        for phone, result in answered
    ]
    with block.answered(answers) as tickets:
        lead_costs: dict[int, int] = defaultdict(int)
        for (phone, _), ticket in zip(answered, tickets, strict=True):
            lead_costs[phone.lead_id] += ticket.charged_micros
        by_cost: dict[int, list[int]] = defaultdict(list)
        for lead_id, cost in lead_costs.items():
            by_cost[cost].append(lead_id)
        for cost, lead_ids in by_cost.items():  # one UPDATE per distinct cost, not per lead
            Lead.objects.filter(pk__in=lead_ids).add_trace_cost(cost)
        now = timezone.now()
        for phone, result in answered:
            _checked(phone, result, now)
        update_rows([phone for phone, _ in answered], PHONE_FIELDS)


def _usage(result: LineTypeResult) -> dict[str, int]:
    return ONE_LOOKUP if result.billed else {"lookups": 0}


def _checked(phone: Phone, result: LineTypeResult, now: dt.datetime) -> None:
    phone.valid = result.valid
    if result.line_type:
        phone.line_type = TWILIO_LINE_TYPES.get(result.line_type, result.line_type)
    if result.carrier:
        phone.carrier = result.carrier
    phone.line_type_checked_at = now


@contextmanager
def lookups_in_flight(count: int) -> Iterator[Callable[[str], Future[LineTypeResult]]]:
    """A pool of at most TWILIO_LOOKUPS_IN_FLIGHT threads, each with its own client; yields
    `send(number)`, which returns the lookup's future. Leaving waits for every lookup."""
    local = threading.local()

    def lookup(number: str) -> LineTypeResult:
        if not hasattr(local, "client"):
            local.client = TwilioLookupClient.from_settings()
        return local.client.lookup(number)

    workers = max(1, min(count, settings.TWILIO_LOOKUPS_IN_FLIGHT))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="twilio-lookup") as pool:
        yield lambda number: pool.submit(closing_connections, lookup, number)


def closing_connections[**P, R](call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a vendor request on a pool thread. Such threads only send HTTP; should one ever
    open a database connection (each thread gets its own), it is closed with the request."""
    try:
        return call(*args, **kwargs)
    finally:
        connections.close_all()
