"""Per-agent daily limits: held in the same transaction as the team's reservation, refused
with the agent's own figures, and never touching the team's counter when they refuse."""

from __future__ import annotations

import pytest

from billing import guard
from billing.errors import cap_refusal_body
from billing.models import LedgerEntry, Outcome, SpendDay, UserDailyLimit, UserSpendDay
from providers.http import CallInfo

pytestmark = pytest.mark.django_db

PRICE = 70_000  # one BatchData match, 7 cents


def limit(user, provider: str, micros: int) -> None:
    UserDailyLimit.objects.create(user=user, provider=provider, limit_micros=micros)


def call() -> CallInfo:
    return CallInfo(provider="batch", operation="skip_trace", http_status=200, attempts=1)


def paid(user) -> None:
    reservation = guard.reserve(
        provider="batch", amount_micros=PRICE, operation="skip_trace", user_id=user.pk
    )
    guard.settle(reservation, cost_micros=PRICE, call=call(), units=1)


def test_it_refuses_past_the_agents_limit_with_the_agents_figures(agent):
    limit(agent, "batch", 2 * PRICE)
    paid(agent)
    paid(agent)
    with pytest.raises(guard.UserCapExceeded) as refused:
        paid(agent)
    error = refused.value
    assert isinstance(error, guard.CapExceeded)  # every cap handler stops on it too
    assert (error.cap_micros, error.spent_micros, error.user_id) == (2 * PRICE, 2 * PRICE, agent.pk)
    body = cap_refusal_body(error)
    assert body["error"] == "user_cap_exceeded"
    assert (body["provider"], body["capCents"], body["spentCents"]) == ("batch", 14, 14)
    assert body["resetsAt"]


def test_it_leaves_the_team_counter_alone_when_the_agent_is_refused(agent):
    limit(agent, "batch", PRICE)
    paid(agent)
    before = SpendDay.objects.get(provider="batch")
    with pytest.raises(guard.UserCapExceeded):
        paid(agent)
    after = SpendDay.objects.get(provider="batch")
    assert (after.settled_micros, after.reserved_micros, after.requests, after.refusals) == (
        before.settled_micros, 0, before.requests, before.refusals,
    )  # fmt: skip
    mine = UserSpendDay.objects.get(user=agent, provider="batch")
    assert (mine.settled_micros, mine.reserved_micros, mine.refusals) == (PRICE, 0, 1)
    refusal = LedgerEntry.objects.get(outcome=Outcome.REFUSED)
    assert (refusal.user_id, refusal.cost_micros) == (agent.pk, 0)


def test_it_counts_what_was_spent_before_the_limit_was_set(agent):
    paid(agent)
    paid(agent)
    limit(agent, "batch", 2 * PRICE)
    with pytest.raises(guard.UserCapExceeded):
        paid(agent)


def test_it_gives_the_agent_back_what_a_release_frees(agent):
    limit(agent, "batch", PRICE)
    reservation = guard.reserve(
        provider="batch", amount_micros=PRICE, operation="skip_trace", user_id=agent.pk
    )
    assert UserSpendDay.objects.get(user=agent).reserved_micros == PRICE
    guard.release(reservation)
    paid(agent)  # the released money is the agent's again
    mine = UserSpendDay.objects.get(user=agent)
    assert (mine.settled_micros, mine.reserved_micros) == (PRICE, 0)


def test_it_settles_the_actual_cost_on_the_agents_counter(agent):
    reservation = guard.reserve(
        provider="batch", amount_micros=3 * PRICE, operation="skip_trace", user_id=agent.pk
    )
    guard.settle(reservation, cost_micros=PRICE, call=call(), units=1)
    mine = UserSpendDay.objects.get(user=agent)
    assert (mine.settled_micros, mine.reserved_micros) == (PRICE, 0)


def test_it_limits_one_agent_and_not_another(agent, django_user_model):
    other = django_user_model.objects.create_user("other")
    limit(agent, "batch", 0)
    with pytest.raises(guard.UserCapExceeded):
        paid(agent)
    paid(other)


def test_it_limits_one_provider_and_not_another(agent):
    limit(agent, "twilio", 0)
    paid(agent)


def test_it_still_refuses_at_the_team_cap_first(agent, settings):
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "batch": PRICE - 1}
    limit(agent, "batch", 10 * PRICE)
    with pytest.raises(guard.CapExceeded) as refused:
        paid(agent)
    assert not isinstance(refused.value, guard.UserCapExceeded)
    assert UserSpendDay.objects.get(user=agent).reserved_micros == 0
