"""Dialer presets: each dialer's documented import layout, number format, headings and limit.

Sources are in /work/shared/contracts/dialers-and-lists.md ("Dialer imports"); where a dialer
documents nothing about a point, the choice is written beside the preset. A preset turns one
lead (its phones already scrubbed, best phone first) into the rows of that dialer's file:
one row per phone, or one row per lead with numbered phone columns.

No preset carries the full export's Lists column (the lists a lead is on): each preset is its
dialer's documented layout, and a column a dialer does not document is at best ignored and at
worst refused by a strict importer. The full lead export carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from django.db.models import Case, F, Value, When

from leads.export.scrub import dnc_status
from leads.phones import ten_digit

PHONE_PER_ROW: Final = "phone"
LEAD_PER_ROW: Final = "lead"
E164: Final = "e164"
TEN_DIGIT: Final = "ten_digit"

Cell = Callable[[Any, Any, list[str]], str]  # (lead, phone, e-mails) → text


# The owner's first and last name as a dialer files them, computed by the database for every
# layout (the full export and each preset): an entity has no first name and is filed under
# its name as the last name.
DIALER_NAMES: Final = {
    "dialer_first_name": Case(
        When(corporate_owner=True, then=Value("")), default=F("owner_first_name")
    ),
    "dialer_last_name": Case(
        When(corporate_owner=True, owner_last_name="", then=F("owner_name")),
        default=F("owner_last_name"),
    ),
}


def _street_line(lead: Any, phone: Any, emails: list[str]) -> str:
    return " ".join(filter(None, (lead.street, lead.unit)))


def _street_name(lead: Any, phone: Any, emails: list[str]) -> str:
    number, _, rest = lead.street.partition(" ")
    return rest if number.isdigit() and rest else lead.street


def _field(name: str) -> Cell:
    return lambda lead, phone, emails: str(getattr(lead, name) or "")


def _const(text: str) -> Cell:
    return lambda lead, phone, emails: text


def _email(lead: Any, phone: Any, emails: list[str]) -> str:
    return emails[0] if emails else ""


LEAD_CELLS: dict[str, Cell] = {
    "first": _field("dialer_first_name"),
    "last": _field("dialer_last_name"),
    "owner": _field("owner_name"),
    "street": _street_line,
    "street_name": _street_name,
    "city": _field("city"),
    "state": _field("state"),
    "zip": _field("zip_code"),
    "county": _field("county"),
    "property_type": _field("property_type"),
    "lead_id": _field("id"),
    "email": _email,
    "source": _const("LeadFlow"),
    "blank": _const(""),
}

# The lead fields each cell reads: a preset's file reads only its cells' fields.
CELL_FIELDS: dict[str, tuple[str, ...]] = {
    "first": ("dialer_first_name",),
    "last": ("dialer_last_name",),
    "owner": ("owner_name",),
    "street": ("street", "unit"),
    "street_name": ("street",),
    "city": ("city",),
    "state": ("state",),
    "zip": ("zip_code",),
    "county": ("county",),
    "property_type": ("property_type",),
    "lead_id": ("id",),
    "email": (),
    "source": (),
    "blank": (),
}


@dataclass(frozen=True)
class DialerPreset:
    name: str
    label: str
    layout: Literal["phone", "lead"]
    number_format: Literal["e164", "ten_digit"]
    # (heading, what goes in it): a LEAD_CELLS key, "phone", or "phone:N" / "dnc:N" (lead layout)
    columns: tuple[tuple[str, str], ...]
    row_limit: int  # data rows per file; a larger export is split into several files
    source: str  # where the layout is documented

    @property
    def headings(self) -> list[str]:
        return [heading for heading, _ in self.columns]

    @property
    def lead_fields(self) -> tuple[str, ...]:
        """What its rows read of a lead: its cells' fields, the id and the best phone (the
        first number dialled)."""
        fields = ["id", "best_phone"]
        for _, what in self.columns:
            fields += CELL_FIELDS.get(what.partition(":")[0], ())
        return tuple(dict.fromkeys(fields))

    def number(self, e164: str) -> str:
        return ten_digit(e164) if self.number_format == TEN_DIGIT else e164

    def rows(self, lead: Any, phones: list[Any], emails: list[str]) -> list[list[str]]:
        """The file's rows for one lead; `phones` are dialable, best first."""
        if not phones:
            return []
        if self.layout == PHONE_PER_ROW:
            return [self._row(lead, [phone], emails) for phone in phones]
        return [self._row(lead, phones, emails)]

    def _row(self, lead: Any, phones: list[Any], emails: list[str]) -> list[str]:
        return [self._cell(what, lead, phones, emails) for _, what in self.columns]

    def _cell(self, what: str, lead: Any, phones: list[Any], emails: list[str]) -> str:
        kind, _, slot = what.partition(":")
        if kind in ("phone", "dnc"):
            index = int(slot or 1) - 1
            if index >= len(phones):
                return ""
            phone = phones[index]
            return self.number(phone.number) if kind == "phone" else dnc_status(phone)
        return LEAD_CELLS[kind](lead, phones[0] if phones else None, emails)


