"""The pipeline board: moving a lead between stages and positions, and reading columns.

Positions inside a column are dense (0, 1, 2, …). A move closes the gap it leaves and
opens one where it lands, in one transaction with the lead locked, so the board never
shows a state the database does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Max, QuerySet, prefetch_related_objects

from leads.activity.followups import next_tasks
from leads.activity.services import lead_activity_record
from leads.models import ActivityKind, Lead, Stage, lists_prefetch
from leads.selectors import LeadFilters, leads_filtered

CARDS_PER_COLUMN = 25
MAX_CARDS_SHOWN = 500  # a column shows at most this many cards however many were loaded
BOARD_LOCK_KEY = 7_310_001  # any constant shared by every process


class MoveRejected(Exception):
    """A move the server refuses; `code` says why (see `leads.errors` for its HTTP status)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def lead_move(
    *,
    lead_id: int,
    stage: str,
    position: int,
    expected_stage: str | None = None,
    expected_position: int | None = None,
    user_id: int | None = None,
    reason: str = "",
) -> Lead:
    """Move a lead to `stage` at `position` (0 = top; past the end = last).

    `expected_*` is where the mover saw the card; if it has moved meanwhile, refuse. A change
    of stage goes on the lead's timeline (`reason` says why, e.g. a call's disposition).
    """
    if stage not in Stage.values:
        raise MoveRejected(f"Unknown stage {stage!r}.", code="unknown_stage")
    if position < 0:
        raise MoveRejected("Position must be 0 or more.", code="invalid_position")
    with transaction.atomic():
        _lock_board()
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            raise MoveRejected(f"No lead {lead_id}.", code="not_found")
        _check_expected(lead, expected_stage, expected_position)
        before = lead.stage
        close_gap(lead.stage, lead.position, leaving=lead.pk)
        lead.position = _open_slot(stage, position, lead)
        lead.stage = stage
        lead.save(update_fields=["stage", "position", "updated_at"])
        if before != stage:
            text = f"Moved from {Stage(before).label} to {Stage(stage).label}"
            lead_activity_record(
                lead_id=lead.pk, kind=ActivityKind.MOVED, user_id=user_id,
                text=f"{text} ({reason})" if reason else text,
                data={"from": before, "to": stage},
            )  # fmt: skip
    return lead


