"""The CSV export of stored leads.

One row per lead: the columns agents use, the original plan's names and the headings dialers
import, streamed a chunk at a time so memory stays flat however many leads match. Every text
cell passes `safe_cell`, because owner names and addresses come from outside and a
spreadsheet would run a cell such as `=HYPERLINK(...)` as a formula; numbers, dates and the
true/false cells are ours and never need it.

The full layout's lead cells come from the database already written as CSV, in a few runs of
cells each read as one text (`leads.export.sqlcells`); Python adds the cells between them
(the contacts, a decimal, a rounded percent, costs and a time) and joins the line. A line is
checked for a cell that might need `safe_cell` or quoting (a flag the database computes for
the runs' texts, a few cheap tests of the contact cells), and only such a line (few, in
practice) is split into its cells, each escaped, and written by csv.writer.
"""

from __future__ import annotations

import csv
import re
from collections import namedtuple
from collections.abc import Callable, Generator, Iterable, Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from billing.money import plain_dollars
from leads.export.contacts import ChunkReader, Phone
from leads.export.formula import FORMULA_STARTS, char_class
from leads.export.presets import DIALER_NAMES, DialerPreset
from leads.export.read_ahead import read_ahead
from leads.export.scrub import DNC_CELLS, dnc_cell
from leads.export.sqlcells import BOOL, DATE, FLAG, NUMBER, TEXT, CsvCells, StartsLikeFormula
from leads.models import Lead

CHUNK_SIZE = 2000
LINES_PER_YIELD = 200  # about 60 KB a write
PHONE_SLOTS = 5
EMAIL_SLOTS = 3
BOM = "\ufeff"

EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "source",
    "sandbox",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "zip4",
    "county",
    "owner_name",
    "Owner 1 First Name",
    "Owner 1 Last Name",
    "Owner 2 First Name",
    "Owner 2 Last Name",
    "corporate_owner",
    "owns_property",
    "Mailing Address",
    "Mailing City",
    "Mailing State",
    "Mailing Zip",
    "absentee",
    "property_type",
    "beds",
    "baths",
    "living_sqft",
    "lot_sqft",
    "year_built",
    "avm_value",
    "assessed_value",
    "market_value",
    "last_sale_date",
    "last_sale_amount",
    "mortgage_amount",
    "estimated_equity",
    "equity_percent",
    "stage",
    "temperature",
    "ai_score",
    "scored_by",
    "skip_trace_provider",
    "skip_traced_at",
    "skip_trace_cost",
    "ai_cost",
    "best_phone",
    "all_phones",
    "emails",
    "Lists",
    "dnc_flag",
    "contactable",
    "Litigator",
    *(
        heading
        for n in range(1, PHONE_SLOTS + 1)
        for heading in (f"Phone {n}", f"Phone {n} Type", f"Phone {n} DNC")
    ),
    *(f"Email {n}" for n in range(1, EMAIL_SLOTS + 1)),
)

# The full layout's runs of cells the database writes (EXPORT_COLUMNS order), by annotation.
FULL_RUNS = {
    "csv_head": CsvCells(
        (NUMBER, "id"), (TEXT, "source"), (FLAG, "sandbox", "SANDBOX"), (TEXT, "street"),
        (TEXT, "unit"), (TEXT, "city"), (TEXT, "state"), (TEXT, "zip_code"), (TEXT, "zip4"),
        (TEXT, "county"), (TEXT, "owner_name"), (TEXT, "dialer_first_name"),
        (TEXT, "dialer_last_name"),
        (TEXT, "owner2_first_name"), (TEXT, "owner2_last_name"), (BOOL, "corporate_owner"),
        (BOOL, "owns_property"), (TEXT, "mailing_street"), (TEXT, "mailing_city"),
        (TEXT, "mailing_state"), (TEXT, "mailing_zip"), (BOOL, "absentee"),
        (TEXT, "property_type"), (NUMBER, "beds"),
    ),
    "csv_values": CsvCells(
        (NUMBER, "living_sqft"), (NUMBER, "lot_sqft"), (NUMBER, "year_built"),
        (NUMBER, "avm_value_usd"), (NUMBER, "assessed_value_usd"), (NUMBER, "market_value_usd"),
        (DATE, "last_sale_date"), (NUMBER, "last_sale_amount_usd"),
        (NUMBER, "mortgage_amount_usd"), (NUMBER, "estimated_equity_usd"),
    ),
    "csv_scoring": CsvCells(
        (TEXT, "stage"), (TEXT, "temperature_tag"), (NUMBER, "ai_score"), (TEXT, "scored_by"),
        (TEXT, "skip_trace_provider"),
    ),
    "csv_flags": CsvCells((BOOL, "dnc_flag"), (BOOL, "contactable"), (BOOL, "litigator")),
    # Whether a text of the runs might need safe_cell (the others are numbers, dates, ours).
    "csv_risky": StartsLikeFormula(
        "source", "street", "unit", "city", "state", "zip_code", "zip4", "county",
        "owner_name", "owner_first_name", "owner_last_name", "owner2_first_name",
        "owner2_last_name", "mailing_street", "mailing_city", "mailing_state", "mailing_zip",
        "property_type", "stage", "temperature_tag", "scored_by", "skip_trace_provider",
    ),
}  # fmt: skip
# What the full layout reads of each lead (unpacked in this order by `_full_line`): the
# runs, and the values of the cells Python writes: baths (a decimal), the equity percent
# (rounded as Python rounds), the trace time, the costs (billing.money) and the best phone.
FULL_FIELDS = (
    "id", "csv_head", "baths", "csv_values", "estimated_equity_usd", "avm_value_usd",
    "market_value_usd", "csv_scoring", "skip_traced_at", "skip_trace_cost_micros",
    "ai_cost_micros", "best_phone", "csv_flags", "csv_risky",
)  # fmt: skip
_RUNS_AT = frozenset({0, 2, 4, 12})  # where the runs are among `_full_line`'s cells

