"""The one table from service errors to HTTP answers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from billing.guard import CapExceeded
from leads.errors import SERVICE_ERRORS, error_answer, error_json
from leads.pipeline.services import MoveRejected
from leads.skiptrace.services import LeadBusy, SkipTraceUnavailable
from providers.http import CallInfo, ProviderError
from providers.registry import ProviderOff

CALL = CallInfo(provider="batch", operation="skip_trace", attempts=1, outcome="error")


def cap_refusal() -> CapExceeded:
    return CapExceeded(
        provider="batch",
        cap_micros=2_000_000,
        spent_micros=1_990_000,
        reserved_micros=0,
        needed_micros=70_000,
        resets_at=timezone.now() + dt.timedelta(hours=3),
    )


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (cap_refusal(), 429, "daily_cap_exceeded"),
        (SkipTraceUnavailable("Skip tracing is off."), 409, "provider_off"),
        (ProviderOff("twilio"), 409, "provider_off"),
        (LeadBusy("Tracing right now."), 409, "busy"),
        (MoveRejected("Moved meanwhile.", code="stale"), 409, "stale"),
        (MoveRejected("No lead 9.", code="not_found"), 404, "not_found"),
        (MoveRejected("Unknown stage.", code="unknown_stage"), 400, "unknown_stage"),
        (
            ProviderError("attom", "upstream 503", permanent=False, status=503, call=CALL),
            502,
            "provider_error",
        ),
    ],
)
def test_it_maps_each_service_error_to_one_status_and_body(error, status, code):
    answer = error_answer(error)
    assert answer.status == status
    assert answer.body["error"] == code
    assert answer.message
    response = error_json(error)
    assert response.status_code == status
    assert json.loads(response.content)["error"] == code


def test_it_tells_the_cap_refusal_when_it_resets():
    response = error_json(cap_refusal())
    body = json.loads(response.content)
    assert {"provider", "capCents", "spentCents", "resetsAt"} <= body.keys()
    assert int(response["Retry-After"]) > 0


def test_it_names_the_vendor_as_agents_know_it():
    error = ProviderError("batch", "timed out", permanent=False, call=CALL)
    assert error_answer(error).message.startswith("BatchData could not answer: timed out")


def test_it_refuses_to_answer_for_an_error_that_is_not_a_service_error():
    assert not isinstance(ValueError(), SERVICE_ERRORS)
    with pytest.raises(TypeError):
        error_answer(ValueError("a bug, not a refusal"))
