"""Reading an investor's CSV: encoding, separator, header, and which column holds what.

Files stream: one pass over the bytes hashes them (the repeat check), proves them UTF-8 or
falls back to Windows-1252 / Latin-1, and refuses binaries (an Excel workbook, a PDF) with a
message saying what to do; a second pass hands out the rows through `csv.reader`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

CHUNK_BYTES = 1 << 20
SNIFF_BYTES = 64 * 1024
SEPARATORS = (",", ";", "\t", "|")
FIELDS = (
    "street", "unit", "city", "state", "zip", "ownerName", "ownerFirstName", "ownerLastName",
    "mailingAddress", "phone", "email", "notes",
)  # fmt: skip
# Fields several columns may feed (Phone 1, Phone 2…); the others take one column each.
MANY_COLUMNS = frozenset({"mailingAddress", "phone", "email", "notes"})
_UNDEFINED_IN_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook",
    b"%PDF": "a PDF",
}
SYNONYMS: dict[str, tuple[str, ...]] = {
    "street": (
        "street", "address", "streetaddress", "propertyaddress", "propertystreet", "siteaddress",
        "situsaddress", "situs", "address1", "addressline1", "propaddress", "propertyaddress1",
        "location", "streetline",
    ),
    "unit": ("unit", "apt", "apartment", "suite", "unitnumber", "propertyunit", "address2",
             "addressline2", "aptunit"),
    "city": ("city", "propertycity", "sitecity", "situscity", "town"),
    "state": ("state", "st", "propertystate", "sitestate", "situsstate"),
    "zip": ("zip", "zipcode", "zip5", "postalcode", "postcode", "propertyzip", "sitezip",
            "situszip", "propertyzipcode"),
    "ownerName": ("owner", "ownername", "owner1", "owner1name", "ownerfullname", "owners",
                  "name", "fullname", "taxpayer", "taxpayername", "ownernames"),
    "ownerFirstName": ("firstname", "ownerfirstname", "owner1firstname", "first", "fname"),
    "ownerLastName": ("lastname", "ownerlastname", "owner1lastname", "last", "surname", "lname"),
    "mailingAddress": ("mailingaddress", "mailaddress", "mailingstreet", "mailingaddress1",
                       "owneraddress", "mailing", "mailingcity", "mailingstate", "mailingzip",
                       "mailingzipcode", "mailcity", "mailstate", "mailzip"),
    "phone": ("phone", "phonenumber", "mobile", "cell", "cellphone", "telephone", "tel",
              "landline", "ownerphone"),
    "email": ("email", "emailaddress"),
    "notes": ("notes", "note", "comments", "comment"),
}  # fmt: skip
_BY_HEADER = {name: field for field, names in SYNONYMS.items() for name in names}


class ImportFileError(ValueError):
    """A file or mapping no import can read; the message says what to do about it."""

    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    encoding: str  # utf-8, utf-8-sig, utf-16, cp1252 or latin-1
    size: int
    lines: int  # line breaks: about as many rows as the file holds, its header included


def file_facts(stream: BinaryIO) -> FileFacts:
    """One pass over the bytes: hash, encoding, and a refusal of what is not text."""
    stream.seek(0)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, cp1252, size, lines = True, True, 0, 0
    head = b""
    for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
        if not head:
            head = chunk[:SNIFF_BYTES]
        digest.update(chunk)
        size += len(chunk)
        lines += chunk.count(b"\n")
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        cp1252 = cp1252 and not _UNDEFINED_IN_CP1252.search(chunk)
    stream.seek(0)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    encoding = _encoding(head, utf8=utf8, cp1252=cp1252)
    return FileFacts(digest.hexdigest(), encoding, size, lines)


def _encoding(head: bytes, *, utf8: bool, cp1252: bool) -> str:
    if not head.strip():
        raise ImportFileError("The file is empty.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"
    for signature, what in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise ImportFileError(
                f"This is {what}, not a CSV file: save it as CSV and upload that."
            )
    if b"\x00" in head:
        raise ImportFileError("This is not a text file (it holds binary data): upload a CSV.")
    if utf8:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    return "cp1252" if cp1252 else "latin-1"


def text_of(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    stream.seek(0)
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


def separator_of(header_line: str) -> str:
    """Excel writes `;` where the decimal mark is a comma: the header's commonest separator."""
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def csv_rows(text: io.TextIOWrapper) -> tuple[list[str], str, Iterator[tuple[int, list[str]]]]:
    """The header, the separator, and (line, cells) for each row: header = line 1, as a
    spreadsheet numbers rows."""
    first = text.readline()
    separator = separator_of(first)
    text.seek(0)
    reader = csv.reader(text, delimiter=separator)
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as exc:
        raise ImportFileError(f"The header cannot be read as CSV ({exc}).") from None
    if not any(header):
        raise ImportFileError("The first line must name the columns; it is blank.")
    return header, separator, _numbered(reader)


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    line = 1
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(f"Row {line} cannot be read as CSV ({exc}).") from None
        yield line, cells


def header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def auto_mapping(header: list[str]) -> dict[str, str]:
    """Each column's field by its header's name; what is not recognised is kept as notes."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in header:
        field = _guess(header_key(column))
        if field in taken and field not in MANY_COLUMNS:
            field = "notes"
        taken.add(field)
        mapping[column] = field
    return mapping


def _guess(key: str) -> str:
    if key in _BY_HEADER:
        return _BY_HEADER[key]
    key = re.sub(r"\d+$", "", key)  # Phone2, Email 3
    if key in _BY_HEADER:
        return _BY_HEADER[key]
    for marker, field in (("mail", "mailingAddress"), ("phone", "phone"), ("email", "email")):
        if marker in key and not (field == "mailingAddress" and "email" in key):
            return field
    return "notes"


def column_mapping(header: list[str], explicit: Mapping[str, object] | None) -> dict[str, str]:
    """The auto mapping with the columns an agent named mapped as they said; refused when it
    names a column the file lacks, a field we do not know, or one field twice."""
    mapping = auto_mapping(header)
    for column, field in (explicit or {}).items():
        if column not in mapping:
            raise ImportFileError(f"The file has no column {column!r}.", field="mapping")
        if field not in FIELDS:
            raise ImportFileError(
                f"{field!r} is not a field; use one of {', '.join(FIELDS)}.", field="mapping"
            )
        mapping[column] = str(field)
    _check_single(mapping, explicit or {})
    if "street" not in mapping.values():
        raise ImportFileError(
            "No column holds the property's street address: name it in the mapping, "
            'e.g. {"Site Address": "street"}. Columns: ' + ", ".join(header),
            field="mapping",
        )
    return mapping


def _check_single(mapping: dict[str, str], explicit: Mapping[str, object]) -> None:
    for field in set(mapping.values()) - MANY_COLUMNS:
        columns = [column for column, f in mapping.items() if f == field]
        named = [column for column in columns if column in explicit]
        if len(columns) > 1 and len(named) > 1:
            raise ImportFileError(
                f"Columns {', '.join(named)} all map to {field}.", field="mapping"
            )
        for column in columns:
            if named and column not in named:
                mapping[column] = "notes"  # the agent's choice wins over a guess
