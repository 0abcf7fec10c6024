"""Friendly failures: an unexpected error renders a plain page (or an htmx partial)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

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
        if getattr(request, "htmx", False):
            html = render_to_string("_fragments/error.html", {"message": message}, request)
            return HttpResponse(html, status=500)
        return HttpResponse(render_to_string("500.html", {"message": message}), status=500)
