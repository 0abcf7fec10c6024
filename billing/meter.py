"""Paying for a provider call: the one path from "this request may bill so much" to a ledger row.

`BillingMeter` is the spend guard behind the `providers.metering.Meter` protocol. A caller
(or a client given the meter) opens `request()` with the most the request can bill, in the
vendor's billing units (`{"matches": 1}`, `{"lookups": 1}`, OpenAI's token usage); the meter
reserves what that costs and refuses with `CapExceeded` before anything is sent. Once the
answer is in, the caller tells the ticket what the vendor billed (`billed(usage=..., call=...)`),
inside its own `transaction.atomic()` when it stores what it bought, so that the charge and
the goods commit together. Billing alone turns usage into money and an outcome; a
`ProviderError` leaving the block releases the reservation, or charges the maximum when the
outcome is unknown.

Many requests of one price (a batch's line-type lookups) can reserve their maximum at once:
`block()` admits as many as the budget allows and hands out one ticket per request, each
settled like any other (see `billing.blocks`), or many answered ones settled together
(`BillingBlock.answered`): still one ledger row per request, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction

from billing.blocks import Block, block_reserved
from billing.guard import (
    Charge,
    Reservation,
    carve,
    charge,
    charging,
    release,
    reserve,
    settle_together,
)
from billing.models import LedgerEntry, Outcome
from billing.pricing import TOKEN_BILLED, billable_units, cost_micros, max_cost_micros
from providers.http import CallInfo


class BillingMeter:
    """Meters the requests of one piece of work (a search, a trace, a score) for one user
    and lead; `total_micros` is what they were charged."""

    def __init__(
        self, *, user_id: int | None = None, lead_id: int | None = None, detail: str = ""
    ) -> None:
        self.user_id = user_id
        self.lead_id = lead_id
        self.detail = detail  # what the work was for, on each settled row ("ZIP 85034, page 2")
        self.charges: list[Charge] = []
        self._held: dict[str, Reservation] = {}

    @contextmanager
    def holding(
        self, *, provider: str, operation: str, max_usage: Mapping[str, int]
    ) -> Iterator[None]:
        """Reserve, in one conditional UPDATE, the most every request of the block may bill
        (a search merging several ATTOM pages): the cap refuses the whole work before its
        first request, or none of it. Each request inside is settled from this reservation;
        what is left is given back when the block ends."""
        held = reserve(
            provider=provider,
            amount_micros=max_cost_micros(provider, max_usage),
            operation=operation,
            user_id=self.user_id,
            lead_id=self.lead_id,
        )
        self._held[provider] = held
        try:
            yield
        finally:
            del self._held[provider]
            release(held)

    @contextmanager
    def request(
        self, *, provider: str, operation: str, max_usage: Mapping[str, int]
    ) -> Iterator[BillingTicket]:
        most = max_cost_micros(provider, max_usage)
        held = self._held.get(provider)
        with charge(
            provider=provider,
            max_micros=most,
            operation=operation,
            user_id=self.user_id,
            lead_id=self.lead_id,
            reserved=carve(held, most, operation=operation) if held else None,
        ) as current:
            self.charges.append(current)
            yield BillingTicket(provider, current, detail=self.detail)

    @contextmanager
    def block(
        self, *, provider: str, operation: str, max_usage: Mapping[str, int], count: int
    ) -> Iterator[BillingBlock]:
        """Reserve `count` requests of at most `max_usage` each at once, or as many as today's
        budget admits (`granted`); raises `CapExceeded` when it admits none. Tickets never
        drawn are given back when the block ends."""
        with block_reserved(
            provider=provider,
            unit_micros=max_cost_micros(provider, max_usage),
            count=count,
            operation=operation,
            user_id=self.user_id,
        ) as reserved:
            yield BillingBlock(self, reserved)

    @property
    def total_micros(self) -> int:
        """What the ledger charged for this meter's requests so far."""
        return sum(c.entry.cost_micros for c in self.charges if c.entry is not None)


