"""Who an admin's users API call is about: staff only, an existing user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, JsonResponse

STAFF_ONLY = {"error": "permission_denied", "message": "Only admins manage users."}


def managed_user(request: HttpRequest, username: str) -> tuple[Any, JsonResponse | None]:
    if not request.user.is_staff:
        return None, JsonResponse(STAFF_ONLY, status=403)
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        body = {"error": "not_found", "message": f"No user named {username!r}."}
        return None, JsonResponse(body, status=404)
    return user, None


def unknown_keys(body: dict[str, Any], known: set[str]) -> dict[str, list[str]]:
    return {key: ["Unknown field."] for key in body if key not in known}