# ...except a bare number or E.164 phones (one, or a ";" list), which sums and dialers need
# as they are; digits, "+" and ";" alone cannot call anything.
_NUMBER_OR_PHONES = re.compile(r"[+-]?\d+(?:\.\d+)?|\+\d{8,15}(?:;\+\d{8,15})*")
# A cell starting with a formula character, in cells each led by NUL (e-mails: by ";").
_CELL_START = re.compile("\x00" + char_class())
_EMAIL_START = re.compile(";" + char_class())
# What csv.writer quotes in a cell (its minimal quoting).
_TO_QUOTE = re.compile('[",\r\n]')
_dollars = lru_cache(maxsize=4096)(plain_dollars)  # costs repeat: the same few prices


def safe_cell(value: str) -> str:
    """The cell, prefixed with `'` where a spreadsheet would take it for a formula."""
    if value and value[0] in FORMULA_STARTS and not _NUMBER_OR_PHONES.fullmatch(value):
        return "'" + value
    return value


def full_layout_rows(leads: QuerySet[Lead]) -> QuerySet[Any]:
    """What the full layout reads of each lead: FULL_FIELDS, the runs of cells already
    formatted by the database."""
    return leads.annotate(**DIALER_NAMES).annotate(**FULL_RUNS).values_list(*FULL_FIELDS)


def export_lines(
    leads: QuerySet[Lead],
    *,
    scrub: bool,
    chunk_size: int = CHUNK_SIZE,
    preset: DialerPreset | None = None,
) -> Iterator[str]:
    """One CSV line per row (a lead in the full layout, EXPORT_COLUMNS; or a dialer
    preset's rows), each ending in CRLF as csv.writer ends it.

    With `scrub`, every number the scrub rule leaves out (`leads.export.scrub`) is left out
    of the cells; which leads are in the file at all is the caller's queryset.

    Leads are read a chunk at a time as plain tuples, and each chunk's phones and e-mails in
    one query (its lists in one more, for the full layout), so memory holds a few chunks
    however many leads match; on PostgreSQL the next chunk is read while this one is written
    (`leads.export.read_ahead`).
    """
    line = csv.writer(_Echo()).writerow  # one per export: the writer reuses its buffer
    connection = connections[leads.db]
    if preset is not None:
        stored = _stored_lead(preset.lead_fields)
        rows = leads.annotate(**DIALER_NAMES).values_list(*preset.lead_fields)
        reader = ChunkReader(rows, lists=False, connection=connection)
        for raw in read_ahead(lambda: reader.read(chunk_size), connection):
            chunk, phones, emails, _ = reader.grouped(raw)
            for row in _preset_rows(preset, stored, chunk, phones, emails, scrub=scrub):
                yield line(row)
        return
    reader = ChunkReader(full_layout_rows(leads), lists=True, connection=connection)
    for raw in read_ahead(lambda: reader.read(chunk_size), connection):
        chunk, phones, emails, lists = reader.grouped(raw)
        for lead in chunk:
            id_ = lead[0]
            yield _full_line(
                lead, phones.get(id_, []), emails.get(id_, []), lists.get(id_, ""), scrub, line
            )


def export_rows(
    leads: QuerySet[Lead],
    *,
    scrub: bool,
    chunk_size: int = CHUNK_SIZE,
    preset: DialerPreset | None = None,
) -> Iterator[list[str]]:
    """The rows of `export_lines` as cells, each as the file holds it (text)."""
    return csv.reader(export_lines(leads, scrub=scrub, chunk_size=chunk_size, preset=preset))


@lru_cache(maxsize=16)
def _stored_lead(fields: tuple[str, ...]) -> Any:
    """A lead row by name (what a preset's cells read), for these fields."""
    return namedtuple("StoredLead", fields)


def _preset_rows(
    preset: DialerPreset,
    stored_lead: Any,
    chunk: list[tuple[Any, ...]],
    phones: dict[int, list[Phone]],
    emails: dict[int, list[str]],
    *,
    scrub: bool,
) -> Iterator[list[str]]:
    for stored in chunk:
        lead: Any = stored_lead._make(stored)
        mine = phones.get(lead.id, [])
        if scrub:
            mine = [phone for phone in mine if not phone.scrub_reason]
        for row in preset.rows(lead, _best_first(lead, mine), emails.get(lead.id, [])):
            yield [safe_cell(cell) if cell and cell[0] in FORMULA_STARTS else cell for cell in row]


