"""API authentication: the browser session, or a per-user bearer token for scripts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

TOKEN_PREFIX = "lf_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class BearerTokenMiddleware:
    """Authenticates `Authorization: Bearer <token>` requests as the token's user.

    Token requests carry no cookies, so CSRF does not apply to them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            from leads.models import ApiToken

            token = (
                ApiToken.objects.select_related("user")
                .filter(token_hash=hash_token(header.removeprefix("Bearer ").strip()))
                .first()
            )
            if token is None or not token.user.is_active:
                return JsonResponse({"error": "invalid_token"}, status=401)
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
            request.user = token.user
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)


def api_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like login_required, but anonymous callers get 401 JSON instead of a login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse(
                {"error": "authentication_required", "message": "Log in or send a bearer token."},
                status=401,
            )
        return view(request, *args, **kwargs)

    return wrapper
