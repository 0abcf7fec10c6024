"""Permission answers: read once per request, read afresh outside one and after a change."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext

from accounts.models import AgentPermissions
from accounts.permissions import (
    EXPORT,
    SEARCH_ATTOM,
    SKIP_TRACE,
    PermissionAnswersMiddleware,
    permissions_update,
    permitted,
    user_may,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_query_cache")]


def in_a_request(work):
    """What `work()` gives when a request (through the middleware) runs it."""
    answers: list = []

    def view(request: HttpRequest) -> HttpResponse:
        answers.append(work())
        return HttpResponse()

    PermissionAnswersMiddleware(view)(HttpRequest())
    return answers[0]


def test_a_request_reads_a_users_permissions_once(agent, django_assert_num_queries) -> None:
    AgentPermissions.objects.create(user=agent, may_export=False)

    def asks() -> tuple:
        return (
            permitted(agent.pk, SEARCH_ATTOM),
            permitted(agent.pk, EXPORT),
            permitted(agent.pk, SKIP_TRACE),
            user_may(agent),
        )

    with django_assert_num_queries(1):
        search, export, trace, may = in_a_request(asks)
    assert (search, export, trace) == (True, False, True)
    assert may == {SEARCH_ATTOM: True, SKIP_TRACE: True, EXPORT: False}


def test_outside_a_request_every_ask_reads(agent, django_assert_num_queries) -> None:
    with django_assert_num_queries(2):
        assert permitted(agent.pk, EXPORT) and permitted(agent.pk, EXPORT)


def test_a_change_is_seen_by_the_rest_of_the_request(agent) -> None:
    def change() -> tuple[bool, bool]:
        before = permitted(agent.pk, EXPORT)
        permissions_update(user_id=agent.pk, changes={"export": False})
        return before, permitted(agent.pk, EXPORT)

    assert in_a_request(change) == (True, False)
    assert not permitted(agent.pk, EXPORT)


def test_a_superuser_may_do_everything_whatever_the_row(agent) -> None:
    agent.is_superuser = True
    agent.save()
    AgentPermissions.objects.create(user=agent, may_search_attom=False, may_export=False)
    assert in_a_request(lambda: permitted(agent.pk, SEARCH_ATTOM) and permitted(agent.pk, EXPORT))


def test_a_user_without_a_row_may_do_everything(agent) -> None:
    assert in_a_request(lambda: [permitted(agent.pk, p) for p in (SEARCH_ATTOM, EXPORT)]) == [
        True,
        True,
    ]


def _session_user_and_asks(client) -> tuple[Any, dict, bool, int]:
    """A page's request as the session's user: who it is, what the page may show, whether
    it may export (each read the way a page reads them), and the queries those asks made
    once the user was read."""
    from django.contrib.auth import get_user

    seen: list = []

    def view(request: HttpRequest) -> HttpResponse:
        user = get_user(request)
        with CaptureQueriesContext(connection) as asks:
            seen.extend([user, user_may(user), permitted(getattr(user, "pk", None), EXPORT)])
        seen.append(len(asks))
        return HttpResponse()

    request = HttpRequest()
    request.session = client.session
    PermissionAnswersMiddleware(view)(request)
    return seen[0], seen[1], seen[2], seen[3]


def test_the_sessions_user_comes_with_its_permissions(agent, client) -> None:
    AgentPermissions.objects.create(user=agent, may_skip_trace=False)
    client.force_login(agent)
    user, may, export, queries = _session_user_and_asks(client)
    assert user == agent and queries == 0  # read with the user, in its one query
    assert may == {SEARCH_ATTOM: True, SKIP_TRACE: False, EXPORT: True} and export


def test_a_permission_an_admin_revokes_is_refused_on_the_sessions_next_request(
    agent, client
) -> None:
    client.force_login(agent)
    assert _session_user_and_asks(client)[2]
    permissions_update(user_id=agent.pk, changes={"export": False})
    user, may, export, _ = _session_user_and_asks(client)
    assert user == agent and not may[EXPORT] and not export


def test_a_user_without_a_row_or_deactivated_is_read_as_django_reads_them(agent, client) -> None:
    client.force_login(agent)
    assert _session_user_and_asks(client)[1] == {SEARCH_ATTOM: True, SKIP_TRACE: True, EXPORT: True}
    agent.is_active = False
    agent.save()
    user, may, _, _ = _session_user_and_asks(client)
    assert not user.is_authenticated
    assert may == {SEARCH_ATTOM: False, SKIP_TRACE: False, EXPORT: False}
