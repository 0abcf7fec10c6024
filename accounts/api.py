"""The users API, for admins: an agent's permissions.

`PUT /api/users/<username>/permissions` `{"searchAttom", "skipTrace", "export"}` changes the
named keys and answers the whole current object; GET reads it. Staff only: anyone else gets
403, even with a valid token. (An agent's daily limits are billing's: `billing/api.py`.)
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_http_methods

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from accounts.permissions import PERMISSIONS, permissions_json, permissions_update
from accounts.users import managed_user, unknown_keys
from leadflow.forms import invalid_fields


@csrf_exempt_for_tokens
@require_http_methods(["GET", "PUT"])
@api_login_required
def user_permissions(request: HttpRequest, username: str) -> JsonResponse:
    user, refusal = managed_user(request, username)
    if refusal:
        return refusal
    if request.method == "GET":
        return JsonResponse(permissions_json(user.pk))
    body, error = json_body(request)
    if error:
        return error
    names = {p.api_name for p in PERMISSIONS}
    fields = unknown_keys(body, names) | {
        key: ["Must be true or false."]
        for key, value in body.items()
        if key in names and not isinstance(value, bool)
    }
    if fields:
        return invalid_fields(fields)
    return JsonResponse(permissions_update(user_id=user.pk, changes=body))
