"""The spend guard: reserve the most a call can cost → call → settle the actual cost.

Reservation is one conditional UPDATE in the database, so for each provider and day
`settled + reserved <= cap` holds across threads, processes and machines. Nothing here
keeps a counter in memory. Callers pay for a provider call through `billing.meter.BillingMeter`,
which states usage in the vendor's units and uses `charge()` here.

The one way past a cap is an overrun a token-billed vendor reports after the fact: it is
charged in full (the ledger never under-reports) and the day then refuses every reservation.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.db import IntegrityError, transaction
from django.db.models import F

from billing.caps import cap_micros, spend_day
from billing.limits import (
    ensure_user_day,
    reserve_user,
    settle_user,
    user_limit_micros,
)
from billing.models import LedgerEntry, Outcome, SpendDay
from billing.money import format_exact_dollars

# CapExceeded is raised here for every caller; its home is the refusals module.
from billing.refusals import CapExceeded as CapExceeded
from billing.refusals import UserCapExceeded as UserCapExceeded
from billing.refusals import refusal as refusal
from billing.refusals import refuse, refuse_user
from providers.http import OUTCOME_UNKNOWN, CallInfo, ProviderError, redact_text

logger = logging.getLogger("leadflow.billing")


@dataclass
class Reservation:
    provider: str
    day: dt.date
    amount_micros: int
    operation: str
    user_id: int | None = None
    lead_id: int | None = None
    closed: bool = field(default=False)
    user_counted: bool = False  # also held on the agent's counter (see billing.limits)


def ensure_day(provider: str, day: dt.date) -> None:
    if SpendDay.objects.filter(provider=provider, day=day).exists():
        return
    try:
        with transaction.atomic():
            SpendDay.objects.create(provider=provider, day=day)
    except IntegrityError:
        pass  # another process created it first


def reserve(
    *,
    provider: str,
    amount_micros: int,
    operation: str,
    user_id: int | None = None,
    lead_id: int | None = None,
) -> Reservation:
    if amount_micros < 0:
        raise ValueError("a reservation cannot be negative")
    day = spend_day()
    cap = cap_micros(provider)
    ensure_day(provider, day)
    limit = None
    if user_id is not None:
        ensure_user_day(user_id, provider, day)
        limit = user_limit_micros(user_id, provider)
    with transaction.atomic():
        admitted = (
            SpendDay.objects.filter(provider=provider, day=day)
            .alias(committed=F("settled_micros") + F("reserved_micros"))
            .filter(committed__lte=cap - amount_micros)
            .update(
                reserved_micros=F("reserved_micros") + amount_micros, requests=F("requests") + 1
            )
        )
        user_counted = bool(admitted) and user_id is not None and reserve_user(
            user_id=user_id, provider=provider, day=day, amount_micros=amount_micros,
            limit_micros=limit,
        )  # fmt: skip
        # Without a limit the agent's counter only keeps count (it has no row for a user
        # deleted a moment ago); with one, a refusal undoes the team's reservation too.
        agent_refused = bool(admitted) and limit is not None and not user_counted
        if agent_refused:
            transaction.set_rollback(True)  # the team's counter stays as it was
    if not admitted:
        refuse(provider, day, cap, amount_micros, operation, user_id, lead_id)
    if agent_refused and user_id is not None and limit is not None:
        refuse_user(provider, day, limit, amount_micros, operation, user_id, lead_id)
    return Reservation(
        provider, day, amount_micros, operation, user_id, lead_id, user_counted=user_counted
    )


def carve(pool: Reservation, amount_micros: int, *, operation: str) -> Reservation | None:
    """Part of a held reservation, for one request of the work it was made for (a page of a
    search). No UPDATE: the day's counter holds it already. None when too little is left."""
    if pool.closed or not 0 <= amount_micros <= pool.amount_micros:
        return None
    pool.amount_micros -= amount_micros
    return replace(pool, amount_micros=amount_micros, operation=operation, closed=False)


def settle(
    reservation: Reservation,
    *,
    cost_micros: int,
    call: CallInfo | None,
    units: int = 0,
    outcome: str | None = None,
    detail: str = "",
    allow_overrun: bool = False,
) -> LedgerEntry:
    """Charge the actual cost and give the rest of the reservation back.

    The cost is at most what was reserved, unless `allow_overrun`: a token-billed call (the
    vendor counts the tokens only as it answers) is charged what it really cost, and its row
    says by how much it overran. Runs in a transaction of its own, or joins the caller's, so a
    caller can store what it bought in the same transaction as the charge.
    """
    detail = _settled_detail(reservation, cost_micros, detail, allow_overrun)
    with transaction.atomic():
        SpendDay.objects.filter(provider=reservation.provider, day=reservation.day).update(
            reserved_micros=F("reserved_micros") - reservation.amount_micros,
            settled_micros=F("settled_micros") + cost_micros,
        )
        _settle_user(reservation, cost_micros)
        entry = _ledger_row(reservation, cost_micros, call, units, outcome, detail)
    reservation.closed = True
    return entry


