"""Service errors → HTTP: one table read by every HTML and JSON view.

A view catches `SERVICE_ERRORS` around its service call and answers with `error_answer(exc)`:
the status, the JSON body scripts rely on, and the sentence a person reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import JsonResponse

from accounts.permissions import PermissionRefused
from billing.errors import cap_message, cap_refusal_body, retry_after_seconds
from billing.guard import CapExceeded
from leadflow.forms import form_errors, invalid_fields
from leads.lists.services import ListRejected
from leads.pipeline.services import MoveRejected
from leads.skiptrace.services import LeadBusy
from providers.http import ProviderError
from providers.modes import PROVIDER_LABELS
from providers.registry import ProviderOff


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    body: dict[str, Any]  # the JSON answer
    message: str  # what a page shows
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> JsonResponse:
        response = JsonResponse(self.body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def _cap_exceeded(exc: CapExceeded) -> ErrorAnswer:
    return ErrorAnswer(
        429,
        body=cap_refusal_body(exc),
        message=cap_message(exc),
        headers={"Retry-After": str(retry_after_seconds(exc))},
    )


def _permission_refused(exc: PermissionRefused) -> ErrorAnswer:
    body = {
        "error": "permission_denied",
        "permission": exc.permission.api_name,
        "message": exc.message,
    }
    return ErrorAnswer(403, body=body, message=exc.message)


def _provider_off(exc: ProviderOff) -> ErrorAnswer:
    body = {"error": "provider_off", "provider": exc.provider, "message": exc.reason}
    return ErrorAnswer(409, body=body, message=exc.reason)


def _busy(exc: LeadBusy) -> ErrorAnswer:
    return ErrorAnswer(409, body={"error": "busy", "message": str(exc)}, message=str(exc))


MOVE_STATUS = {"not_found": 404, "stale": 409}  # any other refusal is a bad request


def _move_rejected(exc: MoveRejected) -> ErrorAnswer:
    body = {"error": exc.code, "message": exc.message}
    return ErrorAnswer(MOVE_STATUS.get(exc.code, 400), body=body, message=exc.message)


LIST_STATUS = {"not_found": 404}  # any other refusal (not a saved search…) is a bad request


def _list_rejected(exc: ListRejected) -> ErrorAnswer:
    body = {"error": exc.code, "message": exc.message}
    return ErrorAnswer(LIST_STATUS.get(exc.code, 400), body=body, message=exc.message)


def _provider_error(exc: ProviderError) -> ErrorAnswer:
    name = PROVIDER_LABELS.get(exc.provider, exc.provider)
    message = f"{name} could not answer: {exc.message}"
    if exc.retryable:
        message += " — try again in a moment."
    body = {
        "error": "provider_error",
        "provider": exc.provider,
        "message": exc.message,
        "retryable": exc.retryable,
    }
    return ErrorAnswer(502, body=body, message=message)


# Most specific first: the first class an error is an instance of decides its answer.
_ANSWERS: tuple[tuple[type[Exception], Callable[[Any], ErrorAnswer]], ...] = (
    (CapExceeded, _cap_exceeded),  # an agent's own limit too: UserCapExceeded is one
    (PermissionRefused, _permission_refused),
    (ProviderOff, _provider_off),  # SkipTraceUnavailable among them
    (LeadBusy, _busy),
    (MoveRejected, _move_rejected),
    (ListRejected, _list_rejected),
    (ProviderError, _provider_error),
)
SERVICE_ERRORS: tuple[type[Exception], ...] = tuple(kind for kind, _ in _ANSWERS)


def error_answer(exc: Exception) -> ErrorAnswer:
    for kind, answer in _ANSWERS:
        if isinstance(exc, kind):
            return answer(exc)
    raise TypeError(f"{type(exc).__name__} is not a service error") from exc


def error_json(exc: Exception) -> JsonResponse:
    return error_answer(exc).json()


def invalid_request(form: forms.BaseForm) -> JsonResponse:
    return invalid_fields(form_errors(form))


def not_found(message: str) -> JsonResponse:
    return JsonResponse({"error": "not_found", "message": message}, status=404)


def lead_not_found(lead_id: int) -> JsonResponse:
    return not_found(f"No lead {lead_id}.")
