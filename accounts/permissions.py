"""Per-user permissions: may search ATTOM, may skip trace, may export.

Services ask `ensure_permitted(user_id, action)` before the paid or data-exporting work, so
every caller (page, API, bulk job) is refused the same way: `PermissionRefused`, which the
error table answers with 403 and the reason. Pages ask `user_may` to hide what is refused.

Within a request a user's permissions are read once however often they are asked (the search
page asks four times: its checkbox, its default, the service, the navigation):
`PermissionAnswersMiddleware` keeps the answers until the response; outside a request (a
command, the task worker) every ask reads the database.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse

from accounts.models import AgentPermissions

SEARCH_ATTOM, SKIP_TRACE, EXPORT = "search_attom", "skip_trace", "export"


@dataclass(frozen=True)
class Permission:
    action: str
    field: str  # on AgentPermissions
    api_name: str  # in the users API
    refusal: str  # what the person is told


PERMISSIONS = (
    Permission(SEARCH_ATTOM, "may_search_attom", "searchAttom", "You may not search ATTOM."),
    Permission(SKIP_TRACE, "may_skip_trace", "skipTrace", "You may not skip trace leads."),
    Permission(EXPORT, "may_export", "export", "You may not export leads."),
)
BY_ACTION = {p.action: p for p in PERMISSIONS}
PERMISSIONS_RELATION = "agent_permissions"  # a user's AgentPermissions row, for select_related


class PermissionRefused(Exception):
    def __init__(self, permission: Permission) -> None:
        super().__init__(f"{permission.refusal} Ask an admin for the permission.")
        self.permission = permission
        self.message = str(self)


def permissions_of(user_id: int) -> AgentPermissions:
    """The user's row, or the defaults (everything allowed) when an admin never set one."""
    found = AgentPermissions.objects.filter(user_id=user_id).first()
    return found or AgentPermissions(user_id=user_id)


# user id → {action: allowed}, for the request being answered (None outside a request).
_answers: ContextVar[dict[int, dict[str, bool]] | None] = ContextVar(
    "permission_answers", default=None
)


def permitted(user_id: int | None, action: str) -> bool:
    """Work without a user (an operator's command) is never refused here."""
    if user_id is None:
        return True
    return _allowed(user_id)[action]


def _allowed(user_id: int) -> dict[str, bool]:
    """Every action's answer for this user. One query: the superuser flag and the
    permissions row's fields (the defaults without a row); once per request."""
    answers = _answers.get()
    if answers is not None and user_id in answers:
        return answers[user_id]
    fields = [f"agent_permissions__{p.field}" for p in PERMISSIONS]
    row = get_user_model().objects.filter(pk=user_id).values_list("is_superuser", *fields).first()
    superuser, *values = row or (False, *[None] * len(PERMISSIONS))
    allowed = _answers_of(bool(superuser), values)
    if answers is not None:
        answers[user_id] = allowed
    return allowed


def _answers_of(superuser: bool, values: list[bool | None]) -> dict[str, bool]:
    """Each action's answer from the user's permission fields (None: no row, the default)."""
    defaults = AgentPermissions()
    return {
        p.action: bool(superuser or (getattr(defaults, p.field) if value is None else value))
        for p, value in zip(PERMISSIONS, values, strict=True)
    }


def remember_permissions(user: AbstractBaseUser) -> None:
    """Keep, for the rest of the request, the answers of a user read with
    `select_related(PERMISSIONS_RELATION)`: the bearer token's lookup reads them, so no ask
    of this request reads them again. Outside a request it keeps nothing."""
    answers = _answers.get()
    if answers is None:
        return
    try:
        row: AgentPermissions | None = user.agent_permissions  # type: ignore[attr-defined]
    except AgentPermissions.DoesNotExist:
        row = None
    values = [None if row is None else getattr(row, p.field) for p in PERMISSIONS]
    answers[int(user.pk)] = _answers_of(bool(getattr(user, "is_superuser", False)), values)


class PermissionAnswersMiddleware:
    """Keeps each user's permission answers for the rest of the request (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _answers.set({})
        try:
            return self.get_response(request)
        finally:
            _answers.reset(token)


def ensure_permitted(user_id: int | None, action: str) -> None:
    if not permitted(user_id, action):
        raise PermissionRefused(BY_ACTION[action])


def user_may(user: AbstractBaseUser | AnonymousUser) -> dict[str, bool]:
    """{"search_attom": True, …} for templates; everything False for anonymous visitors."""
    if not user.is_authenticated:
        return {p.action: False for p in PERMISSIONS}
    if getattr(user, "is_superuser", False):
        return {p.action: True for p in PERMISSIONS}
    return dict(_allowed(int(user.pk)))


def permissions_json(user_id: int) -> dict[str, bool]:
    row = permissions_of(user_id)
    return {p.api_name: bool(getattr(row, p.field)) for p in PERMISSIONS}


def permissions_update(*, user_id: int, changes: dict[str, bool]) -> dict[str, bool]:
    """`changes` by API name (searchAttom, skipTrace, export); returns the whole object."""
    fields = {p.field: changes[p.api_name] for p in PERMISSIONS if p.api_name in changes}
    AgentPermissions.objects.update_or_create(user_id=user_id, defaults=fields)
    answers = _answers.get()
    if answers is not None:
        answers.pop(user_id, None)  # the rest of this request reads the new answers
    return permissions_json(user_id)
