from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.auth import LAST_USED_RESOLUTION, BearerTokenMiddleware, hash_token, new_token
from accounts.models import AgentPermissions, ApiToken
from accounts.permissions import (
    EXPORT,
    SEARCH_ATTOM,
    SKIP_TRACE,
    PermissionAnswersMiddleware,
    permitted,
    user_may,
)
from billing import guard
from billing.models import DailyCap

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/leads/", "/pipeline/", "/spend/"])
def test_it_redirects_anonymous_pages_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_answers_anonymous_api_calls_with_401_json(client):
    response = client.get("/api/system/status")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"


def test_it_keeps_agents_out_of_django_admin(agent_client):
    response = agent_client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_it_does_not_let_agents_change_caps(agent_client):
    response = agent_client.post(
        "/admin/billing/dailycap/add/", {"provider": "batch", "cents": "1"}
    )
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not DailyCap.objects.exists()


def test_it_lets_admins_edit_a_cap_in_cents(admin_client):
    response = admin_client.post(
        "/admin/billing/dailycap/add/", {"provider": "batch", "cents": "12.5"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DailyCap.objects.get(provider="batch").cap_micros == 125_000


def test_it_accepts_a_bearer_token(client, agent):
    call_command("create_api_token", "agent", stdout=_Sink(), stderr=_Sink())
    raw = _Sink.last
    assert ApiToken.objects.get().token_hash == hash_token(raw)
    response = client.get("/api/system/status", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_it_rejects_an_unknown_bearer_token(client):
    response = client.get("/api/system/status", HTTP_AUTHORIZATION="Bearer lf_nope")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_it_shows_the_admin_link_to_staff_only(client, agent, admin_user):
    client.force_login(agent)
    assert b'href="/admin/"' not in client.get("/").content
    client.force_login(admin_user)
    assert b'href="/admin/"' in client.get("/").content


class _Sink:
    last = ""

    def write(self, text: str) -> None:
        if text.strip().startswith("lf_"):
            _Sink.last = text.strip()

    def flush(self) -> None:
        pass


def test_it_applies_a_cap_edited_in_admin_to_the_very_next_reservation(admin_client):
    guard.reserve(provider="batch", amount_micros=70_000, operation="skip_trace")
    response = admin_client.post(
        "/admin/billing/dailycap/add/", {"provider": "batch", "cents": "10"}
    )
    assert response.status_code == 302
    with pytest.raises(guard.CapExceeded) as refused:
        guard.reserve(provider="batch", amount_micros=70_000, operation="skip_trace")
    assert refused.value.cap_micros == 100_000
    cap = DailyCap.objects.get(provider="batch")
    response = admin_client.post(
        f"/admin/billing/dailycap/{cap.pk}/change/", {"provider": "batch", "cents": "14"}
    )
    assert response.status_code == 302
    guard.reserve(provider="batch", amount_micros=70_000, operation="skip_trace")


def _token(user, **fields) -> str:
    raw = new_token()
    ApiToken.objects.create(user=user, token_hash=hash_token(raw), **fields)
    return raw


def test_it_never_lets_a_token_into_django_admin(client, admin_user):
    raw = _token(admin_user)
    response = client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get("/api/system/status", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


@pytest.mark.parametrize("path", ["/", "/leads/", "/spend/", "/admin/billing/dailycap/"])
def test_it_never_lets_a_token_onto_the_pages(client, admin_user, path):
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {_token(admin_user)}")
    assert response.status_code == 302


def test_it_refuses_an_expired_token(client, agent):
    raw = _token(agent, expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/system/status", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_it_accepts_a_token_before_it_expires(client, agent):
    raw = _token(agent, expires_at=timezone.now() + dt.timedelta(days=1))
    response = client.get("/api/system/status", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_it_refuses_a_revoked_token(client, agent, admin_client):
    raw = _token(agent)
    token = ApiToken.objects.get()
    response = admin_client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = client.get("/api/system/status", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_it_creates_a_token_that_expires_after_the_days_asked(agent):
    call_command("create_api_token", "agent", "--days", "7", stdout=_Sink(), stderr=_Sink())
    expires_at = ApiToken.objects.get().expires_at
    assert expires_at is not None
    assert dt.timedelta(days=6, hours=23) < expires_at - timezone.now() <= dt.timedelta(days=7)


def test_it_refuses_a_token_of_a_deactivated_user(client, agent):
    raw = _token(agent)
    agent.is_active = False
    agent.save()
    response = client.get("/api/system/status", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_it_notes_a_tokens_use_at_most_once_a_minute(client, agent):
    raw = _token(agent)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/system/status", **headers).status_code == 200
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    assert client.get("/api/system/status", **headers).status_code == 200
    assert ApiToken.objects.get().last_used_at == first  # no write for the second call
    ApiToken.objects.update(last_used_at=first - LAST_USED_RESOLUTION)
    assert client.get("/api/system/status", **headers).status_code == 200
    later = ApiToken.objects.get().last_used_at
    assert later is not None and later > first


def test_a_token_call_reads_its_token_user_permissions_and_address_in_one_query(
    client, agent, django_assert_num_queries
):
    AgentPermissions.objects.create(user=agent, may_export=False)
    raw = _token(agent)
    client.get("/api/leads", HTTP_AUTHORIZATION=f"Bearer {raw}")  # notes the token's use
    request = RequestFactory().get("/api/leads", HTTP_AUTHORIZATION=f"Bearer {raw}")
    seen: dict = {}

    def view(request):
        seen["user"], seen["may"] = request.user, user_may(request.user)
        seen["export"] = permitted(request.user.pk, EXPORT)
        return HttpResponse()

    middleware = PermissionAnswersMiddleware(BearerTokenMiddleware(view))
    with django_assert_num_queries(1):
        assert middleware(request).status_code == 200
    assert seen["user"] == agent and seen["export"] is False
    assert seen["may"] == {SEARCH_ATTOM: True, SKIP_TRACE: True, EXPORT: False}


def test_a_token_of_a_user_without_permissions_row_may_do_everything(client, agent):
    raw = _token(agent)
    request = RequestFactory().get("/api/leads", HTTP_AUTHORIZATION=f"Bearer {raw}")
    seen: dict = {}

    def view(request):
        seen["may"] = user_may(request.user)
        return HttpResponse()

    PermissionAnswersMiddleware(BearerTokenMiddleware(view))(request)
    assert seen["may"] == {SEARCH_ATTOM: True, SKIP_TRACE: True, EXPORT: True}


def test_a_locked_out_address_is_refused_with_a_good_token_and_the_token_is_not_used(
    client, agent, settings
):
    raw = _token(agent)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.get(
            "/api/leads", HTTP_AUTHORIZATION=f"Bearer lf_bad{attempt}", REMOTE_ADDR="10.9.9.9"
        )
    locked = client.get("/api/leads", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.9.9.9")
    assert locked.status_code == 429
    assert ApiToken.objects.get(user=agent).last_used_at is None