class BillingTicket:
    """One request in flight: it turns the usage the vendor billed into money and an outcome."""

    def __init__(self, provider: str, current: Charge, *, detail: str = "") -> None:
        self.provider = provider
        self.charge = current
        self.detail = detail

    def billed(
        self, *, usage: Mapping[str, int], call: CallInfo, outcome: str | None = None
    ) -> None:
        """Settle what `usage` costs, with the request's ledger row. The outcome is the call's,
        "empty" when a successful call billed nothing; pass one for an answer that was billed
        but is of no use (a refusal). A token-billed call may cost more than was reserved: it
        is charged in full and its row records the overrun."""
        self.bill(usage=usage, call=call, outcome=outcome, cost=cost_micros(self.provider, usage))
        self.charge.settle_billed()

    def bill(
        self, *, usage: Mapping[str, int], call: CallInfo, cost: int, outcome: str | None = None
    ) -> None:
        """`billed()` without writing it yet, at `cost` (what `usage` costs)."""
        if outcome is None:
            billed_nothing = call.outcome == Outcome.SUCCESS and not any(usage.values())
            outcome = Outcome.EMPTY if billed_nothing else call.outcome
        self.charge.bill(
            cost_micros=cost,
            call=call,
            units=billable_units(self.provider, usage),
            outcome=outcome,
            detail=self.detail,
            allow_overrun=self.provider in TOKEN_BILLED,
        )

    @property
    def entry(self) -> LedgerEntry | None:
        """The request's ledger row, once settled (or charged the maximum on failure)."""
        return self.charge.entry

    @property
    def charged_micros(self) -> int:
        """What the ledger charged for this request: 0 until settled, or when released."""
        return self.charge.entry.cost_micros if self.charge.entry is not None else 0

    def cost_of(self, usage: Mapping[str, int]) -> int:
        """What `usage` costs at the prices this request settles at (e.g. one match of a batch,
        for the lead it belongs to)."""
        return cost_micros(self.provider, usage)


class BillingBlock:
    """Requests paid for out of one block reservation; each `request()` is one ticket."""

    def __init__(self, meter: BillingMeter, reserved: Block) -> None:
        self.meter = meter
        self.reserved = reserved

    @property
    def granted(self) -> int:
        """How many requests the budget admitted."""
        return self.reserved.granted

    @contextmanager
    def request(self, *, lead_id: int | None = None) -> Iterator[BillingTicket]:
        """One request of the block, settled as `BillingMeter.request()` settles one."""
        with charging(self.reserved.draw(lead_id=lead_id or self.meter.lead_id)) as current:
            self.meter.charges.append(current)
            yield BillingTicket(self.reserved.provider, current, detail=self.meter.detail)

    @contextmanager
    def answered(self, answers: Sequence[Answer]) -> Iterator[list[BillingTicket]]:
        """Settle requests of the block that have their answers, all at once: one ticket and
        one ledger row each, as `request()` gives, but the counters moved once for all of
        them, in one transaction with whatever the caller stores inside the block. Should
        that transaction be undone, each request is settled again on its own (the vendor
        billed it all the same), as a single ticket is."""
        prices: dict[frozenset[tuple[str, int]], int] = {}  # each usage priced once
        tickets: list[BillingTicket] = []
        try:
            for answer in answers:
                usage = frozenset(answer.usage.items())
                if usage not in prices:
                    prices[usage] = cost_micros(self.reserved.provider, answer.usage)
                drawn = Charge(self.reserved.draw(lead_id=answer.lead_id or self.meter.lead_id))
                ticket = BillingTicket(self.reserved.provider, drawn, detail=self.meter.detail)
                self.meter.charges.append(ticket.charge)
                tickets.append(ticket)
                ticket.bill(usage=answer.usage, call=answer.call, cost=prices[usage])
            with transaction.atomic():
                settle_together([ticket.charge for ticket in tickets])
                yield tickets
        except BaseException as exc:
            for ticket in tickets:
                ticket.charge.settle_again_if_rolled_back(exc)
            raise
        finally:
            for ticket in tickets:
                if not ticket.charge.done:
                    release(ticket.charge.reservation)


@dataclass(frozen=True)
class Answer:
    """One answered request of a block: what the vendor billed, as `BillingTicket.billed`
    takes it, and the lead it was for."""

    usage: Mapping[str, int]
    call: CallInfo
    lead_id: int | None = None
