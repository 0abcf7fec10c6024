"""The one place that puts owner names into the form LeadFlow dedups on.

Owner names are upper case without punctuation. A person's canonical form is "LAST GIVEN
SUFFIX" ("MARTIN JEREMY A JR"), whether written "MARTIN, JEREMY A JR" or "JEREMY A MARTIN JR";
without a comma a name is read FIRST ... LAST. Displays are upper case too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from leads.search.normalize import CACHE_SIZE, ascii_upper, plain_upper

Owner = tuple[str, str] | str  # (first_and_mi, last) as ATTOM gives it, or one whole name

_NAME_PUNCT = re.compile(r"[^A-Z0-9,&\- ]")
_AND = re.compile(r"\bAND\b")
_AND_OTHERS = re.compile(r"\bET ?(?:AL|UX|VIR)\b")  # "and others", "and wife": not a name
_SUFFIXES = {"JR": "JR", "JUNIOR": "JR", "SR": "SR", "SENIOR": "SR", "II": "II", "2ND": "II"}
_SUFFIXES |= {"III": "III", "3RD": "III", "IV": "IV"}
_SURNAME_PARTICLES = frozenset(
    {"VAN", "VON", "DER", "DEN", "DE", "DEL", "DELA", "LA", "LE", "DI", "DA", "DU", "DOS", "ST"}
)
_INITIALS = re.compile(r"\b[A-Z](?: [A-Z]\b)+")  # "L L C", "A B C" -> "LLC", "ABC"
_ENTITY_WORDS = {
    "INCORPORATED": "INC",
    "CORPORATION": "CORP",
    "COMPANY": "CO",
    "LIMITED": "LTD",
    "TR": "TRUST",
    "TRST": "TRUST",
    "TTEE": "TRUSTEE",
    "TTEES": "TRUSTEES",
    "AND": "&",
}
_TRUST_WORDS = {"REV": "REVOCABLE", "IRREV": "IRREVOCABLE", "LIV": "LIVING", "FAM": "FAMILY"}
_ENTITY_MARKERS = frozenset(
    {
        "LLC", "INC", "CORP", "LTD", "LP", "LLP", "LLLP", "PLLC", "FSB",
        "TRUST", "TRUSTEE", "TRUSTEES", "BANK", "BANCORP", "HOLDINGS", "HOLDING", "PROPERTIES",
        "PROPERTY", "INVESTMENTS", "INVESTMENT", "INVESTORS", "REALTY", "VENTURES", "PARTNERS",
        "PARTNERSHIP", "ASSOCIATES", "ASSOCIATION", "ASSN", "GROUP", "CAPITAL", "FUND",
        "ENTERPRISES", "DEVELOPMENT", "HOMES", "MANAGEMENT", "MGMT", "MORTGAGE",
        "MINISTRIES", "FOUNDATION", "UNIVERSITY", "SCHOOL", "DISTRICT", "AUTHORITY", "HOA",
        "CONDOMINIUM", "SOCIETY", "FEDERAL", "NATIONAL", "FNMA", "FHLMC", "HUD", "ESTATE",
        "BAPTIST", "METHODIST", "LUTHERAN", "PRESBYTERIAN", "CATHOLIC", "EPISCOPAL", "DIOCESE",
        "ARCHDIOCESE", "PARISH", "CONGREGATION",
    }
)  # fmt: skip
# Markers that could be a person's initials run together ("JOHN P A SMITH") count only last.
_ENTITY_LAST_WORDS = frozenset({"CO", "PA", "PC", "NA"})
# CHURCH alone is a surname too ("JOHN CHURCH"), so it marks an entity only in these phrases.
_ENTITY_PHRASES = re.compile(
    r"\b(?:ESTATE|CITY|COUNTY|STATE|TOWN|VILLAGE|TOWNSHIP|SECRETARY|DEPARTMENT|DEPT|CHURCH) OF\b"
    r"|\bCREDIT UNION\b|\bUNITED STATES\b|\bHOUSING AUTHORITY\b"
)


@dataclass(frozen=True, slots=True)
class _Person:
    last: str
    given: str = ""
    suffix: str = ""

    @property
    def canonical(self) -> str:
        return " ".join(part for part in (self.last, self.given, self.suffix) if part)

    @property
    def display(self) -> str:
        return " ".join(part for part in (self.given, self.last, self.suffix) if part)


@lru_cache(maxsize=CACHE_SIZE)
def normalize_person_name(text: str) -> str:
    """ "MARTIN, JEREMY A." and "Jeremy A Martin" -> "MARTIN JEREMY A"; the first of a couple."""
    people = _people(text)
    return people[0].canonical if people else ""


@lru_cache(maxsize=CACHE_SIZE)
def normalize_entity_name(text: str) -> str:
    """ "The Smith Family Rev. Tr." -> "SMITH FAMILY REVOCABLE TRUST"; "A.B.C. L.L.C." -> "ABC LLC".

    Initials run together, suffixes take one spelling, a leading or trailing THE goes; the
    wording of trusts (REVOCABLE, LIVING, FAMILY) is kept, spelled out.
    """
    cleaned = plain_upper(text)
    cleaned = _INITIALS.sub(lambda m: m[0].replace(" ", ""), " ".join(cleaned.split()))
    words = [_ENTITY_WORDS.get(word, word) for word in cleaned.replace("#", " ").split()]
    if "TRUST" in words:
        words = [_TRUST_WORDS.get(word, word) for word in words]
    while words and words[0] == "THE":
        words.pop(0)
    while words and words[-1] == "THE":  # "SMITH TRUST, THE"
        words.pop()
    return " ".join(words)


# A word (run of letters and digits) one of these must be for a name to read as an entity:
# the markers, the words that become one (TR, INCORPORATED, COMPANY), and a phrase's word.
_ENTITY_HINTS = frozenset(
    {*_ENTITY_MARKERS, *_ENTITY_LAST_WORDS, "OF", "UNION", "STATES", "AUTHORITY"}
    | {word for word, to in _ENTITY_WORDS.items() if to in _ENTITY_MARKERS | _ENTITY_LAST_WORDS}
)
_NOT_WORD = re.compile(r"[^A-Z0-9]+")


@lru_cache(maxsize=CACHE_SIZE)
def is_entity(text: str) -> bool:
    collapsed = " ".join(plain_upper(text).split())
    if not _INITIALS.search(collapsed) and _ENTITY_HINTS.isdisjoint(_NOT_WORD.split(collapsed)):
        return False  # most people's names: no word could make an entity, none run together
    words = normalize_entity_name(text).split()
    return bool(
        _ENTITY_MARKERS.intersection(words)
        or (words and words[-1] in _ENTITY_LAST_WORDS)
        or _ENTITY_PHRASES.search(" ".join(words))
    )


def owner_key(owners: Sequence[Owner], *, corporate: bool | None = None) -> str:
    """The canonical name of the primary (first non-empty) owner; "" when there is none.

    ``corporate=True`` forces entity treatment; otherwise the name decides, because sources mark
    trusts and estates as non-corporate while we want their names normalised as entities.
    """
    for first, last in _owner_pairs(owners):
        return _owner_key(first, last, corporate is True)
    return ""


def owner_display(owners: Sequence[Owner]) -> str:
    """ "JEREMY A & MEGAN L MARTIN", "JEREMY A MARTIN & MEGAN L JONES", "ACME HOLDINGS LLC"."""
    groups: list[tuple[str, list[str]]] = []  # (last name, given names), or (entity, [])
    for first, last in _owner_pairs(owners):
        whole = f"{first} {last}".strip()
        if is_entity(whole):
            groups.append((normalize_entity_name(whole), []))
            continue
        people = [_person_from_pair(first, last)] if first else _people(last)
        for person in people:
            shares_surname = bool(groups and groups[-1][1] and groups[-1][0] == person.last)
            if shares_surname and person.given and not person.suffix:
                groups[-1][1].append(person.given)
            elif person.given and not person.suffix:
                groups.append((person.last, [person.given]))
            else:
                groups.append((person.display, []))
    return " & ".join(" & ".join(given) + f" {name}" if given else name for name, given in groups)


def _owner_pairs(owners: Sequence[Owner]) -> list[tuple[str, str]]:
    pairs = []
    for owner in owners:
        if isinstance(owner, str):
            first, last = "", owner.strip()
        else:
            first, last = owner or ("", "")
            first, last = (first or "").strip(), (last or "").strip()
        if first or last:
            pairs.append((first, last))
    return pairs


@lru_cache(maxsize=CACHE_SIZE)
def _owner_key(first: str, last: str, corporate: bool) -> str:
    whole = f"{first} {last}".strip()
    if corporate or is_entity(whole):
        return normalize_entity_name(whole)
    if not first:
        return normalize_person_name(last)
    return _person_from_pair(first, last).canonical


@lru_cache(maxsize=CACHE_SIZE)
def _person_from_pair(first: str, last: str) -> _Person:
    """`_person` of the two names' words, each name read once (given names and surnames
    repeat far more often than the pairs of them)."""
    surname, surname_suffix = _name_words(last)
    given, given_suffix = _name_words(first)
    both = surname_suffix and given_suffix and surname_suffix != given_suffix
    return _Person(
        surname,
        given,
        f"{surname_suffix} {given_suffix}" if both else surname_suffix or given_suffix,
    )


@lru_cache(maxsize=CACHE_SIZE)
def _name_words(text: str) -> tuple[str, str]:
    """A given name's or a surname's words without suffixes, and the suffixes."""
    words, suffix = _without_suffixes(_clean_name(text).split("&")[0].replace(",", " ").split())
    return " ".join(words), suffix


def _clean_name(text: str) -> str:
    text = _NAME_PUNCT.sub(" ", ascii_upper(text).replace("'", ""))
    return _AND_OTHERS.sub(" ", _AND.sub("&", text))


@lru_cache(maxsize=CACHE_SIZE)
def _people(text: str) -> tuple[_Person, ...]:
    """Everyone named in one string: "MARTIN, JEREMY A & MEGAN L", "JEREMY A & MEGAN L MARTIN"."""
    segments = [seg for seg in _clean_name(text).split("&") if seg.strip(" ,-")]
    people: list[_Person] = []
    for i, segment in enumerate(segments):
        if _only_suffixes_after_comma(segment):  # "JEREMY A MARTIN, JR" is FIRST LAST
            segment = segments[i] = segment.replace(",", " ")
        if "," in segment:
            surname, _, given = segment.partition(",")
            people.append(_person(surname.split(), given.replace(",", " ").split()))
        elif people and "," in segments[i - 1]:  # "MARTIN, JEREMY A & MEGAN L": same surname
            people.append(_person(people[-1].last.split(), segment.split()))
        elif _given_names_only(segment) and i + 1 < len(segments):
            following = _first_last(segments[i + 1].replace(",", " ").split())
            people.append(_person(following.last.split(), segment.split()))
        else:
            people.append(_first_last(segment.split()))
    return tuple(people)


def _only_suffixes_after_comma(segment: str) -> bool:
    tail = segment.partition(",")[2].replace(",", " ").split()
    return bool(tail) and all(token in _SUFFIXES for token in tail)


def _given_names_only(segment: str) -> bool:
    """ "JEREMY" or "JEREMY A" before "& MEGAN L MARTIN" carries no surname of its own."""
    tokens = segment.split()
    return len(tokens) == 1 or (len(tokens) == 2 and len(tokens[1]) == 1)


def _first_last(tokens: list[str]) -> _Person:
    """FIRST [MIDDLE] LAST [SUFFIX]; surname particles ("VAN", "DE LA") stay with the surname."""
    tokens, suffix = _without_suffixes(tokens)
    if len(tokens) <= 1:
        return _Person(last=" ".join(tokens), suffix=suffix)
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1] in _SURNAME_PARTICLES:
        start -= 1
    return _Person(" ".join(tokens[start:]), " ".join(tokens[:start]), suffix)


def _person(surname: list[str], given: list[str]) -> _Person:
    surname, surname_suffix = _without_suffixes(surname)
    given, given_suffix = _without_suffixes(given)
    suffix = " ".join(dict.fromkeys(s for s in (surname_suffix, given_suffix) if s))
    return _Person(" ".join(surname), " ".join(given), suffix)


def _without_suffixes(tokens: list[str]) -> tuple[list[str], str]:
    """Pull JR/SR/II/III/IV out of a name, never its first word ("J R SMITH" keeps its J R)."""
    tokens = [token.strip("-") for token in tokens if token.strip("-")]
    kept = tokens[:1] + [t for t in tokens[1:] if t not in _SUFFIXES]
    suffixes = [_SUFFIXES[t] for t in tokens[1:] if t in _SUFFIXES]
    return kept, " ".join(dict.fromkeys(suffixes))
