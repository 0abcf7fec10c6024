"""Logins and bearer tokens lock out with backoff, per user name and per address."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings

from accounts import throttle

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def _login(client, username, password, address="10.9.8.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_it_locks_a_user_out_after_the_failure_limit_even_with_the_right_password(client, agent):
    for attempt in range(LIMIT - 1):
        assert _login(client, "agent", f"wrong-{attempt}").status_code == 200
    assert _login(client, "agent", "wrong-again").status_code == 429  # the limit: locked out
    response = _login(client, "agent", "agent-pass-123")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_locks_a_user_name_out_whatever_address_the_guesses_come_from(client, agent):
    for attempt in range(LIMIT):
        _login(client, "agent", "wrong", address=f"10.0.0.{attempt + 1}")
    assert _login(client, "agent", "agent-pass-123", address="10.0.1.1").status_code == 429


def test_it_locks_an_address_out_whatever_user_names_it_tries(client, agent):
    for attempt in range(LIMIT):
        _login(client, f"someone-{attempt}", "wrong", address="10.7.7.7")
    assert _login(client, "agent", "agent-pass-123", address="10.7.7.7").status_code == 429
    assert _login(client, "agent", "agent-pass-123", address="10.7.7.8").status_code == 302


def test_it_lets_the_right_password_in_below_the_limit(client, agent):
    for _ in range(LIMIT - 1):
        _login(client, "agent", "wrong")
    assert _login(client, "agent", "agent-pass-123").status_code == 302


def test_it_doubles_the_cool_off_with_each_failure_past_the_limit(client, agent, rf):
    for _ in range(LIMIT + 3):
        _login(client, "agent", "wrong")
    request = rf.post("/accounts/login/", {"username": "agent"}, REMOTE_ADDR="10.9.8.7")
    assert throttle.cool_off(request) == throttle.BASE_COOL_OFF * 2**3


def test_it_lets_the_user_in_again_once_the_cool_off_is_over(client, agent):
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(LIMIT):
            _login(client, "agent", "wrong")
        assert _login(client, "agent", "agent-pass-123").status_code == 429
    # The refused right password was a failure too: LIMIT + 1 failures, 2 minutes' cool-off.
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 3, tzinfo=dt.UTC), tick=False):
        assert _login(client, "agent", "agent-pass-123").status_code == 302


def test_it_keeps_the_cool_off_bounded_however_many_failures(rf):
    AccessAttempt.objects.create(
        username="agent", ip_address="10.1.1.1", user_agent="", failures_since_start=10_000,
        get_data="", post_data="", http_accept="", path_info="/accounts/login/",
    )  # fmt: skip
    request = rf.post("/accounts/login/", {"username": "agent"}, REMOTE_ADDR="10.1.1.1")
    assert throttle.cool_off(request) == throttle.MAX_COOL_OFF


def test_it_locks_an_address_out_after_bad_bearer_tokens(client, agent):
    from accounts.auth import hash_token
    from accounts.models import ApiToken

    ApiToken.objects.create(user=agent, token_hash=hash_token("lf_good"))
    for attempt in range(LIMIT):
        response = client.get(
            "/api/system/status", HTTP_AUTHORIZATION=f"Bearer lf_bad{attempt}",
            REMOTE_ADDR="10.5.5.5",
        )  # fmt: skip
        assert response.status_code == 401
    locked = client.get(
        "/api/system/status", HTTP_AUTHORIZATION="Bearer lf_good", REMOTE_ADDR="10.5.5.5"
    )
    assert locked.status_code == 429
    assert locked.json()["error"] == "locked_out"
    other = client.get(
        "/api/system/status", HTTP_AUTHORIZATION="Bearer lf_good", REMOTE_ADDR="10.5.5.6"
    )
    assert other.status_code == 200


def test_an_address_without_failures_is_checked_in_one_query(rf, django_assert_num_queries):
    request = rf.get("/api/leads", REMOTE_ADDR="10.5.5.7")
    with django_assert_num_queries(1):
        assert not throttle.token_address_locked(request)
    AccessAttempt.objects.create(
        ip_address="10.5.5.7", user_agent="", path_info="/api/leads", failures_since_start=1,
        get_data="", post_data="", http_accept="",
    )  # fmt: skip
    assert not throttle.token_address_locked(rf.get("/api/leads", REMOTE_ADDR="10.5.5.7"))


def test_it_counts_one_name_however_its_case_and_spacing_change(client, agent):
    for spelling in ["Agent", "AGENT", " agent", "agent ", "aGeNt"][:LIMIT]:
        _login(client, spelling, "wrong", address=f"10.3.3.{len(spelling) + ord(spelling[1])}")
    assert _login(client, "agent", "agent-pass-123", address="10.3.4.1").status_code == 429
