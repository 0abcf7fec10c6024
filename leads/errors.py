"""JSON answers for failures that several API views share."""

from __future__ import annotations

from django.http import JsonResponse

from leadflow.forms import form_errors
from providers.http import ProviderError


def invalid_request(form) -> JsonResponse:
    return JsonResponse({"error": "invalid_request", "fields": form_errors(form)}, status=400)


def provider_error_response(error: ProviderError) -> JsonResponse:
    return JsonResponse(
        {
            "error": "provider_error",
            "provider": error.provider,
            "message": error.message,
            "retryable": error.retryable,
        },
        status=502,
    )


def lead_not_found(lead_id: int) -> JsonResponse:
    return JsonResponse({"error": "not_found", "message": f"No lead {lead_id}."}, status=404)
