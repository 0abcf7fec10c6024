"""The spend guard: reserve the most a call can cost → call → settle the actual cost.

Reservation is one conditional UPDATE in the database, so for each provider and day
`settled + reserved <= cap` holds across threads, processes and machines. Nothing here
keeps a counter in memory.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import DailyCap, LedgerEntry, Outcome, SpendDay
from billing.pricing import cost_micros
from providers.http import OUTCOME_UNKNOWN, CallInfo, ProviderError

logger = logging.getLogger("leadflow.billing")


class CapExceeded(Exception):
    def __init__(
        self,
        *,
        provider: str,
        cap_micros: int,
        spent_micros: int,
        reserved_micros: int,
        needed_micros: int,
        resets_at: dt.datetime,
    ) -> None:
        super().__init__(f"daily cap for {provider} reached")
        self.provider = provider
        self.cap_micros = cap_micros
        self.spent_micros = spent_micros
        self.reserved_micros = reserved_micros
        self.needed_micros = needed_micros
        self.resets_at = resets_at


@dataclass
class Reservation:
    provider: str
    day: dt.date
    amount_micros: int
    operation: str
    user_id: int | None = None
    lead_id: int | None = None
    closed: bool = field(default=False)


def spend_day() -> dt.date:
    """Today in TIME_ZONE: the day a cap applies to."""
    return timezone.localdate()


def day_resets_at(day: dt.date) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def cap_micros(provider: str) -> int:
    """The cap in force: an admin's override, else the environment's default."""
    override = DailyCap.objects.filter(provider=provider).values_list("cap_micros", flat=True)
    for cap in override:
        return cap
    return settings.DAILY_CAP_MICROS[provider]


def _ensure_day(provider: str, day: dt.date) -> None:
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
    _ensure_day(provider, day)
    admitted = (
        SpendDay.objects.filter(provider=provider, day=day)
        .alias(committed=F("settled_micros") + F("reserved_micros"))
        .filter(committed__lte=cap - amount_micros)
        .update(reserved_micros=F("reserved_micros") + amount_micros, requests=F("requests") + 1)
    )
    if not admitted:
        _refuse(provider, day, cap, amount_micros, operation, user_id, lead_id)
    return Reservation(provider, day, amount_micros, operation, user_id, lead_id)


def check_affordable(
    *, provider: str, amount_micros: int, operation: str, user_id: int | None = None
) -> None:
    """Refuse up front work that needs several reservations (an ATTOM search merging
    pages) when today's budget cannot cover all of it, so nothing is paid for and lost.

    Only a pre-flight: each request still reserves on its own.
    """
    day = spend_day()
    cap = cap_micros(provider)
    row = SpendDay.objects.filter(provider=provider, day=day).first()
    committed = (row.settled_micros + row.reserved_micros) if row else 0
    if committed + amount_micros > cap:
        _ensure_day(provider, day)
        _refuse(provider, day, cap, amount_micros, operation, user_id, None)


def _refuse(
    provider: str,
    day: dt.date,
    cap: int,
    amount: int,
    operation: str,
    user_id: int | None,
    lead_id: int | None,
) -> None:
    with transaction.atomic():
        SpendDay.objects.filter(provider=provider, day=day).update(refusals=F("refusals") + 1)
        LedgerEntry.objects.create(
            provider=provider,
            operation=operation,
            outcome=Outcome.REFUSED,
            day=day,
            user_id=user_id,
            lead_id=lead_id,
            detail=f"needed {amount} micros; cap {cap}",
        )
    row = SpendDay.objects.get(provider=provider, day=day)
    logger.warning(
        "cap refused provider=%s operation=%s needed=%d cap=%d settled=%d reserved=%d",
        provider,
        operation,
        amount,
        cap,
        row.settled_micros,
        row.reserved_micros,
    )
    raise CapExceeded(
        provider=provider,
        cap_micros=cap,
        spent_micros=row.settled_micros,
        reserved_micros=row.reserved_micros,
        needed_micros=amount,
        resets_at=day_resets_at(day),
    )


def settle(
    reservation: Reservation,
    *,
    cost_micros: int,
    call: CallInfo | None,
    units: int = 0,
    outcome: str | None = None,
    detail: str = "",
) -> LedgerEntry:
    """Charge the actual cost (at most what was reserved) and give the rest back.

    Runs in a transaction of its own, or joins the caller's, so a caller can store what
    it bought in the same transaction as the charge.
    """
    if reservation.closed:
        raise RuntimeError("this reservation was already settled or released")
    if not 0 <= cost_micros <= reservation.amount_micros:
        raise ValueError(
            f"cost {cost_micros} lies outside the reservation of {reservation.amount_micros}"
        )
    with transaction.atomic():
        SpendDay.objects.filter(provider=reservation.provider, day=reservation.day).update(
            reserved_micros=F("reserved_micros") - reservation.amount_micros,
            settled_micros=F("settled_micros") + cost_micros,
        )
        entry = _ledger_row(reservation, cost_micros, call, units, outcome, detail)
    reservation.closed = True
    return entry


def release(reservation: Reservation, *, call: CallInfo | None = None, detail: str = "") -> None:
    """Give the whole reservation back; a request that did go out still gets its row."""
    if reservation.closed:
        return
    with transaction.atomic():
        SpendDay.objects.filter(provider=reservation.provider, day=reservation.day).update(
            reserved_micros=F("reserved_micros") - reservation.amount_micros,
        )
        if call is not None and call.attempts:
            _ledger_row(reservation, 0, call, 0, None, detail)
    reservation.closed = True


def _ledger_row(
    reservation: Reservation,
    cost: int,
    call: CallInfo | None,
    units: int,
    outcome: str | None,
    detail: str,
) -> LedgerEntry:
    return LedgerEntry.objects.create(
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
        detail=detail[:300],
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
        detail=detail[:300],
    )


class Charge:
    """A reservation in flight; see `charge()`."""

    def __init__(self, reservation: Reservation) -> None:
        self.reservation = reservation
        self.entry: LedgerEntry | None = None

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
    ) -> LedgerEntry:
        if call.timed_out_attempts:
            # An attempt timed out after it was sent and may have been billed too.
            cost_micros, outcome = self.reservation.amount_micros, OUTCOME_UNKNOWN
            detail = "an attempt timed out after sending; charged the maximum until reconciled"
        self.entry = settle(
            self.reservation,
            cost_micros=cost_micros,
            call=call,
            units=units,
            outcome=outcome,
            detail=detail,
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


@contextmanager
def charge(
    *,
    provider: str,
    max_micros: int,
    operation: str,
    user_id: int | None = None,
    lead_id: int | None = None,
) -> Iterator[Charge]:
    """Reserve `max_micros`; the block calls the provider and `settle()`s the actual cost.

    A `ProviderError` leaving the block releases the reservation (with a ledger row for the
    failed request), or charges the maximum when the outcome is unknown. Leaving without
    settling releases it.
    """
    current = Charge(
        reserve(
            provider=provider,
            amount_micros=max_micros,
            operation=operation,
            user_id=user_id,
            lead_id=lead_id,
        )
    )
    try:
        yield current
    except ProviderError as exc:
        if not current.done:
            current.fail(exc)
        raise
    finally:
        if not current.done:
            release(current.reservation)


class BillingMeter:
    """The spend guard behind the `providers.metering.Meter` protocol."""

    def __init__(self, *, user_id: int | None = None, lead_id: int | None = None) -> None:
        self.user_id = user_id
        self.lead_id = lead_id
        self.charges: list[Charge] = []

    @contextmanager
    def request(
        self, *, provider: str, operation: str, max_usage: Mapping[str, int]
    ) -> Iterator[_MeterTicket]:
        with charge(
            provider=provider,
            max_micros=cost_micros(provider, max_usage),
            operation=operation,
            user_id=self.user_id,
            lead_id=self.lead_id,
        ) as current:
            self.charges.append(current)
            yield _MeterTicket(provider, current)

    @property
    def total_micros(self) -> int:
        return sum(c.entry.cost_micros for c in self.charges if c.entry is not None)


class _MeterTicket:
    def __init__(self, provider: str, current: Charge) -> None:
        self.provider = provider
        self.charge = current

    def billed(self, *, usage: Mapping[str, int], call: CallInfo) -> None:
        self.charge.settle(
            cost_micros=cost_micros(self.provider, usage),
            call=call,
            units=max(usage.values(), default=0),
        )
