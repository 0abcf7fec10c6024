"""API authentication: the browser session, or a per-user bearer token for scripts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import Exists, Value
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts import throttle
from accounts.models import ApiToken
from accounts.permissions import PERMISSIONS_RELATION, remember_permissions

TOKEN_PREFIX = "lf_"
# `last_used_at` is written at most once a minute per token: a script's every call would
# otherwise be a write (and a row lock) on the token's row.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
View = Callable[..., HttpResponseBase]


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


API_PREFIX = "/api/"


class BearerTokenMiddleware:
    """Authenticates `Authorization: Bearer <token>` requests to `/api/` as the token's user.

    Elsewhere (the pages, Django admin) a token is ignored: only a session gets in there.
    A revoked or expired token is refused like an unknown one; each refusal counts against
    the address (accounts.throttle), and a locked-out address is refused whatever it sends.
    Token requests carry no cookies, so CSRF does not apply to them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and request.path.startswith(API_PREFIX):
            refusal = self._authenticate(request, header.removeprefix("Bearer ").strip())
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _authenticate(self, request: HttpRequest, raw: str) -> HttpResponse | None:
        token = _usable_token(raw, throttle.address_failures(request))
        if _address_locked(request, token):
            return throttle.lockout_response(request, None, throttle.TOKEN_CREDENTIALS)
        if token is None:
            throttle.token_failed(request)
            return JsonResponse({"error": "invalid_token"}, status=401)
        _note_use(token)
        remember_permissions(token.user)
        request.user = token.user
        request.bearer_token = token  # type: ignore[attr-defined]  # the call carries no cookie
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]  # see csrf_exempt
        return None


def _usable_token(raw: str, address_failures: Exists | Value) -> ApiToken | None:
    """The token with its user and the user's permissions, and whether the caller's address
    has failures on record: one query for a script's every call."""
    return (
        ApiToken.objects.usable()
        .select_related("user", f"user__{PERMISSIONS_RELATION}")
        .filter(token_hash=hash_token(raw))
        .annotate(address_failures=address_failures)
        .first()
    )


def _address_locked(request: HttpRequest, token: ApiToken | None) -> bool:
    """A locked-out address is refused whatever token it sends, before the token is used.
    The token's lookup said whether the address has failures on record; without a token,
    the throttle asks."""
    if token is None:
        return throttle.token_address_locked(request)
    return bool(token.address_failures) and throttle.address_locked(request)  # type: ignore[attr-defined]


def _note_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def is_token_call(request: HttpRequest) -> bool:
    """Authenticated by a bearer token (which a browser never sends on its own)."""
    return getattr(request, "bearer_token", None) is not None


def api_login_required(view: View) -> View:
    """Like login_required, but anonymous callers get 401 JSON instead of a login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return JsonResponse(
                {"error": "authentication_required", "message": "Log in or send a bearer token."},
                status=401,
            )
        return view(request, *args, **kwargs)

    return wrapper


def csrf_exempt_for_tokens(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """API writes: CSRF applies to browser sessions, never to bearer-token calls.

    The bearer middleware marks token requests; session requests keep Django's CSRF check,
    which answers a failure with 403 JSON here instead of an HTML page.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        token_call = getattr(request, "_dont_enforce_csrf_checks", False)  # set just above
        if token_call or not request.user.is_authenticated:
            return view(request, *args, **kwargs)  # anonymous: the view answers 401
        reason = CsrfViewMiddleware(view).process_view(request, view, (), {})
        if reason is not None:
            return JsonResponse(
                {"error": "csrf_failed", "message": "Send the CSRF token (X-CSRFToken)."},
                status=403,
            )
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def json_body(request: HttpRequest) -> tuple[dict, JsonResponse | None]:
    """The request's JSON object (empty body → {}); a 400 answer when it is not one."""
    if not request.body.strip():
        return {}, None
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past Python's limit
        return {}, JsonResponse(
            {"error": "invalid_request", "message": "The body must be a JSON object."}, status=400
        )
    if not isinstance(body, dict):
        return {}, JsonResponse(
            {"error": "invalid_request", "message": "The body must be a JSON object."}, status=400
        )
    return body, None