def _settled_detail(
    reservation: Reservation, cost_micros: int, detail: str, allow_overrun: bool
) -> str:
    """The settled row's detail; refuses a cost the reservation cannot cover (ValueError)."""
    if reservation.closed:
        raise RuntimeError("this reservation was already settled or released")
    overrun = cost_micros - reservation.amount_micros
    if cost_micros < 0 or (overrun > 0 and not allow_overrun):
        raise ValueError(
            f"cost {cost_micros} lies outside the reservation of {reservation.amount_micros}"
        )
    if overrun > 0:
        return "; ".join(filter(None, (_overran(reservation, overrun), detail)))
    return detail


def settle_together(charges: Sequence[Charge]) -> None:
    """`Charge.settle` for many charges billed with `Charge.bill` (a block's answered
    lookups): one ledger row each, inserted in one statement, and each day's counter (and
    each agent's) moved by one UPDATE for all of them. Runs in a transaction of its own, or
    joins the caller's, as `settle` does."""
    bills = [(current.reservation, current.bill_to_settle()) for current in charges]
    details = [
        _settled_detail(held, bill.cost_micros, bill.detail, bill.allow_overrun)
        for held, bill in bills
    ]
    team: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    agents: dict[tuple[int, str, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for held, bill in bills:
        moved = (held.amount_micros, bill.cost_micros)  # reserved given back, settled
        _add_to(team[held.provider, held.day], *moved)
        if held.user_counted and held.user_id is not None:
            _add_to(agents[held.user_id, held.provider, held.day], *moved)
    with transaction.atomic():
        for (provider, day), (reserved, cost) in team.items():
            SpendDay.objects.filter(provider=provider, day=day).update(
                reserved_micros=F("reserved_micros") - reserved,
                settled_micros=F("settled_micros") + cost,
            )
        for (user_id, provider, day), (reserved, cost) in agents.items():
            settle_user(
                user_id=user_id, provider=provider, day=day, reserved_micros=reserved,
                cost_micros=cost,
            )  # fmt: skip
        entries = LedgerEntry.objects.bulk_create(
            _ledger_entry(held, bill.cost_micros, bill.call, bill.units, bill.outcome, detail)
            for (held, bill), detail in zip(bills, details, strict=True)
        )
    for current, entry in zip(charges, entries, strict=True):
        current.entry = entry
        current.reservation.closed = True


def _add_to(totals: list[int], reserved_micros: int, cost_micros: int) -> None:
    totals[0] += reserved_micros
    totals[1] += cost_micros


def _overran(reservation: Reservation, overrun: int) -> str:
    reserved = reservation.amount_micros
    logger.warning(
        "overrun provider=%s operation=%s reserved=%d cost=%d",
        reservation.provider,
        reservation.operation,
        reserved,
        reserved + overrun,
    )
    held, over = format_exact_dollars(reserved), format_exact_dollars(overrun)
    return f"overran its reservation of {held} by {over}"


def release(reservation: Reservation, *, call: CallInfo | None = None, detail: str = "") -> None:
    """Give the whole reservation back; a request that did go out still gets its row."""
    if reservation.closed:
        return
    with transaction.atomic():
        SpendDay.objects.filter(provider=reservation.provider, day=reservation.day).update(
            reserved_micros=F("reserved_micros") - reservation.amount_micros,
        )
        _settle_user(reservation, 0)
        if call is not None and call.attempts:
            _ledger_row(reservation, 0, call, 0, None, detail)
    reservation.closed = True


def _settle_user(reservation: Reservation, cost_micros: int) -> None:
    if reservation.user_counted and reservation.user_id is not None:
        settle_user(
            user_id=reservation.user_id,
            provider=reservation.provider,
            day=reservation.day,
            reserved_micros=reservation.amount_micros,
            cost_micros=cost_micros,
        )


def _ledger_row(
    reservation: Reservation,
    cost: int,
    call: CallInfo | None,
    units: int,
    outcome: str | None,
    detail: str,
) -> LedgerEntry:
    entry = _ledger_entry(reservation, cost, call, units, outcome, detail)
    entry.save(force_insert=True)
    return entry


def _ledger_entry(
    reservation: Reservation,
    cost: int,
    call: CallInfo | None,
    units: int,
    outcome: str | None,
    detail: str,
) -> LedgerEntry:
    """A request's ledger row, not yet saved."""
    return LedgerEntry(
        provider=reservation.provider,
        operation=reservation.operation,
        outcome=outcome or (call.outcome if call else Outcome.SUCCESS),
        http_status=call.http_status if call else None,
        billable_units=units,
        cost_micros=cost,
        reserved_micros=reservation.amount_micros,
        latency_ms=call.latency_ms if call else 0,
        attempts=call.attempts if call else 0,
        sandbox=call.sandbox if call else False,
        lead_id=reservation.lead_id,
        user_id=reservation.user_id,
        day=reservation.day,
        detail=redact_text(detail)[:300],
    )


def record_free(
    *,
    provider: str,
    operation: str,
    outcome: str,
    user_id: int | None = None,
    lead_id: int | None = None,
    sandbox: bool = False,
    detail: str = "",
) -> LedgerEntry:
    """A request answered from the cache or by reuse: a $0 row, so the savings show."""
    return LedgerEntry.objects.create(
        provider=provider,
        operation=operation,
        outcome=outcome,
        day=spend_day(),
        cached=outcome == Outcome.CACHED,
        reused=outcome == Outcome.REUSED,
        sandbox=sandbox,
        user_id=user_id,
        lead_id=lead_id,
        detail=redact_text(detail)[:300],
    )


@dataclass(frozen=True)
class _Bill:
    cost_micros: int
    call: CallInfo
    units: int
    outcome: str | None
    detail: str
    allow_overrun: bool


class Charge:
    """A reservation in flight; see `charge()`."""

    def __init__(self, reservation: Reservation) -> None:
        self.reservation = reservation
        self.entry: LedgerEntry | None = None
        self._bill: _Bill | None = None

    @property
    def done(self) -> bool:
        return self.reservation.closed

    def settle(
        self,
        *,
        cost_micros: int,
        call: CallInfo,
        units: int = 0,
        outcome: str | None = None,
        detail: str = "",
        allow_overrun: bool = False,
    ) -> LedgerEntry:
        self.bill(
            cost_micros=cost_micros, call=call, units=units, outcome=outcome, detail=detail,
            allow_overrun=allow_overrun,
        )  # fmt: skip
        return self.settle_billed()

    def settle_billed(self) -> LedgerEntry:
        """Settle what `bill` set down."""
        return self._settle(self.bill_to_settle())

    def bill(
        self,
        *,
        cost_micros: int,
        call: CallInfo,
        units: int = 0,
        outcome: str | None = None,
        detail: str = "",
        allow_overrun: bool = False,
    ) -> None:
        """What `settle` will charge, without writing it yet (see `settle_together`)."""
        if call.timed_out_attempts:
            # An attempt timed out after it was sent and may have been billed too.
            most = self.reservation.amount_micros
            cost_micros, outcome = (
                max(cost_micros, most) if allow_overrun else most,
                OUTCOME_UNKNOWN,
            )
            detail = "an attempt timed out after sending; charged the maximum until reconciled"
        self._bill = _Bill(cost_micros, call, units, outcome, detail, allow_overrun)

    def bill_to_settle(self) -> _Bill:
        if self._bill is None:
            raise RuntimeError("this charge was not billed")
        return self._bill

    def _settle(self, bill: _Bill) -> LedgerEntry:
        self.entry = settle(
            self.reservation,
            cost_micros=bill.cost_micros,
            call=bill.call,
            units=bill.units,
            outcome=bill.outcome,
            detail=bill.detail,
            allow_overrun=bill.allow_overrun,
        )
        return self.entry

    def fail(self, error: ProviderError) -> None:
        call = error.call
        if error.outcome_unknown:
            self.entry = settle(
                self.reservation,
                cost_micros=self.reservation.amount_micros,
                call=call,
                outcome=Outcome.UNKNOWN,
                detail=f"{error.message}; charged the maximum",
            )
        else:
            release(self.reservation, call=call, detail=error.message)

    def settle_again_if_rolled_back(self, error: BaseException) -> None:
        """The caller's transaction undid the settlement (storing the answer failed). The
        vendor billed the request all the same: settle it again in a transaction of its own
        rather than leave the money reserved and the request without a ledger row."""
        bill, entry = self._bill, self.entry
        if bill is None or entry is None or transaction.get_connection().needs_rollback:
            return
        if LedgerEntry.objects.filter(pk=entry.pk).exists():
            return
        self.reservation.closed = False
        note = f"the answer was not stored ({type(error).__name__}); settled again"
        self._settle(replace(bill, detail="; ".join(filter(None, (note, bill.detail)))))


@contextmanager
def charge(
    *,
    provider: str,
    max_micros: int,
    operation: str,
    user_id: int | None = None,
    lead_id: int | None = None,
    reserved: Reservation | None = None,
) -> Iterator[Charge]:
    """Reserve `max_micros` (or use `reserved`, carved from a larger reservation); the block
    calls the provider and `settle()`s the actual cost.

    A `ProviderError` leaving the block releases the reservation (with a ledger row for the
    failed request), or charges the maximum when the outcome is unknown. Leaving without
    settling releases it.
    """
    reservation = reserved or reserve(
        provider=provider,
        amount_micros=max_micros,
        operation=operation,
        user_id=user_id,
        lead_id=lead_id,
    )
    with charging(reservation) as current:
        yield current


@contextmanager
def charging(reservation: Reservation) -> Iterator[Charge]:
    """`charge()` for money already reserved (e.g. one request of a `billing.blocks` block)."""
    current = Charge(reservation)
    try:
        yield current
    except BaseException as exc:
        current.settle_again_if_rolled_back(exc)
        if isinstance(exc, ProviderError) and not current.done:
            current.fail(exc)
        raise
    finally:
        if not current.done:
            release(current.reservation)
