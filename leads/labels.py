"""Labels people type in different ways: one form to compare them in."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s_\-/]+")


def normalize_label(label: str) -> str:
    """`Not_Interested`, `NOT-INTERESTED ` and `not interested` are one label."""
    return _SEPARATORS.sub(" ", label).strip().casefold()
