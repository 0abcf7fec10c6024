"""The one place that puts addresses into the form LeadFlow dedups on.

Addresses follow USPS Publication 28 through usaddress-scourgify, with two decisions of ours:

- Units. The designators people use interchangeably for "which door" -- APT, APARTMENT, UNIT,
  STE, SUITE, #, NO, NUM, NBR, NUMBER -- all become ``UNIT``: "APT 4", "#4" and "STE 4" are
  "UNIT 4". Designators that name something else (BLDG, FL, LOT, SPC, TRLR, RM, REAR ...) keep
  their Pub 28 abbreviation, so "BLDG 2" never meets "UNIT 2".
- Fallback. What the parser cannot split (PO boxes, rural routes, highway contracts, free text)
  is only cleaned: upper case, single spaces, punctuation dropped except ``#``, ``/``, ``-``
  and ``&``; PO box, rural-route and highway-contract spellings are unified. Two such records
  share a key only when their cleaned text agrees, so when in doubt they stay apart.

Most street lines are plain ("4529 WINONA CT"): a small grammar normalises those with
scourgify's own tables and never reaches the CRF parser, which is the slow part. Its output is
checked against scourgify's in the tests and the benchmark.

Owner names have their own module, `owner_names`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from scourgify import normalize_address_record
from scourgify.address_constants import (
    CITY_ABBREVIATIONS,
    DIRECTIONAL_REPLACEMENTS,
    OCCUPANCY_TYPE_ABBREVIATIONS,
    STATE_ABBREVIATIONS,
    STREET_TYPE_ABBREVIATIONS,
)

# Entries per memo: enough for the repeats within a search's pages or an import's chunks; a
# 100,000-row import passes through them, and 65,536 of each held ~100 MB of its memory.
CACHE_SIZE = 8_192

# --- addresses --------------------------------------------------------------------------------

_GENERIC_UNITS = frozenset(
    {"APT", "APARTMENT", "UNIT", "STE", "SUITE", "#", "NO", "NUM", "NBR", "NUMBER"}
)
_OTHER_UNITS = {
    word: abbr
    for word, abbr in [
        *((abbr, abbr) for abbr in OCCUPANCY_TYPE_ABBREVIATIONS.values()),
        *OCCUPANCY_TYPE_ABBREVIATIONS.items(),
    ]
    if word not in _GENERIC_UNITS
}
_STREET_TYPES = {
    **{abbr: abbr for abbr in STREET_TYPE_ABBREVIATIONS.values()},
    **STREET_TYPE_ABBREVIATIONS,
}
_DIRECTIONS = {
    **{abbr: abbr for abbr in DIRECTIONAL_REPLACEMENTS.values()},
    **DIRECTIONAL_REPLACEMENTS,
}
_STATE_CODES = frozenset(STATE_ABBREVIATIONS.values())
# Words the fast grammar leaves to the parser: they make a line a route, a box or a sentence.
_NOT_A_NAME = (
    set(_DIRECTIONS)
    | _GENERIC_UNITS
    | set(_OTHER_UNITS)
    | {"BOX", "COUNTY", "STATE", "ROUTE", "RTE", "RT", "HIGHWAY", "HWY", "FWY", "EXPY", "FM"}
    | {"RURAL", "US", "AND", "OF", "THE", "SAINT"}
)
# fmt: off
_ORDINALS = (
    "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH", "TENTH",
    "ELEVENTH", "TWELFTH", "THIRTEENTH", "FOURTEENTH", "FIFTEENTH", "SIXTEENTH", "SEVENTEENTH",
    "EIGHTEENTH", "NINETEENTH",
)
# fmt: on
_ORDINAL_WORDS = {word: number for number, word in enumerate(_ORDINALS, start=1)}
_TENS = {
    word: 10 * tens
    for tens, word in enumerate(
        ("TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY"), start=2
    )
}
_ORDINAL_WORDS |= {word[:-1] + "IETH": number for word, number in _TENS.items()}

_FRACTION = re.compile(r"(\d)([\u00bc-\u00be\u2150-\u215e])")  # "123½" -> "123 ½"
_DROPPED = re.compile(r"[.']")  # "P.O." -> "PO", "O'NEIL" -> "ONEIL"
_SPACED = re.compile(r"[^A-Z0-9#&/\- ]")
_UNIT_ID = r"[A-Z0-9]+(?:-[A-Z0-9]+)?"
_TRAILING_UNIT = re.compile(
    r"^(?P<street>.+?) (?P<unit>(?:(?:APT|APARTMENT|UNIT|STE|SUITE|NO|NUM|NBR|NUMBER|BLDG|BUILDING"
    r"|FL|FLOOR|LOT|SPC|SPACE|TRLR|TRAILER|RM|ROOM|OFC|OFFICE|PH|PENTHOUSE)(?: #)?|#) "
    rf"{_UNIT_ID})$"
)
_DIGITS = re.compile(r"\d+")
_BOX_ID = rf"(?=\S*\d){_UNIT_ID}"  # a box number has a digit: "PO BOX" alone is no box
_PO_BOX = re.compile(
    r"^(?:POST OFFICE BOX|POST OFFICE|POSTAL BOX|P ?O ?BOX|P ?O ?B|P ?O)"
    rf"(?: #)? (?P<box>{_BOX_ID})$"
)
_BOX_TAIL = rf"(?:(?: BOX| BX)?(?: #)? (?P<box>{_BOX_ID}))?$"
_RURAL_ROUTE = re.compile(
    rf"^(?:RR|R R|RURAL ROUTE|RURAL RTE|RURAL RT|RFD|R F D) ?(?:#)? ?(?P<route>\d+){_BOX_TAIL}"
)
_HIGHWAY_CONTRACT = re.compile(
    rf"^(?:HC|HCR|H C|HIGHWAY CONTRACT|HWY CONTRACT|STAR ROUTE)(?: ROUTE| RTE| RT)? ?"
    rf"(?P<route>\d+){_BOX_TAIL}"
)
_NAME_WORD = re.compile(r"[A-Z]{3,}|\d+(?:ST|ND|RD|TH)")
_ZIP = re.compile(r"\d{5}(?:-?\d{4})?")


@dataclass(frozen=True, slots=True)
class NormalAddress:
    line: str
    unit: str = ""
    city: str = ""
    state: str = ""
    zip5: str = ""
    zip4: str = ""
    parsed: bool = False


@lru_cache(maxsize=CACHE_SIZE)
def normalize_address(
    street: str, *, unit: str = "", city: str = "", state: str = "", zip_code: str = ""
) -> NormalAddress:
    """Normalise one address; never raises, never returns an empty line for a non-empty street."""
    street = street or ""  # sources send None for what they do not know
    line, street_unit, parsed = _street_parts(_clean(street))
    if not line and street.strip():  # nothing but punctuation: keep it rather than lose the record
        line = " ".join(street.upper().split())
    zip5, zip4 = _split_zip(str(zip_code or ""))
    return NormalAddress(
        line=line,
        unit=_join_units(street_unit, _unit_form(unit or "")),
        city=_normalize_city(city or ""),
        state=_normalize_state(state or ""),
        zip5=zip5,
        zip4=zip4,
        parsed=parsed,
    )


@lru_cache(maxsize=CACHE_SIZE)
def parse_one_line(text: str) -> NormalAddress:
    """Split "STREET[, UNIT], CITY, ST ZIP" (ATTOM's mailingaddressoneline) into its parts.

    Any part may be missing; without commas the city cannot be told from the street and stays
    in the line.
    """
    parts = [part.strip() for part in (text or "").upper().split(",") if part.strip()]
    if not parts:
        return normalize_address("")
    head, state, zip_code = _split_state_zip(parts[-1], state_alone=len(parts) > 1)
    if state or zip_code:
        if head:
            street_parts, city = parts[:-1], head
        elif len(parts) >= 3:
            street_parts, city = parts[:-2], parts[-2]
        else:
            street_parts, city = parts[:-1], ""
    elif len(parts) >= 2 and not _starts_with_unit(parts[-1]):
        street_parts, city = parts[:-1], parts[-1]
    else:
        street_parts, city = parts, ""
    if not street_parts:  # "4529 WINONA CT DENVER CO 80212"
        street_parts, city = [city], ""
    return normalize_address(" ".join(street_parts), city=city, state=state, zip_code=zip_code)


def address_key(addr: NormalAddress) -> str:
    """ "LINE|UNIT|ZIP5", or city and state in place of a missing ZIP; "" when there is no line."""
    if not addr.line:
        return ""
    place = addr.zip5 or f"{addr.city} {addr.state}".strip()
    return f"{addr.line}|{addr.unit}|{place}"


def ascii_upper(text: str) -> str:
    if not text.isascii():
        text = _FRACTION.sub(r"\1 \2", text)
        text = unicodedata.normalize("NFKD", text).replace("\u2044", "/")
        text = text.encode("ascii", "ignore").decode()
    return text.upper()


def plain_upper(text: str) -> str:
    """ASCII upper case with dots and apostrophes dropped and other punctuation made spaces."""
    return _SPACED.sub(" ", _DROPPED.sub("", ascii_upper(text)))


@lru_cache(maxsize=CACHE_SIZE)
def _clean(text: str) -> str:
    text = plain_upper(text).replace("#", " # ")
    return " ".join(token for token in (t.strip("-/") for t in text.split()) if token)


@lru_cache(maxsize=CACHE_SIZE)
def _street_parts(cleaned: str) -> tuple[str, str, bool]:
    """(line, unit, parsed) for a cleaned street line that may carry its unit."""
    if not cleaned:
        return "", "", False
    special = _special_line(cleaned)
    if special:
        return special, "", False
    street, unit = _split_trailing_units(cleaned)
    special = _special_line(street)  # "POB 123 #4"
    if special:
        return special, unit, False
    street = _numbered_street(street)
    fast = _street_fast(street)
    if fast:
        return fast, unit, True
    split = _street_scourgify(street)
    if split is None:
        return street, unit, False
    line, parsed_unit = split
    return line, _join_units(_unit_form(parsed_unit), unit), True


def _split_trailing_units(cleaned: str) -> tuple[str, str]:
    """ "123 MAIN ST BLDG 2 APT 3" -> ("123 MAIN ST", "BLDG 2 UNIT 3")."""
    units: list[str] = []
    while len(units) < 3 and (match := _TRAILING_UNIT.match(cleaned)):
        cleaned = match["street"]
        units.insert(0, match["unit"])
    return cleaned, _unit_form(" ".join(units))


def _special_line(cleaned: str) -> str:
    """PO box, rural route or highway contract in one spelling; "" for anything else."""
    if match := _PO_BOX.match(cleaned):
        return f"PO BOX {match['box']}"
    for pattern, prefix in ((_RURAL_ROUTE, "RR"), (_HIGHWAY_CONTRACT, "HC")):
        if match := pattern.match(cleaned):
            box = f" BOX {match['box']}" if match["box"] else ""
            return f"{prefix} {match['route']}{box}"
    return ""


def _numbered_street(street: str) -> str:
    """ "FIRST ST" -> "1ST ST", "TWENTY-FIRST AVE" -> "21ST AVE"; only just before a street type."""
    tokens = street.replace("-", " - ").split()
    for i in range(1, len(tokens) - 1):
        number = _ORDINAL_WORDS.get(tokens[i])
        if number is None or tokens[i + 1] not in _STREET_TYPES:
            continue
        start = i
        if number < 10 and i >= 3 and tokens[i - 1] == "-" and tokens[i - 2] in _TENS:
            number, start = number + _TENS[tokens[i - 2]], i - 2
        elif number < 10 and i >= 2 and tokens[i - 1] in _TENS:
            number, start = number + _TENS[tokens[i - 1]], i - 1
        tokens[start : i + 1] = [_ordinal(number)]
        break
    return " ".join(tokens).replace(" - ", "-")


def _ordinal(number: int) -> str:
    suffix = {1: "ST", 2: "ND", 3: "RD"}.get(number % 10, "TH")
    return f"{number}{'TH' if 10 <= number % 100 <= 20 else suffix}"


def _street_fast(street: str) -> str | None:
    """NUMBER [DIR] NAME... TYPE [DIR] in Pub 28 form without the parser; None if not that plain.

    Directionals and the final street type take their Pub 28 abbreviations. Name words stay as
    written even when they are street types too ("LAKE SHORE DR"): the parser abbreviates those
    or not depending on their neighbours. A trailing bare number ("CHERRY CT 64") is left to the
    parser, which reads some as a unit and some as part of the name.
    """
    tokens = street.split()
    if len(tokens) < 3 or not tokens[0].isdigit():
        return None
    body = tokens[1:]
    post = _DIRECTIONS[body.pop()] if body[-1] in _DIRECTIONS else ""
    pre = _DIRECTIONS[body.pop(0)] if len(body) > 2 and body[0] in _DIRECTIONS else ""
    if len(body) < 2 or body[-1] not in _STREET_TYPES:
        return None
    names = body[:-1]
    if len(names) > 3 or any(n in _NOT_A_NAME or not _NAME_WORD.fullmatch(n) for n in names):
        return None
    line = (tokens[0], pre, *names, _STREET_TYPES[body[-1]], post)
    return " ".join(part for part in line if part)


def _street_scourgify(street: str) -> tuple[str, str] | None:
    """(line, unit) from scourgify, or None when it cannot split the line cleanly."""
    try:
        record = normalize_address_record(street)
    except Exception:  # any failure of a parser on arbitrary text means "use the fallback"
        return None
    if record.get("city") or record.get("state") or record.get("postal_code"):
        return None  # it read part of a street line as a town: not to be trusted
    line = record.get("address_line_1")
    return (line, record.get("address_line_2") or "") if line else None


@lru_cache(maxsize=CACHE_SIZE)
def _unit_form(text: str) -> str:
    """ "Apt 4", "#4", "STE 4", "4" -> "UNIT 4"; "Building 2 Apt 3" -> "BLDG 2 UNIT 3"."""
    words: list[str] = []
    designated = False  # the last word emitted is a designator awaiting its identifier
    for token in _clean(text).split():
        if token in _GENERIC_UNITS:
            if not designated:
                words.append("UNIT")
                designated = True
        elif token in _OTHER_UNITS:
            if designated and words[-1] == "UNIT":  # "UNIT REAR", "APT BLDG 2": the specific wins
                words.pop()
            words.append(_OTHER_UNITS[token])
            designated = True
        else:
            if not designated:
                words.append("UNIT")
            words.append(token)
            designated = False
    if designated and words[-1] == "UNIT":
        words.pop()
    return " ".join(words)


def _join_units(*units: str) -> str:
    return " ".join(dict.fromkeys(unit for unit in units if unit))


def _normalize_city(city: str) -> str:
    return " ".join(CITY_ABBREVIATIONS.get(word, word) for word in _clean(city).split())


def _normalize_state(state: str) -> str:
    cleaned = _clean(state)
    return STATE_ABBREVIATIONS.get(cleaned, cleaned)


def _split_zip(zip_code: str) -> tuple[str, str]:
    """ "80212-2512" -> ("80212", "2512"); "2134" (a lost leading zero) -> ("02134", "")."""
    groups = _DIGITS.findall(zip_code)
    if len(groups) == 1 and len(groups[0]) == 9:
        groups = [groups[0][:5], groups[0][5:]]
    if not groups or not 3 <= len(groups[0]) <= 5 or int(groups[0]) == 0:
        return "", ""
    zip4 = groups[1].zfill(4) if len(groups) > 1 and len(groups[1]) <= 4 else ""
    return groups[0].zfill(5), zip4


def _split_state_zip(segment: str, *, state_alone: bool) -> tuple[str, str, str]:
    """ "DENVER CO 80212" -> ("DENVER", "CO", "80212"); a state without a ZIP only if allowed."""
    tokens = segment.split()
    zip_code = tokens.pop() if tokens and _ZIP.fullmatch(tokens[-1]) else ""
    state = ""
    if tokens and (zip_code or state_alone):
        for width in (2, 1):
            candidate = " ".join(tokens[-width:])
            if len(tokens) >= width and (
                candidate in _STATE_CODES or candidate in STATE_ABBREVIATIONS
            ):
                state, tokens = candidate, tokens[:-width]
                break
    return " ".join(tokens), state, zip_code


def _starts_with_unit(segment: str) -> bool:
    first = _clean(segment).split(" ", 1)[0]
    return first in _GENERIC_UNITS or first in _OTHER_UNITS
