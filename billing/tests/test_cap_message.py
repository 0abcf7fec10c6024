from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from billing.errors import cap_message
from billing.refusals import CapExceeded, UserCapExceeded

FREE = "Untick ATTOM to search the stored leads for free."


def refusal(provider: str, *, cls: type[CapExceeded] = CapExceeded, **extra) -> CapExceeded:
    return cls(
        provider=provider,
        cap_micros=15_000_000,
        spent_micros=14_900_000,
        reserved_micros=0,
        needed_micros=2_500_000,
        resets_at=timezone.now() + dt.timedelta(hours=3),
        **extra,
    )


def test_it_tells_an_agent_at_the_attom_cap_that_stored_leads_are_free():
    message = cap_message(refusal("attom"))

    assert message.startswith("Today's ATTOM budget is spent ($14.90 of $15.00).")
    assert message.endswith(FREE)


def test_it_says_so_for_an_agents_own_attom_limit_too():
    assert cap_message(refusal("attom", cls=UserCapExceeded, user_id=1)).endswith(FREE)


@pytest.mark.parametrize("provider", ["batch", "twilio", "openai"])
def test_it_offers_no_free_search_for_other_providers(provider):
    assert "Untick ATTOM" not in cap_message(refusal(provider))