def _lock_board() -> None:
    """Serialise moves: each one renumbers its columns. SQLite's write lock (IMMEDIATE
    transactions) already does this; PostgreSQL takes an advisory lock for the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BOARD_LOCK_KEY])


def _check_expected(lead: Lead, stage: str | None, position: int | None) -> None:
    moved = (stage is not None and stage != lead.stage) or (
        position is not None and position != lead.position
    )
    if moved:
        raise MoveRejected(
            "Someone else moved this card meanwhile; the board now shows where it is.",
            code="stale",
        )


def close_gap(stage: str, position: int, *, leaving: int | None = None) -> None:
    """Keep a column dense (0, 1, 2, …) when the card at `position` leaves it (moved, merged
    away or deleted): the cards below move up one. Call in a transaction; takes the board lock."""
    _lock_board()
    below = Lead.objects.filter(stage=stage, position__gt=position)
    if leaving is not None:
        below = below.exclude(pk=leaving)
    below.update(position=F("position") - 1)


def _open_slot(stage: str, position: int, lead: Lead) -> int:
    size = Lead.objects.filter(stage=stage).exclude(pk=lead.pk).count()
    position = min(position, size)
    Lead.objects.filter(stage=stage, position__gte=position).exclude(pk=lead.pk).update(
        position=F("position") + 1
    )
    return position


def append_to_stage(leads: list[Lead], stage: str = Stage.NEW) -> None:
    """Give new leads the next positions at the bottom of a column (before saving them, in the
    transaction that saves them: the board lock it takes holds until that commits)."""
    if not leads:
        return
    _lock_board()  # two searches appending at once must not hand out the same positions
    top = Lead.objects.filter(stage=stage).aggregate(top=Max("position"))["top"]
    start = -1 if top is None else top
    for offset, lead in enumerate(leads, start=1):
        lead.position = start + offset


# --- reading the board -------------------------------------------------------------------


@dataclass
class Column:
    stage: str
    label: str
    count: int
    cards: list[Lead]
    more_link: dict | None = None  # the view's "Load more" link, when cards are left

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def board_columns(
    filters: LeadFilters,
    *,
    per_column: int = CARDS_PER_COLUMN,
    shown: Mapping[str, int] | None = None,
) -> list[Column]:
    """Every column's count and first cards: one count query plus one indexed LIMIT query
    per stage (sent as one UNION ALL where the database allows it), so the number of queries
    never grows with the number of leads. `shown` says how many cards a column showed before
    (after "Load more"), so a re-drawn board keeps them.

    (A single ROW_NUMBER() window query is one round trip fewer but numbers every lead of
    the board first: 9x slower at 20,000 leads, measured by bench/board_bench.py.)
    """
    leads = leads_filtered(filters)
    # COUNT(*), not of a column: the index on (stage, position) alone can answer it
    counts = dict(leads.values_list("stage").annotate(n=Count("*")).order_by())
    limits = {
        stage: _limit(stage, per_column, shown) for stage in Stage.values if counts.get(stage)
    }
    cards = _first_cards(filters, limits)
    columns = [
        Column(stage, label, counts.get(stage, 0), cards.get(stage, []))
        for stage, label in Stage.choices
    ]
    with_card_facts([card for column in columns for card in column.cards])
    return columns


def _first_cards(filters: LeadFilters, limits: Mapping[str, int]) -> dict[str, list[Lead]]:
    """The first `limits[stage]` cards of each column. PostgreSQL takes each column's
    `ORDER BY … LIMIT` inside a UNION ALL: one round trip instead of one per column, each
    part still an index scan. SQLite does not (Django refuses), so it gets one per column."""
    queries = [_cards_query(stage, filters)[:limit] for stage, limit in limits.items()]
    if len(queries) > 1 and connection.features.supports_slicing_ordering_in_compound:
        rows = list(queries[0].union(*queries[1:], all=True))
    else:
        rows = [lead for query in queries for lead in query]
    by_stage: dict[str, list[Lead]] = {stage: [] for stage in limits}
    for lead in sorted(rows, key=_card_order):  # a UNION ALL promises no order of its own
        by_stage[lead.stage].append(lead)
    return by_stage


def _card_order(lead: Lead) -> tuple[int, int]:
    return lead.position, lead.pk


def _limit(stage: str, per_column: int, shown: Mapping[str, int] | None) -> int:
    wanted = (shown or {}).get(stage, per_column)
    return min(max(wanted, per_column), MAX_CARDS_SHOWN)


def column_cards(stage: str, filters: LeadFilters, *, offset: int, limit: int) -> list[Lead]:
    """A column's cards from `offset`, each with its assignee, lists and next due task."""
    return with_card_facts(_cards(stage, filters, offset=offset, limit=limit))


def column_count(stage: str, filters: LeadFilters) -> int:
    return leads_filtered(filters).filter(stage=stage).count()


def _cards(stage: str, filters: LeadFilters, *, offset: int, limit: int) -> list[Lead]:
    return list(_cards_query(stage, filters)[offset : offset + limit])


# What a card shows (`leads.pipeline.cards` reads no other field of a lead): a lead has some
# seventy columns, and reading them all (a JSON one among them) cost more than the cards.
CARD_FIELDS = (
    *("stage", "position", "owner_name", "street", "unit", "city", "best_phone"),
    *("temperature_tag", "ai_score", "scored_by"),
    *("sandbox", "owns_property", "contactable", "litigator", "dnc_flag"),
    *("assigned_to", "assigned_to__username"),
)


def _cards_query(stage: str, filters: LeadFilters) -> QuerySet[Lead]:
    """A column's cards in board order (the index on stage, position), with their agents."""
    leads = leads_filtered(filters).filter(stage=stage).select_related("assigned_to")
    return leads.only(*CARD_FIELDS).order_by("position", "pk")


def with_card_facts(cards: list[Lead]) -> list[Lead]:
    """What a card shows beyond the lead's own columns: its lists (one query for all the
    cards) and its next task (one more)."""
    prefetch_related_objects(cards, lists_prefetch())
    return with_next_task(cards)


def with_next_task(cards: list[Lead]) -> list[Lead]:
    """Give each card its `next_task` (soonest open task, or None): one query for them all."""
    upcoming = next_tasks(card.pk for card in cards)
    for card in cards:
        card.next_task = upcoming.get(card.pk)  # type: ignore[attr-defined]
    return cards
