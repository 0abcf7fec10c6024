"""Every URL pattern of the resolver × anonymous, agent, admin and API token.

A new URL fails this test until it has an entry here, so nobody adds a page without saying
who may reach it. Django admin's patterns (every model an app registers) share one rule:
staff only, by session; a token never gets in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
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
LOGIN, ADMIN_LOGIN, IN, STAFF_IN, DENIED, FORBIDDEN, HIDDEN = (
    "login page", "admin login", "in", "in (staff)", "401", "403", "404",
)  # fmt: skip
PAGE = {"anonymous": LOGIN, "agent": IN, "admin": IN, "token": LOGIN}
API = {"anonymous": DENIED, "agent": IN, "admin": IN, "token": IN}
OWN_JOB_PAGE = {"anonymous": LOGIN, "agent": HIDDEN, "admin": IN, "token": LOGIN}
OWN_JOB_API = {"anonymous": DENIED, "agent": HIDDEN, "admin": IN, "token": HIDDEN}
OWN_UPLOAD = {"anonymous": LOGIN, "agent": IN, "admin": HIDDEN, "token": LOGIN}  # the agent's
STAFF_API = {"anonymous": DENIED, "agent": FORBIDDEN, "admin": IN, "token": FORBIDDEN}
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
    "api/leads/export/preview": ("GET", API),
    "api/dispositions": ("POST", API),
    "api/leads/<id:lead_id>/notes": ("POST", API),
    "api/leads/<id:lead_id>/activity": ("GET", API),
    "api/leads/<id:lead_id>/tasks": ("POST", API),
    "api/tasks": ("GET", API),
    "api/tasks/<id:task_id>/done": ("POST", API),
    "api/leads/assign": ("POST", API),
    "api/lists": ("GET", API),
    "api/lists/<id:list_id>": ("GET", API),
    "api/lists/<id:list_id>/leads": ("POST", API),
    "api/lists/<id:list_id>/refresh": ("POST", API),
    "api/saved-searches": ("POST", API),
    "api/imports": ("POST", API),
    "api/imports/<id:import_id>": ("GET", API),
    "api/imports/<id:import_id>/rejected.csv": ("GET", API),
    "api/users/<str:username>/permissions": ("GET", STAFF_API),
    "api/users/<str:username>/limits": ("GET", STAFF_API),
    # Team work and lists: pages.
    "pipeline/assign/": ("POST", PAGE),
    "leads/assign/": ("POST", PAGE),
    "leads/export/": ("GET", PAGE),
    "leads/dispositions/": ("GET", PAGE),
    "tasks/": ("GET", PAGE),
    "tasks/<id:task_id>/done/": ("POST", PAGE),
    "leads/<id:lead_id>/notes/": ("POST", PAGE),
    "leads/<id:lead_id>/tasks/": ("POST", PAGE),
    "lists/": ("GET", PAGE),
    "lists/<id:list_id>/": ("GET", PAGE),
    "lists/add/": ("POST", PAGE),
    "lists/<id:list_id>/remove/": ("POST", PAGE),
    "lists/<id:list_id>/refresh/preview/": ("POST", PAGE),
    "lists/<id:list_id>/refresh/": ("POST", PAGE),
    "lists/overlap/": ("GET", PAGE),
    "lists/saved-searches/": ("POST", PAGE),
    "search/price/": ("GET", PAGE),
    "lists/import/": ("GET", PAGE),
    "lists/import/<id:staged_id>/review/": ("GET", PAGE),
    "lists/import/<id:staged_id>/counts/": ("GET", OWN_UPLOAD),
    "lists/import/<id:staged_id>/commit/": ("POST", OWN_UPLOAD),
    "lists/imports/<id:import_id>/rejected.csv": ("GET", PAGE),
    "lists/imports/<id:import_id>/": ("GET", PAGE),
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


def url_of(route: str, world: dict) -> str:
    url = "/" + route
    for name, value in world["ids"].items():
        url = url.replace(f"<id:{name}>", str(value))
    url = url.replace("<str:stage>", "new").replace("<str:username>", "agent")
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
    if rule == FORBIDDEN:
        return status == 403
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
    ids = {"lead_id": lead.pk, "job_id": job.pk, **lists_and_tasks(lead, agent)}
    return {"agent": agent, "admin": admin_user, "token": raw, "ids": ids}


def lists_and_tasks(lead, agent) -> dict[str, int]:
    """A list with the lead on it, an import of it, a staged upload and a task: the objects
    the lists' and tasks' URLs name (every one of them readable by any agent)."""
    from leads.activity.followups import task_create
    from leads.lists.imports import import_commit
    from leads.lists.models import StagedUpload

    text = b"Street,Zip,Owner\n1 Main St,85034,JANE DOE\n"
    outcome = import_commit(
        io.BytesIO(text), list_name="Matrix", user_id=agent.pk, file_name="m.csv"
    )
    staged = StagedUpload.objects.create(
        created_by=agent, file_name="m.csv", data=text, file_sha256=hashlib.sha256(text).hexdigest()
    )
    task = task_create(lead_id=lead.pk, title="Call", due=dt.date.today(), assignee_id=agent.pk,
                       user_id=agent.pk)  # fmt: skip
    assert outcome.record is not None
    return {
        "list_id": outcome.record.lead_list_id,
        "import_id": outcome.record.pk,
        "staged_id": staged.pk,
        "task_id": task.pk,
    }


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
        url = url_of(route, world)
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
