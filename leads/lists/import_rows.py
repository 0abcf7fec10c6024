"""One CSV row of an investor's list as a lead, normalised exactly as ATTOM records are.

The address goes through the same normaliser and the lead gets the same dedup key
(`ingest.dedup_key`); a row that cannot become a lead is rejected with the reason, never
dropped. Contacts that are not valid (a phone that is not a US number) stay in the notes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from leads.bulk_insert import LeadValues, new_lead
from leads.models import Source
from leads.search import normalize, owner_names
from leads.search.areas import US_STATES
from leads.search.ingest import dedup_key
from providers.batchdata import e164

_ZIP = re.compile(r"(\d{5})(?:-?(\d{4}))?")
_EXCEL_ZIP = re.compile(r"\d{4}")  # a New England ZIP whose leading zero a spreadsheet dropped
MAX_NOTES = 5_000
# Lists repeat numbers (an owner's phone on each of their parcels); parsing one is costly.
_e164 = functools.lru_cache(maxsize=8_192)(e164)
# The lead fields a row fills (`_lead` and what it calls); the others keep their defaults.
ROW_FIELDS = [
    "source", "sandbox", "owns_property",
    "street", "unit", "city", "state", "zip_code", "zip4", "normalized_address",
    "normalized_owner", "owner_name", "corporate_owner", "owner_first_name", "owner_last_name",
    "mailing_address", "mailing_street", "mailing_city", "mailing_state", "mailing_zip",
    "normalized_mailing", "absentee",
]  # fmt: skip


@dataclass
class ImportRow:
    """A row that makes a lead: the unsaved lead's values with its key, and its contacts."""

    line: int
    lead: LeadValues
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    notes: str = ""  # the columns kept as notes: a note on the lead's timeline

    @property
    def key(self) -> tuple[str, str]:
        return self.lead.key

    @property
    def has_owner(self) -> bool:
        return bool(self.lead["normalized_owner"])


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str
    cells: list[str]


def row_values(header: list[str], mapping: dict[str, str], cells: list[str]) -> dict[str, list]:
    """Each field's (column, value) pairs, in column order; blank cells left out."""
    values: dict[str, list] = {}
    for column, cell in zip(header, cells, strict=False):
        text = cell.strip()
        if text:
            values.setdefault(mapping[column], []).append((column, text))
    return values


def import_row(
    line: int, header: list[str], mapping: dict[str, str], cells: list[str]
) -> ImportRow | Rejection:
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        return Rejection(line, f"{len(cells)} cells, but the header names {len(header)}.", cells)
    values = row_values(header, mapping, cells)
    try:
        lead = _lead(values)
    except ValueError as exc:
        return Rejection(line, str(exc), cells)
    phones, emails, bad = _contacts(values)
    notes = [f"{column}: {text}" for column, text in values.get("notes", [])] + bad
    return ImportRow(line, lead, phones, emails, "\n".join(notes)[:MAX_NOTES])


def _one(values: dict[str, list], name: str) -> str:
    return values[name][0][1] if name in values else ""


def _lead(values: dict[str, list]) -> LeadValues:
    street = _one(values, "street")
    if not street:
        raise ValueError("No street address.")
    city, state, zip5, zip4 = _place(values)
    if not zip5 and not (city and state) and "," in street:
        whole = normalize.parse_one_line(street)  # "12 MAIN ST, PHOENIX, AZ 85034" in one cell
        street, city, state, zip5 = whole.line, whole.city, whole.state, whole.zip5
    if not zip5 and not (city and state):
        raise ValueError("No ZIP code, and no city and state: the address cannot be placed.")
    address = normalize.normalize_address(
        street, unit=_one(values, "unit"), city=city, state=state, zip_code=zip5
    )
    lead = new_lead(source=Source.IMPORT, sandbox=False, owns_property=True)
    _set_address(lead, address, city=city, state=state, zip4=zip4)
    _set_owner(lead, values, address)
    _set_mailing(lead, values, address)
    return lead


def _place(values: dict[str, list]) -> tuple[str, str, str, str]:
    city = " ".join(_one(values, "city").upper().split())
    state = _one(values, "state").upper().replace(".", "")
    if state and state not in US_STATES:
        raise ValueError(f"State {state!r} is not a US state (use its two letters, e.g. AZ).")
    raw_zip = _one(values, "zip")
    if _EXCEL_ZIP.fullmatch(raw_zip):
        raw_zip = "0" + raw_zip
    match = _ZIP.fullmatch(raw_zip)
    if raw_zip and not match:
        raise ValueError(f"ZIP {raw_zip!r} is not a US ZIP code.")
    return city, state, match.group(1) if match else "", (match.group(2) or "") if match else ""


def _set_address(
    lead: LeadValues, address: normalize.NormalAddress, *, city: str, state: str, zip4: str
) -> None:
    lead.update(
        street=address.line[:200], unit=address.unit[:40], city=(city or address.city)[:100],
        state=state or address.state, zip_code=address.zip5, zip4=zip4 or address.zip4,
    )  # fmt: skip


def _set_owner(lead: LeadValues, values: dict[str, list], address: normalize.NormalAddress) -> None:
    first, last, whole = (
        _one(values, "ownerFirstName"),
        _one(values, "ownerLastName"),
        _one(values, "ownerName"),
    )
    owners: list[owner_names.Owner] = [(first, last)] if (first or last) else []
    if not owners and whole:
        owners = [whole]
    corporate = owner_names.is_entity(whole or f"{first} {last}".strip())
    normalized_address, normalized_owner = dedup_key(address, owners, corporate=corporate)
    name = (owner_names.owner_display(owners) if owners else "")[:300]
    lead.update(
        normalized_address=normalized_address, normalized_owner=normalized_owner,
        owner_name=name, corporate_owner=corporate,
        owner_first_name="" if corporate else first.upper()[:100],
        owner_last_name=(name if corporate else last.upper())[:200],
    )  # fmt: skip


def _set_mailing(
    lead: LeadValues, values: dict[str, list], address: normalize.NormalAddress
) -> None:
    parts: list[str] = []
    for _, text in values.get("mailingAddress", []):
        if parts and _ZIP.fullmatch(text):
            parts[-1] = f"{parts[-1]} {text}"  # "AZ" + "85034": the state and ZIP go together
        else:
            parts.append(text)
    if not parts:
        return
    one_line = ", ".join(parts)
    mailing = normalize.parse_one_line(one_line)
    normalized_mailing = normalize.address_key(mailing)[:300]
    lead.update(
        mailing_address=one_line[:300],
        mailing_street=f"{mailing.line} {mailing.unit}".strip()[:200],
        mailing_city=mailing.city[:100], mailing_state=mailing.state, mailing_zip=mailing.zip5,
        normalized_mailing=normalized_mailing,
    )  # fmt: skip
    if mailing.zip5 and address.zip5:  # keys placed by city and state do not compare
        lead["absentee"] = normalized_mailing != normalize.address_key(address)


def _contacts(values: dict[str, list]) -> tuple[list[str], list[str], list[str]]:
    phones: list[str] = []
    emails: list[str] = []
    bad: list[str] = []
    for column, text in values.get("phone", []):
        number = _e164(text)
        if number is None:
            bad.append(f"{column} (not a valid US phone number): {text}")
        elif number not in phones:
            phones.append(number)
    for column, text in values.get("email", []):
        try:
            validate_email(text)
        except ValidationError:
            bad.append(f"{column} (not a valid e-mail address): {text}")
            continue
        if text.lower() not in emails:
            emails.append(text.lower())
    return phones, emails, bad
