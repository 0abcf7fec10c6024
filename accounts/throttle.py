"""Throttling guesses: bad passwords and bad bearer tokens lock out, with backoff.

django-axes counts failures per user name and per address, each on its own (settings:
AXES_LOCKOUT_PARAMETERS); at AXES_FAILURE_LIMIT the name or the address is locked out for a
cool-off that starts at BASE_COOL_OFF and doubles with every further failure, up to
MAX_COOL_OFF. A bad bearer token is a failure of its address (a token names no user).
"""

from __future__ import annotations

import datetime as dt

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessAttempt, AccessBase
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Exists, Max, Q, Value
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

BASE_COOL_OFF = dt.timedelta(minutes=1)
MAX_COOL_OFF = dt.timedelta(hours=24)
TOKEN_CREDENTIALS: dict[str, str | None] = {"username": None}


def cool_off(request: HttpRequest | None) -> dt.timedelta:
    """1 minute at the limit, then twice as long for each failure past it: the failures are
    the most recorded for this request's address or user name. Each attempt row expires on
    its own (AXES_USE_ATTEMPT_EXPIRATION), so one client's short cool-off never clears
    another's long one."""
    past_limit = max(recorded_failures(request) - settings.AXES_FAILURE_LIMIT, 0)
    if past_limit >= 20:  # 2**20 minutes is past the ceiling anyway
        return MAX_COOL_OFF
    return min(BASE_COOL_OFF * 2**past_limit, MAX_COOL_OFF)


def recorded_failures(request: HttpRequest | None) -> int:
    if request is None:
        return 0
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    who = Q(ip_address=address)
    username = get_client_username(request, None)
    if username:
        who |= Q(username=username)
    most = AccessAttempt.objects.filter(who).aggregate(most=Max("failures_since_start"))["most"]
    return most or 0


def attempted_username(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The user name a failure counts against: "Agent", " agent" and "AGENT" are one name,
    so changing its case or spacing does not buy more guesses."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username") if request is not None else None
    text = str(raw).strip().casefold() if raw else ""
    return text or None


def lockout_parameters(request_or_attempt: HttpRequest | AccessBase, credentials: dict | None):
    """Per user name and per address, each on its own; a bearer token names no user, so its
    failures count against its address alone (never against every token caller)."""
    if isinstance(request_or_attempt, AccessBase):
        username = request_or_attempt.username
    else:
        username = get_client_username(request_or_attempt, credentials)
    return ["username", "ip_address"] if username else ["ip_address"]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    message = "Too many failed attempts: locked out for a while. Try again later."
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "locked_out", "message": message}, status=429)
    context = {"message": message, "username": get_client_username(request, credentials) or ""}
    return render(request, "registration/locked_out.html", context, status=429)


def token_address_locked(request: HttpRequest) -> bool:
    """Is this address locked out (by bad tokens or bad passwords)? Asked on every token
    call: an address with no failure on record (nearly every call) costs one query, not
    axes' two (its cool-off, then its failures within it)."""
    AxesProxyHandler.update_request(request)
    if not _failures_on_record(request.axes_ip_address):  # type: ignore[attr-defined]
        return False
    return address_locked(request)


def address_failures(request: HttpRequest) -> Exists | Value:
    """Whether axes holds an attempt of this request's address, as a condition the token's
    lookup reads with the token (`token_address_locked`'s first question, without a query of
    its own); always true for a handler that counts elsewhere, so that one is asked."""
    AxesProxyHandler.update_request(request)
    if not isinstance(AxesProxyHandler.get_implementation(), AxesDatabaseHandler):
        return Value(True)
    return Exists(AccessAttempt.objects.filter(ip_address=request.axes_ip_address))  # type: ignore[attr-defined]


def address_locked(request: HttpRequest) -> bool:
    """Is this address, which has failures on record (`address_failures`), locked out?"""
    return AxesProxyHandler.is_locked(request, TOKEN_CREDENTIALS)


def _failures_on_record(address: str) -> bool:
    """Does axes hold an attempt of this address? Without one it counts no failures (the
    database handler counts attempt rows), so the address is not locked."""
    if not isinstance(AxesProxyHandler.get_implementation(), AxesDatabaseHandler):
        return True  # another handler counts elsewhere: ask it
    return AccessAttempt.objects.filter(ip_address=address).exists()


def token_failed(request: HttpRequest) -> None:
    """Count a bad bearer token as a failed login of its address."""
    user_login_failed.send(sender=__name__, credentials=TOKEN_CREDENTIALS, request=request)
