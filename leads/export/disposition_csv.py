"""Reading a dialer's call-results CSV: its preset's column names, the rows, the call times.

Each dialer names its columns its own way (and accounts rename them), so a preset lists the
names it accepts for each field; the generic names (`phone, disposition, time, agent, notes`)
are accepted by every preset. Headings match case-insensitively, with `_`, `-` and spaces alike.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from leads.labels import normalize_label

FIELDS = ("phone", "disposition", "time", "agent", "notes")
REQUIRED = ("phone", "disposition")
GENERIC: dict[str, tuple[str, ...]] = {field: (field,) for field in FIELDS}

# The names each dialer's call-results export gives the fields (see dialers-and-lists.md).
IMPORT_PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "generic": GENERIC,
    "batchdialer": {
        "phone": ("phone", "phone number", "contact phone"),
        "disposition": ("disposition", "call result", "result"),
        "time": ("call date", "date", "call time", "start time"),
        "agent": ("agent", "agent name", "user"),
        "notes": ("comments", "notes"),
    },
    "calltools": {
        "phone": ("phone", "phone number", "number"),
        "disposition": ("disposition", "call disposition"),
        "time": ("call start", "start time", "date", "call date"),
        "agent": ("agent", "user", "agent name"),
        "notes": ("notes", "comments", "note"),
    },
    "readymode": {
        "phone": ("primary phone", "phone", "phone number"),
        "disposition": ("disposition", "result", "last result"),
        "time": ("call date", "date", "call time", "last call"),
        "agent": ("agent", "rep", "user"),
        "notes": ("notes", "comments"),
    },
    "convoso": {
        "phone": ("phone number", "phone"),
        "disposition": ("status name", "status", "disposition"),
        "time": ("call date", "date", "call time"),
        "agent": ("user", "agent", "user name"),
        "notes": ("comments", "notes"),
    },
}
TIME_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y")
MAX_ROWS = 100_000


class DispositionFileError(Exception):
    """The file cannot be read as this preset's call results (it says why)."""


@dataclass(frozen=True)
class CallRow:
    row: int  # the spreadsheet row (the heading is row 1)
    phone: str
    disposition: str
    time: str
    agent: str
    notes: str


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def call_rows(text: str, preset: str) -> Iterator[CallRow]:
    """The file's rows in the preset's columns; a missing phone or disposition column is a
    DispositionFileError (nothing is imported)."""
    if "\x00" in text:
        raise DispositionFileError("The file is not a CSV text file.")
    reader = csv.reader(io.StringIO(text), dialect=_dialect(text))
    heading = next(reader, None)
    if not heading:
        raise DispositionFileError("The file is empty.")
    columns = _columns(heading, IMPORT_PRESETS[preset])
    for number, cells in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise DispositionFileError(f"At most {MAX_ROWS:,} rows per file.")
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is no call

        def cell(field: str, cells: list[str] = cells) -> str:
            index = columns.get(field)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        yield CallRow(number, *(cell(field) for field in FIELDS))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        return csv.excel


def _columns(heading: list[str], names: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found = {normalize_label(h): i for i, h in reversed(list(enumerate(heading)))}
    columns: dict[str, int] = {}
    for field in FIELDS:
        for name in (*names.get(field, ()), *GENERIC[field]):
            if normalize_label(name) in found:
                columns[field] = found[normalize_label(name)]
                break
    missing = [field for field in REQUIRED if field not in columns]
    if missing:
        expected = "; ".join(
            f"{field}: {', '.join(names.get(field, GENERIC[field]))}" for field in missing
        )
        raise DispositionFileError(f"The file has no column for {expected}.")
    return columns


def call_time(text: str) -> dt.datetime | None:
    """ISO 8601 or `YYYY-MM-DD HH:MM` (and the US forms dialers write); local time when the
    text names no zone. None when it cannot be read."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
        for pattern in TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
