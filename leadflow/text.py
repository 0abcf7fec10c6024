"""Words for people: a count with its noun in the right number ("1 lead", "7 matches")."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` and the noun agreeing with it; the plural is `singular + "s"` unless given."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"
