"""How a refusal by a daily cap reads: the page's message and the API's 429 body.

Pure functions of a `CapExceeded`, shared by every view that can meet one.
"""

from __future__ import annotations

from django.utils import timezone

from billing.guard import CapExceeded, UserCapExceeded
from billing.money import format_dollars, micros_to_cents
from providers.modes import PROVIDER_LABELS
from providers.registry import ATTOM


def cap_refusal_body(error: CapExceeded) -> dict[str, object]:
    """The 429 body; an agent's own limit answers `user_cap_exceeded` with its own figures."""
    return {
        "error": "user_cap_exceeded"
        if isinstance(error, UserCapExceeded)
        else "daily_cap_exceeded",
        "provider": error.provider,
        "capCents": micros_to_cents(error.cap_micros),
        "spentCents": micros_to_cents(error.spent_micros),
        "reservedCents": micros_to_cents(error.reserved_micros),
        "resetsAt": error.resets_at.isoformat(),
        "message": cap_message(error),
    }


def retry_after_seconds(error: CapExceeded) -> int:
    """Until the cap resets (at least 1 s), for the 429's Retry-After header."""
    return max(int((error.resets_at - timezone.now()).total_seconds()), 1)


def cap_message(error: CapExceeded) -> str:
    name = PROVIDER_LABELS.get(error.provider, error.provider)
    if isinstance(error, UserCapExceeded):
        return (
            f"Your daily {name} limit is spent ({format_dollars(error.spent_micros)} "
            f"of {format_dollars(error.cap_micros)}). It resets at "
            f"{error.resets_at:%H:%M} on {error.resets_at:%b %d}; an admin can raise it."
            + FREE_INSTEAD.get(error.provider, "")
        )
    return (
        f"Today's {name} budget is spent ({format_dollars(error.spent_micros)} "
        f"of {format_dollars(error.cap_micros)}"
        + (f", {format_dollars(error.reserved_micros)} in flight" if error.reserved_micros else "")
        + f"). It resets at {error.resets_at:%H:%M} on {error.resets_at:%b %d}."
        + FREE_INSTEAD.get(error.provider, "")
    )


# What still works for free while a provider's budget is spent.
FREE_INSTEAD = {ATTOM: " Untick ATTOM to search the stored leads for free."}
