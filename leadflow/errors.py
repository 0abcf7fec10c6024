"""Friendly failures: an unexpected error renders a plain page (or an htmx partial)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.views.defaults import page_not_found

logger = logging.getLogger("leadflow")

# Django answers these with a 4xx of its own (404.html, 403...): they are not our failures.
CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


class FriendlyErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG or isinstance(exception, CLIENT_ERRORS):
            return None
        logger.exception("unhandled error on %s", request.path)
        message = "Something went wrong on our side. It has been logged; please try again."
        if request.path.startswith("/api/"):
            return JsonResponse({"error": "server_error", "message": message}, status=500)
        template = "_fragments/error.html" if getattr(request, "htmx", False) else "500.html"
        try:
            html = render_to_string(template, {"message": message}, request)
        except Exception:  # the page itself cannot render (a broken deploy): plain text
            logger.exception("the error page failed to render")
            return HttpResponse(message, status=500, content_type="text/plain; charset=utf-8")
        return HttpResponse(html, status=500)


class NotFoundPageMiddleware:
    """The app's own 404 page with DEBUG on too (the local set-up's `.env`): Django's debug
    404 lists every URL pattern, which tells a newcomer nothing and is not what anyone else
    sees. Unmatched paths are answered before the view runs (Django raises their 404 where no
    middleware's `process_exception` sees it); a view's Http404 in `process_exception`.
    With DEBUG off, Django's own handler renders the same template."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


class BadInputMiddleware:
    """The last line against input no validator caught: a number past what the database holds
    (SQLite's OverflowError, PostgreSQL's out-of-range DataError), a NUL byte PostgreSQL
    refuses, or JSON nested past Python's recursion limit is the client's error, answered
    400, never a 500. Forms, the id path converter and the JSON reader refuse these first;
    this holds for any view they do not cover (Django admin's filters, say)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_bad_input(exception):
            return None
        logger.warning("bad input on %s: %s", request.path, type(exception).__name__)
        message = "The request holds a value out of range or a character we cannot store."
        if request.path.startswith("/api/"):
            return JsonResponse({"error": "invalid_request", "message": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def is_bad_input(exception: BaseException) -> bool:
    if isinstance(exception, (OverflowError, RecursionError)):
        return True
    text = str(exception).lower()
    if isinstance(exception, DataError):
        return "out of range" in text or "nul" in text
    return isinstance(exception, ValueError) and "nul (0x00)" in text
