"""The characters a spreadsheet takes for the start of a formula (`=HYPERLINK(...)`), in one
place: `writer.safe_cell` escapes a cell starting with one, and the export's cheap pre-checks
(in Python and in the database's SQL, `leads.export.sqlcells`) look for the same ones."""

from __future__ import annotations

FORMULA_STARTS = frozenset("=+-@\t\r")


def char_class(chars: frozenset[str] = FORMULA_STARTS) -> str:
    """The characters as a bracket expression that reads the same in a Python regex, a
    PostgreSQL regex and a SQLite GLOB: `-` first (never a range), none of them special
    inside brackets otherwise."""
    ordered = sorted(chars, key=lambda ch: (ch != "-", ch))
    if any(ch in "]^\\!" for ch in ordered):
        raise ValueError("formula characters must not be special inside brackets")
    return "[" + "".join(ordered) + "]"
