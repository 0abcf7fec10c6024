"""A block reservation: the money for many requests of one kind, reserved at once.

Work that sends many requests of one price (a bulk trace's line-type lookups) reserves their
maximum once, with one conditional UPDATE, instead of one round trip to the counter per
request. The block admits as many requests as today's budget can pay for, up to the number
asked; each request then draws a ticket, an ordinary `guard.Reservation` of the block's unit,
and settles or releases it as any reservation (one ledger row per request). Closing the block
gives back the tickets never drawn and records a refusal for the requests it could not admit.

At every instant the counter's reserved money covers the open tickets and the undrawn ones,
so `settled + reserved <= cap` holds exactly as for single reservations. A block for an agent
holds the same money on the agent's counter too (their daily limit, `billing.limits`), sized
down to what the limit admits, so an agent's tickets never pass their limit either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db.models import F

from billing import guard
from billing.caps import cap_micros, spend_day
from billing.limits import ensure_user_day, reserve_user, user_limit_micros
from billing.models import SpendDay, UserSpendDay
from billing.refusals import refuse_user, user_refusal

MAX_RACES = 3  # times another request may take the budget between sizing and reserving


@dataclass
class Block:
    provider: str
    day: dt.date
    unit_micros: int  # the most one request can cost
    wanted: int
    granted: int  # requests the budget admitted
    operation: str
    user_id: int | None = None
    drawn: int = 0
    closed: bool = False
    user_counted: bool = False  # the tickets are held on the agent's counter too
    agent_limit: int | None = None  # set when the agent's limit admitted fewer than the team

    @property
    def left(self) -> int:
        return self.granted - self.drawn

    def draw(self, *, lead_id: int | None = None) -> guard.Reservation:
        """One request's share of the block (no database work)."""
        if self.closed or self.left <= 0:
            raise RuntimeError("this block has no ticket left")
        self.drawn += 1
        return guard.Reservation(
            self.provider,
            self.day,
            self.unit_micros,
            self.operation,
            self.user_id,
            lead_id,
            user_counted=self.user_counted,
        )


def reserve_block(
    *,
    provider: str,
    unit_micros: int,
    count: int,
    operation: str,
    user_id: int | None = None,
) -> Block:
    """Reserve `count` requests of at most `unit_micros` each, or as many as the budget admits.
    Raises `CapExceeded` (with its refusal row) when it admits none."""
    if unit_micros < 0 or count < 0:
        raise ValueError("a block reservation cannot be negative")
    day, cap = spend_day(), cap_micros(provider)
    guard.ensure_day(provider, day)
    wanted = count
    for _ in range(MAX_RACES + 1):
        if wanted <= 0 or _admit(provider, day, cap, unit_micros * wanted, wanted):
            break
        wanted = min(wanted - 1, _fits(provider, day, cap, unit_micros))
    else:
        wanted = 0
    if count and wanted <= 0:
        raise guard.refusal(provider, day, cap, unit_micros, operation, user_id, None)
    block = Block(provider, day, unit_micros, count, max(wanted, 0), operation, user_id)
    if user_id is not None and block.granted:
        _hold_for_agent(block, user_id)
    return block


def _hold_for_agent(block: Block, user_id: int) -> None:
    """Hold the block on the agent's counter, as many tickets as their limit admits; give the
    rest back to the team. Refuses (UserCapExceeded) when the limit admits none."""
    limit = user_limit_micros(user_id, block.provider)
    ensure_user_day(user_id, block.provider, block.day)
    held = block.granted
    for _ in range(MAX_RACES + 1):
        if held <= 0 or reserve_user(
            user_id=user_id, provider=block.provider, day=block.day,
            amount_micros=block.unit_micros * held, limit_micros=limit,
        ):  # fmt: skip
            break
        held = min(held - 1, _agent_fits(block, user_id, limit or 0))
    else:
        held = 0
    _give_back(block, block.granted - max(held, 0))
    if held < block.granted:
        block.agent_limit = limit or 0
    block.granted, block.user_counted = max(held, 0), held > 0
    if held <= 0:
        refuse_user(
            block.provider, block.day, limit or 0, block.unit_micros, block.operation, user_id, None
        )


def _agent_fits(block: Block, user_id: int, limit: int) -> int:
    if block.unit_micros == 0:
        return 0
    row = UserSpendDay.objects.filter(
        user_id=user_id, provider=block.provider, day=block.day
    ).values_list("settled_micros", "reserved_micros")[0]
    return max(limit - row[0] - row[1], 0) // block.unit_micros


def _give_back(block: Block, tickets: int) -> None:
    """Return undrawn tickets to the team's counter."""
    if tickets > 0:
        SpendDay.objects.filter(provider=block.provider, day=block.day).update(
            reserved_micros=F("reserved_micros") - tickets * block.unit_micros,
            requests=F("requests") - tickets,
        )


def _admit(provider: str, day: dt.date, cap: int, amount: int, requests: int) -> bool:
    """The guard's one conditional UPDATE, for the whole block."""
    return bool(
        SpendDay.objects.filter(provider=provider, day=day)
        .alias(committed=F("settled_micros") + F("reserved_micros"))
        .filter(committed__lte=cap - amount)
        .update(
            reserved_micros=F("reserved_micros") + amount,
            requests=F("requests") + requests,
        )
    )


def _fits(provider: str, day: dt.date, cap: int, unit_micros: int) -> int:
    """How many requests the budget left admits right now (only a guess for the next try:
    the conditional UPDATE decides)."""
    if unit_micros == 0:
        return 0  # a free request refused: the day is past its cap (an overrun)
    row = SpendDay.objects.filter(provider=provider, day=day).values_list(
        "settled_micros", "reserved_micros"
    )[0]
    return max(cap - row[0] - row[1], 0) // unit_micros


def close_block(block: Block) -> None:
    """Give back the undrawn tickets; the requests the budget did not admit get one refusal
    row, as a single request refused by the cap does."""
    if block.closed:
        return
    block.closed = True
    _give_back(block, block.left)
    if block.left and block.user_counted and block.user_id is not None:
        UserSpendDay.objects.filter(
            user_id=block.user_id, provider=block.provider, day=block.day
        ).update(reserved_micros=F("reserved_micros") - block.left * block.unit_micros)
    if block.granted < block.wanted and block.agent_limit is not None and block.user_id:
        user_refusal(
            block.provider, block.day, block.agent_limit, block.unit_micros, block.operation,
            block.user_id, None,
        )  # fmt: skip
    elif block.granted < block.wanted:
        cap = cap_micros(block.provider)
        guard.refusal(
            block.provider, block.day, cap, block.unit_micros, block.operation, block.user_id, None
        )


@contextmanager
def block_reserved(
    *,
    provider: str,
    unit_micros: int,
    count: int,
    operation: str,
    user_id: int | None = None,
) -> Iterator[Block]:
    """`reserve_block()`, closed when the work is done, however it ends."""
    block = reserve_block(
        provider=provider,
        unit_micros=unit_micros,
        count=count,
        operation=operation,
        user_id=user_id,
    )
    try:
        yield block
    finally:
        close_block(block)
