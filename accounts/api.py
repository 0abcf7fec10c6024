"""The users API, for admins: an agent's permissions and daily spend limits.

`PUT /api/users/<username>/permissions` `{"searchAttom", "skipTrace", "export"}` and
`PUT /api/users/<username>/limits` `{"attom", "batch", "twilio", "openai"}` (daily cents, null =
no limit) change the named keys and answer the whole current object; GET reads it. Staff
only: anyone else gets 403, even with a valid token.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_http_methods

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from accounts.permissions import PERMISSIONS, permissions_json, permissions_update
from billing.limits import limits_json, limits_update
from providers.modes import PROVIDERS

MAX_LIMIT_CENTS = Decimal(100_000_000)  # $1,000,000 a day: past this it is a typo
STAFF_ONLY = {"error": "permission_denied", "message": "Only admins manage users."}


def _target(request: HttpRequest, username: str) -> tuple[Any, JsonResponse | None]:
    if not request.user.is_staff:
        return None, JsonResponse(STAFF_ONLY, status=403)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        body = {"error": "not_found", "message": f"No user named {username!r}."}
        return None, JsonResponse(body, status=404)
    return user, None


def _unknown_keys(body: dict[str, Any], known: set[str]) -> dict[str, list[str]]:
    return {key: ["Unknown field."] for key in body if key not in known}


@csrf_exempt_for_tokens
@require_http_methods(["GET", "PUT"])
@api_login_required
def user_permissions(request: HttpRequest, username: str) -> JsonResponse:
    user, refusal = _target(request, username)
    if refusal:
        return refusal
    if request.method == "GET":
        return JsonResponse(permissions_json(user.pk))
    body, error = json_body(request)
    if error:
        return error
    names = {p.api_name for p in PERMISSIONS}
    fields = _unknown_keys(body, names) | {
        key: ["Must be true or false."]
        for key, value in body.items()
        if key in names and not isinstance(value, bool)
    }
    if fields:
        return JsonResponse({"error": "invalid_request", "fields": fields}, status=400)
    return JsonResponse(permissions_update(user_id=user.pk, changes=body))


@csrf_exempt_for_tokens
@require_http_methods(["GET", "PUT"])
@api_login_required
def user_limits(request: HttpRequest, username: str) -> JsonResponse:
    user, refusal = _target(request, username)
    if refusal:
        return refusal
    if request.method == "GET":
        return JsonResponse(limits_json(user.pk))
    body, error = json_body(request)
    if error:
        return error
    fields = _unknown_keys(body, set(PROVIDERS)) | {
        key: [problem]
        for key, value in body.items()
        if key in PROVIDERS and (problem := _limit_problem(value))
    }
    if fields:
        return JsonResponse({"error": "invalid_request", "fields": fields}, status=400)
    return JsonResponse(limits_update(user_id=user.pk, cents=body))


def _limit_problem(value: object) -> str:
    """Why `value` is no daily limit in cents ("" when it is one, or None for no limit)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "Daily cents as a number, or null for no limit."
    try:
        cents = Decimal(str(value))
    except InvalidOperation:
        return "Daily cents as a number, or null for no limit."
    if not cents.is_finite() or cents < 0 or cents > MAX_LIMIT_CENTS:
        return f"From 0 to {MAX_LIMIT_CENTS:,} cents."
    if cents * 10_000 != (cents * 10_000).to_integral_value():
        return "At most 4 decimals of a cent."
    return ""