def csv_stream(
    leads: QuerySet[Lead],
    *,
    scrub: bool,
    bom: bool,
    chunk_size: int = CHUNK_SIZE,
    preset: DialerPreset | None = None,
) -> Generator[str, None, None]:
    """The CSV text: the header line first (after a UTF-8 BOM if asked), then rows in batches."""
    lines = export_lines(leads, scrub=scrub, chunk_size=chunk_size, preset=preset)
    return csv_text(lines, header=preset.headings if preset else list(EXPORT_COLUMNS), bom=bom)


def csv_text(lines: Iterable[str], *, header: list[str], bom: bool) -> Generator[str, None, None]:
    """The header line (after a BOM if asked), then the lines, LINES_PER_YIELD at a time."""
    yield (BOM if bom else "") + csv.writer(_Echo()).writerow(header)
    lines = iter(lines)
    while batch := list(islice(lines, LINES_PER_YIELD)):
        yield "".join(batch)


class _Echo:
    """A file for csv.writer whose write hands the line back: writerow returns it."""

    def write(self, line: str) -> str:
        return line


def _best_first(lead: Any, phones: list[Any]) -> list[Any]:
    """A dialer calls the first number first: the best phone, then the rest in rank order."""
    return sorted(phones, key=lambda phone: phone.number != lead.best_phone)


def _full_line(
    lead: tuple[Any, ...],
    phones: list[Phone],
    emails: list[str],
    lists: str,
    scrub: bool,
    line: Callable[[list[str]], str],
) -> str:
    """The full layout's line, from a FULL_FIELDS tuple: the database's runs of cells, and
    between them the cells formatted here."""
    (
        _, head, baths, values, equity, avm, market, scoring, traced_at, trace_cost, ai_cost,
        best, flags, risky,
    ) = lead  # fmt: skip
    if scrub:
        phones = [phone for phone in phones if not phone.scrub_reason]
    numbers = [phone.number for phone in phones]
    if scrub and best not in numbers:
        best = ""
    all_phones, all_emails = ";".join(numbers), ";".join(emails)
    shown = phones[:PHONE_SLOTS]
    value = avm or market
    cells = [
        head, "" if baths is None else str(baths), values,
        str(round(equity * 100 / value)) if equity is not None and value else "",
        scoring, traced_at.isoformat() if traced_at else "", _dollars(trace_cost),
        _dollars(ai_cost), best, all_phones, all_emails, lists, flags,
        *_phone_cells(shown), *emails[:EMAIL_SLOTS], *_EMAIL_PADDING[len(emails[:EMAIL_SLOTS])],
    ]  # fmt: skip
    # Which cells might need safe_cell or quoting: a flagged text of the runs, or a contact
    # cell that is not plainly safe (E.164 numbers, line types of letters are).
    if (
        risky
        or (all_phones and not _NUMBER_OR_PHONES.fullmatch(all_phones))
        or (best and best not in numbers and not _NUMBER_OR_PHONES.fullmatch(best))
        or (shown and _awkward_line_types(shown))
        or (lists and (lists[0] in FORMULA_STARTS or _TO_QUOTE.search(lists)))
        or (all_emails and (_EMAIL_START.search(";" + all_emails) or _TO_QUOTE.search(all_emails)))
    ):
        return line([safe_cell(cell) for cell in _unrun(cells)])
    return ",".join(cells) + "\r\n"


def _awkward_line_types(phones: list[Phone]) -> bool:
    """Whether a line type cell might need safe_cell or quoting (not when all are letters)."""
    types = [phone.line_type for phone in phones]
    if "".join(types).isalpha() and all(types):
        return False
    cells = "\x00".join(types)
    return bool(_TO_QUOTE.search(cells) or _CELL_START.search("\x00" + cells))


def _unrun(cells: list[str]) -> Iterator[str]:
    """The full layout's cells one by one: each run of the database's split into its own."""
    for index, cell in enumerate(cells):
        if index in _RUNS_AT:
            yield from next(csv.reader([cell]))
        else:
            yield cell


def _phone_cells(phones: list[Phone]) -> list[str]:
    # A number on any do-not-dial list reads "true", so a dialer honouring this column never
    # calls what the scrub would have removed; a missing or old check is "unknown" or "stale".
    cells: list[str] = []
    for phone in phones:
        reason = phone.scrub_reason
        cells += (phone.number, phone.line_type, DNC_CELLS.get(reason) or dnc_cell(reason))
    return cells + _PHONE_PADDING[len(phones)]


_PHONE_PADDING = [[""] * (3 * (PHONE_SLOTS - shown)) for shown in range(PHONE_SLOTS + 1)]


_EMAIL_PADDING = [[""] * (EMAIL_SLOTS - shown) for shown in range(EMAIL_SLOTS + 1)]
