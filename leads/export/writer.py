"""The CSV export of stored leads.

One row per lead: the columns agents use, the original plan's names and the headings dialers
import, streamed a chunk at a time so memory stays flat however many leads match. Every text
cell passes `safe_cell`, because owner names and addresses come from outside and a
spreadsheet would run a cell such as `=HYPERLINK(...)` as a formula; numbers, dates and the
true/false cells are ours and go to csv.writer as they are.

Rows are plain tuples formatted by plain functions; a row is checked for a cell that might
need `safe_cell` with one regex over its text cells, and only such a row (few, in practice)
passes cell by cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections import namedtuple
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

from django.db.models import QuerySet

from billing.money import plain_dollars
from leads.export.contacts import ChunkReader, Phone, lead_chunks
from leads.export.presets import DialerPreset
from leads.export.scrub import dnc_status
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

# What the export reads from each lead, as plain tuples (no model instances: ten times faster).
LEAD_FIELDS = (
    "id",
    "source",
    "sandbox",
    "street",
    "unit",
    "city",
    "state",
    "zip_code",
    "zip4",
    "county",
    "owner_name",
    "owner_first_name",
    "owner_last_name",
    "owner2_first_name",
    "owner2_last_name",
    "corporate_owner",
    "owns_property",
    "mailing_street",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
    "absentee",
    "property_type",
    "beds",
    "baths",
    "living_sqft",
    "lot_sqft",
    "year_built",
    "avm_value_usd",
    "assessed_value_usd",
    "market_value_usd",
    "last_sale_date",
    "last_sale_amount_usd",
    "mortgage_amount_usd",
    "estimated_equity_usd",
    "stage",
    "temperature_tag",
    "ai_score",
    "scored_by",
    "skip_trace_provider",
    "skip_traced_at",
    "skip_trace_cost_micros",
    "ai_cost_micros",
    "best_phone",
    "dnc_flag",
    "contactable",
    "litigator",
    "do_not_call",
)
# A lead row by name: what a preset's cells read.
StoredLead = namedtuple("StoredLead", LEAD_FIELDS)  # type: ignore[misc]

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
# ...except a bare number or E.164 phones (one, or a ";" list), which sums and dialers need
# as they are; digits, "+" and ";" alone cannot call anything.
_NUMBER_OR_PHONES = re.compile(r"[+-]?\d+(?:\.\d+)?|\+\d{8,15}(?:;\+\d{8,15})*")
# A cell starting with a formula character, in cells each led by NUL (e-mails: by ";").
_CELL_START = re.compile("\x00[=+\\-@\t\r]")
_EMAIL_START = re.compile(";[=+\\-@\t\r]")
_BOOL = {None: "", True: "true", False: "false"}  # 1 and 0 (SQLite's) are True and False
_dollars = lru_cache(maxsize=4096)(plain_dollars)  # costs repeat: the same few prices


def safe_cell(value: str) -> str:
    """The cell, prefixed with `'` where a spreadsheet would take it for a formula."""
    if value and value[0] in FORMULA_STARTS and not _NUMBER_OR_PHONES.fullmatch(value):
        return "'" + value
    return value


def export_rows(
    leads: QuerySet[Lead],
    *,
    scrub: bool,
    chunk_size: int = CHUNK_SIZE,
    preset: DialerPreset | None = None,
) -> Iterator[list[Any]]:
    """One row of cells per lead in EXPORT_COLUMNS order, or a dialer preset's rows; a cell
    is text, or a number or None (blank) that csv.writer writes as it is.

    With `scrub`, every number the scrub rule leaves out (`leads.export.scrub`) is left out
    of the cells; which leads are in the file at all is the caller's queryset.

    Leads are read a chunk at a time as plain tuples, and each chunk's phones and e-mails in
    one query (its lists in one more, for the full layout), so memory holds one chunk however
    many leads match.
    """
    reader = ChunkReader(lists=preset is None)
    for chunk in lead_chunks(leads.values_list(*LEAD_FIELDS), chunk_size):
        lead_ids = [lead[0] for lead in chunk]
        phones, emails = reader.contacts_of(lead_ids)
        if preset is not None:
            yield from _preset_rows(preset, chunk, phones, emails, scrub=scrub)
            continue
        lists = reader.lists_of(lead_ids)
        for lead in chunk:
            mine = phones.get(lead[0], [])
            if scrub:
                mine = [phone for phone in mine if not phone.scrub_reason]
            yield _lead_row(lead, mine, emails.get(lead[0], []), lists.get(lead[0], ""), scrub)


def _preset_rows(
    preset: DialerPreset,
    chunk: list[tuple[Any, ...]],
    phones: dict[int, list[Phone]],
    emails: dict[int, list[str]],
    *,
    scrub: bool,
) -> Iterator[list[str]]:
    for stored in chunk:
        lead: Any = StoredLead._make(stored)
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
) -> Iterator[str]:
    """The CSV text: the header line first (after a UTF-8 BOM if asked), then rows in batches."""
    rows = export_rows(leads, scrub=scrub, chunk_size=chunk_size, preset=preset)
    return csv_text(rows, header=preset.headings if preset else list(EXPORT_COLUMNS), bom=bom)


def csv_text(rows: Iterable[list[Any]], *, header: list[str], bom: bool) -> Iterator[str]:
    """CSV lines, LINES_PER_YIELD at a time: csv.writer.writerows over a reused buffer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM if bom else "")
    writer.writerow(header)
    yield _take(buffer)
    rows = iter(rows)
    while batch := list(islice(rows, LINES_PER_YIELD)):
        writer.writerows(batch)
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _best_first(lead: Any, phones: list[Any]) -> list[Any]:
    """A dialer calls the first number first: the best phone, then the rest in rank order."""
    return sorted(phones, key=lambda phone: phone.number != lead.best_phone)


