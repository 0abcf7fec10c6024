"""The CSV export of stored leads.

One row per lead: the columns agents use, the original plan's names and the headings dialers
import, streamed a chunk at a time so memory stays flat however many leads match. Every cell
passes `safe_cell`, because owner names and addresses come from outside and a spreadsheet
would run a cell such as `=HYPERLINK(...)` as a formula.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import batched
from typing import Any

from django.db.models import QuerySet

from billing.money import plain_dollars
from leads.export.presets import DialerPreset
from leads.export.scrub import dnc_status, judged_phones
from leads.models import Email, Lead

CHUNK_SIZE = 2000
LINES_PER_YIELD = 100  # about 30 KB a write
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

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
# ...except a bare number or E.164 phones (one, or a ";" list), which sums and dialers need
# as they are; digits, "+" and ";" alone cannot call anything.
_NUMBER_OR_PHONES = re.compile(r"[+-]?\d+(?:\.\d+)?|\+\d{8,15}(?:;\+\d{8,15})*")


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
) -> Iterator[list[str]]:
    """One row of cells per lead in EXPORT_COLUMNS order, or a dialer preset's rows.

    With `scrub`, every number the scrub rule leaves out (`leads.export.scrub`) is left out
    of the cells; which leads are in the file at all is the caller's queryset.

    Leads are read a chunk at a time, and each chunk's phones and e-mails in one query
    apiece: the queries of `prefetch_related` with `iterator(chunk_size)`, so memory holds
    one chunk however many leads match.
    """
    stored = leads.values_list(*LEAD_FIELDS, named=True).iterator(chunk_size=chunk_size)
    for chunk in batched(stored, chunk_size):
        lead_ids = [lead.id for lead in chunk]
        phones = _phones_by_lead(lead_ids)
        emails = _emails_by_lead(lead_ids)
        for lead in chunk:
            mine, addresses = phones.get(lead.id, []), emails.get(lead.id, [])
            if scrub:
                mine = [phone for phone in mine if not phone.scrub_reason]
            rows = (
                preset.rows(lead, _best_first(lead, mine), addresses)
                if preset is not None
                else [_lead_row(lead, mine, addresses, scrub=scrub)]
            )
            for row in rows:
                # The first-character test keeps the regex off all but a few cells per row.
                yield [
                    safe_cell(cell) if cell and cell[0] in FORMULA_STARTS else cell for cell in row
                ]


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


def csv_text(rows: Iterable[list[str]], *, header: list[str], bom: bool) -> Iterator[str]:
    line = _LineWriter()
    writer = csv.writer(line)
    yield (BOM if bom else "") + writer.writerow(header)
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow(row))
        if len(batch) == LINES_PER_YIELD:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


class _LineWriter:
    """A file for csv.writer that hands each written line back instead of storing it."""

    def write(self, line: str) -> str:
        return line


def _phones_by_lead(lead_ids: list[int]) -> dict[int, list[Any]]:
    """Each lead's phones in their stored order, as named rows (number, line_type, dnc…).

    `lead__id__in` is the SQL of `lead_id__in` with a third of the per-id preparation cost.
    """
    by_lead: dict[int, list[Any]] = defaultdict(list)
    phones = (
        judged_phones()
        .filter(lead__id__in=lead_ids)
        .order_by("rank", "id")
        .values_list("lead_id", "number", "line_type", "scrub_reason", named=True)
    )
    for phone in phones:
        by_lead[phone.lead_id].append(phone)
    return by_lead


def _emails_by_lead(lead_ids: list[int]) -> dict[int, list[str]]:
    by_lead: dict[int, list[str]] = defaultdict(list)
    emails = (
        Email.objects.filter(lead__id__in=lead_ids)
        .order_by("rank", "id")
        .values_list("lead_id", "email")
    )
    for lead_id, email in emails:
        by_lead[lead_id].append(email)
    return by_lead


def _best_first(lead: Any, phones: list[Any]) -> list[Any]:
    """A dialer calls the first number first: the best phone, then the rest in rank order."""
    return sorted(phones, key=lambda phone: phone.number != lead.best_phone)


def _lead_row(lead: Any, phones: list[Any], emails: list[str], *, scrub: bool) -> list[str]:
    numbers = [phone.number for phone in phones]
    best = lead.best_phone if not scrub or lead.best_phone in numbers else ""
    owner1_first, owner1_last = _owner1(lead)
    return [
        str(lead.id),
        lead.source,
        "SANDBOX" if lead.sandbox else "",
        lead.street,
        lead.unit,
        lead.city,
        lead.state,
        lead.zip_code,
        lead.zip4,
        lead.county,
        lead.owner_name,
        owner1_first,
        owner1_last,
        lead.owner2_first_name,
        lead.owner2_last_name,
        _bool(lead.corporate_owner),
        _bool(lead.owns_property),
        lead.mailing_street,
        lead.mailing_city,
        lead.mailing_state,
        lead.mailing_zip,
        _bool(lead.absentee),
        lead.property_type,
        _text(lead.beds),
        _text(lead.baths),
        _text(lead.living_sqft),
        _text(lead.lot_sqft),
        _text(lead.year_built),
        _text(lead.avm_value_usd),
        _text(lead.assessed_value_usd),
        _text(lead.market_value_usd),
        lead.last_sale_date.isoformat() if lead.last_sale_date else "",
        _text(lead.last_sale_amount_usd),
        _text(lead.mortgage_amount_usd),
        _text(lead.estimated_equity_usd),
        _equity_percent(lead),
        lead.stage,
        lead.temperature_tag,
        _text(lead.ai_score),
        lead.scored_by,
        lead.skip_trace_provider,
        lead.skip_traced_at.isoformat() if lead.skip_traced_at else "",
        plain_dollars(lead.skip_trace_cost_micros),
        plain_dollars(lead.ai_cost_micros),
        best,
        ";".join(numbers),
        ";".join(emails),
        _bool(lead.dnc_flag),
        _bool(lead.contactable),
        _bool(lead.litigator),
        *_phone_cells(phones),
        *_email_cells(emails),
    ]


def _owner1(lead: Any) -> tuple[str, str]:
    if lead.corporate_owner:
        # Dialers file an entity under its name as the last name.
        return "", lead.owner_last_name or lead.owner_name
    return lead.owner_first_name, lead.owner_last_name


def _phone_cells(phones: list[Any]) -> list[str]:
    # A number on any do-not-dial list reads "true", so a dialer honouring this column never
    # calls what the scrub would have removed; a missing or old check is "unknown" or "stale".
    cells: list[str] = []
    for phone in phones[:PHONE_SLOTS]:
        cells += (phone.number, phone.line_type, dnc_status(phone))
    return cells + [""] * (3 * PHONE_SLOTS - len(cells))


def _email_cells(emails: list[str]) -> list[str]:
    shown = emails[:EMAIL_SLOTS]
    return shown + [""] * (EMAIL_SLOTS - len(shown))


def _equity_percent(lead: Any) -> str:
    value = lead.avm_value_usd or lead.market_value_usd
    if lead.estimated_equity_usd is None or not value:
        return ""
    return str(round(lead.estimated_equity_usd * 100 / value))


def _bool(value: bool | None) -> str:
    if value is None:
        return ""
    return "true" if value else "false"


def _text(value: object) -> str:
    return "" if value is None else str(value)
