"""What a search asks for, as a domain value: the area, the property filters, the page and
whether ATTOM may be asked. Forms and the API build it; services take nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from leads.search.areas import Area

if TYPE_CHECKING:  # selectors import this module
    from leads.selectors import LeadFilters

DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class PropertyFilters:
    """Filters ATTOM applies itself (and the stored-lead search applies the same way)."""

    absentee: bool | None = None  # True: absentee owners only; False: owner-occupied only
    property_type: str = ""  # ATTOM's value, e.g. "SFR"
    min_beds: int | None = None
    max_beds: int | None = None
    min_value: int | None = None  # AVM, whole dollars
    max_value: int | None = None


@dataclass(frozen=True)
class SearchQuery:
    area: Area
    filters: PropertyFilters = field(default_factory=PropertyFilters)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    use_attom: bool = True  # False: stored leads only, free
    # Filters ATTOM cannot apply (equity %, years owned, owner type…): they narrow what it
    # returned, which it bills for all the same; on stored leads they apply in the query.
    narrowing: LeadFilters | None = None