def _lead_row(
    lead: tuple[Any, ...], phones: list[Phone], emails: list[str], lists: str, scrub: bool
) -> list[Any]:
    """The full layout's cells, from a LEAD_FIELDS tuple (unpacked in that order)."""
    (
        id_, source, sandbox, street, unit, city, state, zip_code, zip4, county,
        owner, first, last, first2, last2, corporate, owns, m_street, m_city, m_state, m_zip,
        absentee, property_type, beds, baths, living_sqft, lot_sqft, year_built,
        avm, assessed, market, sale_date, sale_amount, mortgage, equity,
        stage, temperature, ai_score, scored_by, provider, traced_at, trace_cost, ai_cost,
        best, dnc_flag, contactable, litigator, _,
    ) = lead  # fmt: skip
    texts = (
        "",  # so that every cell is led by NUL
        source, street, unit, city, state, zip_code, zip4, county, owner, first, last,
        first2, last2, m_street, m_city, m_state, m_zip, property_type, stage, temperature,
        scored_by, provider, *(phone.line_type for phone in phones[:PHONE_SLOTS]),
    )  # fmt: skip
    numbers = [phone.number for phone in phones]
    if scrub and best not in numbers:
        best = ""
    all_phones, all_emails = ";".join(numbers), ";".join(emails)
    if corporate:  # dialers file an entity under its name as the last name
        first, last = "", last or owner
    value = avm or market
    row = [
        id_, source, "SANDBOX" if sandbox else "", street, unit, city, state, zip_code, zip4,
        county, owner, first, last, first2, last2, _BOOL[corporate], _BOOL[owns],
        m_street, m_city, m_state, m_zip, _BOOL[absentee], property_type,
        beds, baths, living_sqft, lot_sqft, year_built, avm, assessed, market,
        sale_date.isoformat() if sale_date else "", sale_amount, mortgage, equity,
        round(equity * 100 / value) if equity is not None and value else "",
        stage, temperature, ai_score, scored_by, provider,
        traced_at.isoformat() if traced_at else "", _dollars(trace_cost), _dollars(ai_cost),
        best, all_phones, all_emails, lists, _BOOL[dnc_flag], _BOOL[contactable],
        _BOOL[litigator], *_phone_cells(phones), *_email_cells(emails),
    ]  # fmt: skip
    if (
        _CELL_START.search("\x00".join(texts))
        or (lists and lists[0] in FORMULA_STARTS)
        or (all_emails and _EMAIL_START.search(";" + all_emails))
        or _risky_numbers(best, all_phones)
    ):
        return [safe_cell(cell) if cell.__class__ is str else cell for cell in row]
    return row


def _risky_numbers(best: str, all_phones: str) -> bool:
    """Whether a phone cell might need `safe_cell`: not when every number is E.164."""
    text = f"{best};{all_phones}" if best and all_phones else best or all_phones
    return bool(text) and not _NUMBER_OR_PHONES.fullmatch(text)


def _phone_cells(phones: list[Phone]) -> list[str]:
    # A number on any do-not-dial list reads "true", so a dialer honouring this column never
    # calls what the scrub would have removed; a missing or old check is "unknown" or "stale".
    cells: list[str] = []
    for phone in phones[:PHONE_SLOTS]:
        cells += (phone.number, phone.line_type, dnc_status(phone))
    return cells + [""] * (3 * PHONE_SLOTS - len(cells))


def _email_cells(emails: list[str]) -> list[str]:
    shown = emails[:EMAIL_SLOTS]
    return shown + [""] * (EMAIL_SLOTS - len(shown))
