"""Every URL pattern of the resolver × anonymous, agent, admin and API token.

A new URL fails this test until it has an entry here, so nobody adds a page without saying
who may reach it. Django admin's patterns (every model an app registers) share one rule:
staff only, by session; a token never gets in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.auth import hash_token, new_token
from accounts.models import ApiToken
from leads.models import BulkTraceJob
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

IDENTITIES = ("anonymous", "agent", "admin", "token")

# What an identity gets: the rule's name → a check of the response.
LOGIN, ADMIN_LOGIN, IN, STAFF_IN, DENIED, HIDDEN = (
    "login page", "admin login", "in", "in (staff)", "401", "404",
)  # fmt: skip
PAGE = {"anonymous": LOGIN, "agent": IN, "admin": IN, "token": LOGIN}
API = {"anonymous": DENIED, "agent": IN, "admin": IN, "token": IN}
OWN_JOB_PAGE = {"anonymous": LOGIN, "agent": HIDDEN, "admin": IN, "token": LOGIN}
OWN_JOB_API = {"anonymous": DENIED, "agent": HIDDEN, "admin": IN, "token": HIDDEN}
PUBLIC = dict.fromkeys(IDENTITIES, IN)
ADMIN = {"anonymous": ADMIN_LOGIN, "agent": ADMIN_LOGIN, "admin": STAFF_IN, "token": ADMIN_LOGIN}

# route → (method, rule). The bulk jobs on these URLs belong to another user.
MATRIX: dict[str, tuple[str, dict[str, str]]] = {
    "accounts/login/": ("GET", PUBLIC),
    "accounts/logout/": ("POST", dict.fromkeys(IDENTITIES, LOGIN)),  # logged out, or never in
    "": ("GET", PAGE),
    "spend/": ("GET", PAGE),
    "leads/": ("GET", PAGE),
    "leads/<id:lead_id>/": ("GET", PAGE),
    "leads/<id:lead_id>/skiptrace/": ("GET", PAGE),
    "leads/<id:lead_id>/skiptrace/run/": ("POST", PAGE),
    "leads/<id:lead_id>/do-not-call/": ("POST", PAGE),
    "leads/bulk-skiptrace/preview/": ("POST", PAGE),
    "leads/bulk-skiptrace/": ("POST", PAGE),
    "leads/bulk-skiptrace/<id:job_id>/": ("GET", OWN_JOB_PAGE),
    "leads/export.csv": ("GET", PAGE),
    "pipeline/": ("GET", PAGE),
    "pipeline/move/": ("POST", PAGE),
    "pipeline/<str:stage>/": ("GET", PAGE),
    "api/system/status": ("GET", API),
    "api/spend": ("GET", API),
    "api/leads": ("GET", API),
    "api/leads/<id:lead_id>": ("GET", API),
    "api/search": ("GET", API),
    "api/leads/<id:lead_id>/skiptrace": ("POST", API),
    "api/leads/<id:lead_id>/move": ("POST", API),
    "api/bulk-traces": ("POST", API),
    "api/bulk-traces/preview": ("POST", API),
    "api/bulk-traces/<id:job_id>": ("GET", OWN_JOB_API),
    "api/leads/export.csv": ("GET", API),
    # Django admin's own pages outside the models.
    "admin/login/": ("GET", {**PUBLIC, "admin": STAFF_IN}),
    "admin/logout/": ("POST", {**PUBLIC, "admin": LOGIN}),
}


def routes() -> Iterator[str]:
    def walk(patterns, prefix: str = "") -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return walk(get_resolver().url_patterns)


def entry(route: str) -> tuple[str, dict[str, str]]:
    if route in MATRIX:
        return MATRIX[route]
    if route.startswith("admin/"):
        return "GET", ADMIN
    raise AssertionError(f"{route!r} has no entry in the authorization matrix")


def url_of(route: str, *, lead_id: int, job_id: int) -> str:
    url = "/" + route.replace("<id:lead_id>", str(lead_id)).replace("<id:job_id>", str(job_id))
    url = url.replace("<str:stage>", "new")
    url = re.sub(r"<(?:\w+:)?\w+>", "1", url)  # admin's object ids
    url = re.sub(r"\^\(\?P<app_label>[^)]*\)/\$", "billing/", url)
    return url.replace("(?P<url>.*)$", "nowhere/")


def holds(rule: str, response: HttpResponseBase) -> bool:
    status, location = response.status_code, response.get("Location", "")
    if rule == LOGIN:
        return status == 302 and location.startswith("/accounts/login/")
    if rule == ADMIN_LOGIN:
        return status == 302 and location.startswith("/admin/login/")
    if rule == DENIED:
        return status == 401
    if rule == HIDDEN:
        return status == 404
    let_in = status < 500 and not location.startswith(("/accounts/login/", "/admin/login/"))
    if rule == STAFF_IN:
        return let_in
    return let_in and status not in (401, 403, 404)


@pytest.fixture
def world(settings, django_user_model, admin_user):
    settings.SANDBOX_PROVIDERS = True
    settings.DAILY_CAP_MICROS = {**settings.DAILY_CAP_MICROS, "twilio": 0, "openai": 0}
    agent = django_user_model.objects.create_user("agent", password="agent-pass-123")
    other = django_user_model.objects.create_user("other", password="other-pass-123")
    lead = make_lead()
    job = BulkTraceJob.objects.create(user=other, lead_ids=[lead.pk], total=1)
    raw = new_token()
    ApiToken.objects.create(user=agent, token_hash=hash_token(raw))
    return {"agent": agent, "admin": admin_user, "token": raw, "lead": lead.pk, "job": job.pk}


def client_for(identity: str, world: dict) -> Client:
    if identity == "token":
        return Client(HTTP_AUTHORIZATION=f"Bearer {world['token']}")
    client = Client()
    if identity in ("agent", "admin"):
        client.force_login(world[identity])
    return client


def test_every_url_answers_each_identity_as_the_matrix_says(world):
    wrong = []
    for route in routes():
        method, rule = entry(route)
        url = url_of(route, lead_id=world["lead"], job_id=world["job"])
        for identity in IDENTITIES:
            client = client_for(identity, world)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, "{}", content_type="application/json")
            if not holds(rule[identity], response):
                location = response.get("Location", "")
                wrong.append(f"{route} {identity}: {response.status_code} {location}")
    assert not wrong, "\n".join(wrong)


def test_every_entry_of_the_matrix_is_a_url_that_exists():
    assert set(MATRIX) - set(routes()) == set()


def test_it_fails_for_a_url_without_an_entry():
    with pytest.raises(AssertionError, match="no entry"):
        entry("reports/new-page/")
