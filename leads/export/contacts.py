"""What the export reads: the lead rows a chunk at a time, and each chunk's phones and
e-mails (one query) and lists (one more), all as plain tuples.

The per-chunk queries are compiled once per export and run again with each chunk's ids as a
single parameter (`AmongChunk`): compiling the scrub rule's CASE, or preparing 2,000 ids for
`__in`, cost more per chunk than running the query. The lead rows come from the
values_list() query's own SQL (a server-side cursor on PostgreSQL), with Django's converters
applied only to the cells that hold a value and need one; booleans skip theirs, since a
cell reads 0/1 as it reads False/True.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Iterator
from operator import itemgetter
from typing import Any, NamedTuple

from django.db.models import BooleanField, QuerySet, Value
from django.db.models.sql.constants import MULTI

from leads.chunk_query import AmongChunk, ChunkQuery
from leads.export.scrub import judged_phones
from leads.models import Email, ListMembership

PHONE, EMAIL = "p", "e"
LIST_SEPARATOR = "; "


class Phone(NamedTuple):
    number: str
    line_type: str
    scrub_reason: str  # leads.export.scrub: "" when it may be dialled


PhonesByLead = dict[int, list[Phone]]


Chunk = tuple[list[tuple[Any, ...]], PhonesByLead, dict[int, list[str]], dict[int, str]]
# A chunk as the database sent it: lead rows, contact rows, list rows (`ChunkReader.read`).
RawChunk = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


class ChunkReader:
    """Each chunk's phones (with their scrub reason), e-mails and, if asked, lists, read on
    `connection`, the caller's. `read` only queries and may run in another thread
    (leads.export.read_ahead); `grouped` turns what it read into a chunk, in the caller's."""

    def __init__(self, rows: QuerySet[Any], *, lists: bool, connection: Any) -> None:
        self.connection = connection
        self.leads = LeadRows(rows, connection)
        self.contacts = ChunkQuery(_contacts_query(), outer=_CONTACTS_IN_ORDER)
        self.lists = ChunkQuery(_lists_query()) if lists else None

    def read(self, chunk_size: int) -> Generator[RawChunk, None, None]:
        """The lead rows (a values_list() query, id first) a chunk at a time, each with its
        leads' contact and list rows."""
        for chunk in self.leads.chunks(chunk_size):
            lead_ids = [lead[0] for lead in chunk]
            contacts = self.contacts.rows(lead_ids, self.connection)
            lists = self.lists.rows(lead_ids, self.connection) if self.lists else []
            yield chunk, contacts, lists

    def grouped(self, raw: RawChunk) -> Chunk:
        """The chunk's lead rows (through their converters), and its phones, e-mails and
        lists by lead id."""
        chunk, contacts, lists = raw
        phones, emails = _contacts_by_lead(contacts)
        return self.leads.converted(chunk), phones, emails, _lists_by_lead(lists)


def _contacts_by_lead(rows: list[tuple[Any, ...]]) -> tuple[PhonesByLead, dict[int, list[str]]]:
    phones: dict[int, list[Phone]] = defaultdict(list)
    emails: dict[int, list[str]] = defaultdict(list)
    make = tuple.__new__
    for row in rows:
        if row[1] == PHONE:
            phones[row[0]].append(make(Phone, row[2:]))
        else:
            emails[row[0]].append(row[2])
    return phones, emails


def _lists_by_lead(rows: list[tuple[Any, ...]]) -> dict[int, str]:
    """The names of the lists each lead is on, in the order it joined them."""
    names: dict[int, list[str]] = defaultdict(list)
    for lead_id, name in rows:
        names[lead_id].append(name)
    return {lead_id: LIST_SEPARATOR.join(mine) for lead_id, mine in names.items()}


# Phones and e-mails, each in its stored order (rank, then id), without the two columns
# that order them: fewer cells to read.
_CONTACTS_IN_ORDER = (
    'SELECT "lead_id", "kind", "number", "line_type", "scrub_reason" '
    'FROM ({}) "contacts" ORDER BY "rank", "id"'
)


def _contacts_query() -> QuerySet[Any]:
    """Phones and e-mails in one query (`_CONTACTS_IN_ORDER` orders them)."""
    blank = Value("")
    phones = (
        judged_phones()
        .filter(AmongChunk("lead_id"))
        .annotate(kind=Value(PHONE))
        .order_by()
        .values_list("lead_id", "kind", "number", "line_type", "scrub_reason", "rank", "id")
    )
    emails = (
        Email.objects.filter(AmongChunk("lead_id"))
        .annotate(kind=Value(EMAIL), line=blank, reason=blank)
        .order_by()
        .values_list("lead_id", "kind", "email", "line", "reason", "rank", "id")
    )
    return phones.union(emails, all=True).order_by()  # sorted once, outside


def _lists_query() -> QuerySet[Any]:
    """Memberships an agent has not removed (`removed_at` unset), oldest first."""
    return (
        ListMembership.objects.filter(AmongChunk("lead_id"), removed_at__isnull=True)
        .order_by("added_at", "pk")
        .values_list("lead_id", "lead_list__name")
    )


class LeadRows:
    """The rows of a values_list() query, compiled here, read a chunk (a list of tuples) at
    a time on `connection`; `converted` applies Django's converters to the cells that hold
    a value and need one (booleans skip theirs: a cell reads 0/1 as it reads False/True)."""

    def __init__(self, rows: QuerySet[Any], connection: Any) -> None:
        self.compiler = rows.query.get_compiler(connection=connection)
        self.converters: dict[int, Any] = {}

    def chunks(self, chunk_size: int) -> Iterator[list[tuple[Any, ...]]]:
        compiler = self.compiler
        chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=chunk_size)
        if compiler.select is None:  # nothing can match: no query was run
            return
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        self.converters = {
            index: pair
            for index, pair in compiler.get_converters(columns).items()
            if not isinstance(pair[1].output_field, BooleanField)
        }
        yield from chunks

    def converted(self, chunk: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        converters, compiler = self.converters, self.compiler
        if not converters:
            return chunk
        converted = itemgetter(*converters, *converters)  # a tuple however many columns
        unset = (None,) * (2 * len(converters))
        return [
            row if converted(row) == unset else _converted(row, converters, compiler)
            for row in chunk
        ]


def _converted(row: tuple[Any, ...], converters: dict[int, Any], compiler: Any) -> tuple[Any, ...]:
    cells = list(row)
    for index, (functions, expression) in converters.items():
        value = cells[index]
        if value is not None:
            for function in functions:
                value = function(value, expression, compiler.connection)
            cells[index] = value
    return tuple(cells)