PRESETS: dict[str, DialerPreset] = {
    preset.name: preset
    for preset in (
        DialerPreset(
            name="batchdialer",
            label="BatchDialer",
            layout=PHONE_PER_ROW,
            number_format=E164,
            columns=(
                ("First Name", "first"), ("Last Name", "last"), ("Owner Name", "owner"),
                ("Phone", "phone"), ("Property Address", "street"), ("Street Name", "street_name"),
                ("City", "city"), ("State", "state"), ("ZIP", "zip"), ("County", "county"),
                ("Property Type", "property_type"), ("Source", "source"), ("Campaign", "blank"),
                ("Source External ID", "lead_id"),
            ),
            # The integration the contract cites caps one export at 25,000 rows.
            row_limit=25_000,
            source="dialers-and-lists.md, Dialer imports: BatchDialer",
        ),
        DialerPreset(
            name="calltools",
            label="CallTools",
            layout=PHONE_PER_ROW,
            number_format=TEN_DIGIT,  # undocumented; US dialers import 10-digit numbers
            columns=(
                ("first name", "first"), ("last name", "last"), ("address", "street"),
                ("city", "city"), ("state", "state"), ("zip", "zip"), ("phone", "phone"),
            ),
            row_limit=300_000,
            source="dialers-and-lists.md, Dialer imports: CallTools",
        ),
        DialerPreset(
            name="readymode",
            label="ReadyMode",
            layout=LEAD_PER_ROW,  # it de-duplicates by Primary Phone: one lead, one row
            number_format=TEN_DIGIT,
            columns=(
                ("First Name", "first"), ("Last Name", "last"), ("Address", "street"),
                ("City", "city"), ("State", "state"), ("Zip", "zip"),
                ("Primary Phone", "phone:1"), ("Phone 2", "phone:2"), ("Phone 3", "phone:3"),
                ("Phone 4", "phone:4"), ("Phone 5", "phone:5"), ("Email", "email"),
            ),
            row_limit=50_000,  # undocumented; files this size upload comfortably
            source="dialers-and-lists.md, Dialer imports: ReadyMode",
        ),
        DialerPreset(
            name="convoso",
            label="Convoso",
            layout=LEAD_PER_ROW,
            number_format=TEN_DIGIT,
            columns=(
                ("first_name", "first"), ("last_name", "last"), ("address1", "street"),
                ("city", "city"), ("state", "state"), ("postal_code", "zip"),
                ("phone_number", "phone:1"), ("alt_phone_1", "phone:2"),
                ("alt_phone_2", "phone:3"), ("email", "email"),
            ),
            row_limit=30_000,
            source="dialers-and-lists.md, Dialer imports: Convoso",
        ),
        DialerPreset(
            name="generic",
            label="Generic dialer",
            layout=LEAD_PER_ROW,
            number_format=E164,
            columns=(
                ("lead_id", "lead_id"), ("first_name", "first"), ("last_name", "last"),
                ("owner_name", "owner"), ("street", "street"), ("city", "city"),
                ("state", "state"), ("zip", "zip"),
                ("phone_1", "phone:1"), ("phone_1_dnc", "dnc:1"),
                ("phone_2", "phone:2"), ("phone_2_dnc", "dnc:2"),
                ("phone_3", "phone:3"), ("phone_3_dnc", "dnc:3"),
                ("email", "email"),
            ),
            row_limit=100_000,
            source="dialers-and-lists.md, Dialer imports (the common ground of the table)",
        ),
    )
}  # fmt: skip
