"""An emulator of OpenAI's Responses API, plugged in under the SDK as an httpx2 transport.

It speaks the wire format (POST {base_url}/responses, Bearer auth, error bodies, usage) and
derives a deterministic score from the JSON facts in the request's input. Faults for
provider "openai" (see providers.sandbox.faults): "429" and "500"/"503" (option
`retry_after` seconds, sent as retry-after and retry-after-ms), "401", "timeout" (a read
timeout after sending), "connect_error", "latency" (`seconds`), and OpenAI's own:
"refusal" (a refusal content item), "incomplete" (status incomplete, max_output_tokens,
truncated text) and "malformed" (HTTP 200 whose output text is not JSON).

A request whose strict schema asks for `scores` (one entry per `lead_id`) and whose input
holds a `leads` list is a batch: it answers one entry per lead, in the schema's key order,
as the real API's structured output would. The fault "omit" leaves the last lead out of a
batch's answer, as a model sometimes does.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from typing import Any

import httpx2

from providers.registry import OPENAI
from providers.sandbox import faults

PROVIDER = OPENAI
REFUSAL_TEXT = "I can't help with that."
MALFORMED_TEXT = "Sure! I'd rate this lead about 80 out of 100 - the owner is absentee."
SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
SIGNALS_SHOWN = 4


class OpenAiSandboxTransport(httpx2.BaseTransport):
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        faults.note_request(PROVIDER)
        fault = faults.take(PROVIDER)
        if fault is not None:
            failed = _transport_fault(fault, request)
            if failed is not None:
                return failed
        if delay := faults.answer_delay_s(PROVIDER, fault):
            time.sleep(delay)
        if not request.headers.get("authorization", "").startswith("Bearer sandbox"):
            return _unauthorised()
        if request.method != "POST" or not request.url.path.endswith("/responses"):
            message = f"Invalid URL ({request.method} {request.url.path})"
            return _error(404, message, "invalid_request_error", None, None)
        body, problem = _validated(request.content)
        if problem is not None:
            return problem
        return _answer(body, fault.kind if fault else None)


def _transport_fault(fault: faults.Fault, request: httpx2.Request) -> httpx2.Response | None:
    """The answer a queued fault gives before any normal handling, if it takes over."""
    retry_after = fault.option("retry_after")
    if fault.kind == "401":
        return _unauthorised()
    if fault.kind == "429":
        message = (
            "Rate limit reached for requests per min (RPM): Limit 500, Used 500, "
            "Requested 1. Please try again in 1s."
        )
        return _error(429, message, "requests", None, "rate_limit_exceeded", retry_after or 1)
    if fault.kind in ("500", "503"):
        return _error(int(fault.kind), SERVER_ERROR, "server_error", None, None, retry_after)
    if fault.kind == "timeout":
        raise httpx2.ReadTimeout("sandbox: read timed out", request=request)
    if fault.kind == "connect_error":
        raise httpx2.ConnectError("sandbox: connection refused", request=request)
    return None  # "latency" and the answer's own faults


def _validated(content: bytes) -> tuple[dict[str, Any], httpx2.Response | None]:
    try:
        body = json.loads(content)
    except ValueError:
        message = "We could not parse the JSON body of your request."
        return {}, _error(400, message, "invalid_request_error", None, None)
    for name in ("model", "input"):
        if not body.get(name):
            message = f"Missing required parameter: '{name}'."
            return body, _error(
                400, message, "invalid_request_error", name, "missing_required_parameter"
            )
    problem = _schema_problem(body.get("text", {}).get("format") or {})
    if problem:
        return body, _error(400, problem, "invalid_request_error", "text.format", "invalid_value")
    return body, None


def _schema_problem(text_format: dict[str, Any]) -> str | None:
    if text_format.get("type") != "json_schema" or text_format.get("strict") is not True:
        return "Invalid value for 'text.format': this sandbox expects a strict json_schema."
    loose = _loose_object(text_format.get("schema") or {}, "root")
    if loose is not None:
        return (
            f"Invalid schema for response_format '{text_format.get('name')}': In context="
            f"('{loose}',), 'additionalProperties' must be false and 'required' must list "
            "every property."
        )
    return None


def _loose_object(schema: Any, where: str) -> str | None:
    """Where an object of the schema (nested ones and $defs included) breaks strict mode."""
    if isinstance(schema, list):
        return next(filter(None, (_loose_object(s, where) for s in schema)), None)
    if not isinstance(schema, dict):
        return None
    properties = schema.get("properties")
    if isinstance(properties, dict) or schema.get("type") == "object":
        props = properties if isinstance(properties, dict) else {}
        missing = set(props) - set(schema.get("required", []))
        if schema.get("additionalProperties") is not False or missing:
            return where
    for key, value in schema.items():
        if isinstance(value, dict | list) and key != "required":
            found = _loose_object(value, key)
            if found is not None:
                return found
    return None


def _answer(body: dict[str, Any], fault: str | None) -> httpx2.Response:
    prompt = _prompt_text(body)
    text = _scores_text(body, omit=fault == "omit")
    status, content = "completed", {"type": "output_text", "annotations": [], "text": text}
    output_tokens = _tokens(text)
    if fault == "refusal":
        content = {"type": "refusal", "refusal": REFUSAL_TEXT}
        output_tokens = _tokens(REFUSAL_TEXT)
    elif fault == "incomplete":
        status, content["text"] = "incomplete", text[: len(text) // 2]
        output_tokens = int(body.get("max_output_tokens") or output_tokens)
    elif fault == "malformed":
        content["text"] = MALFORMED_TEXT
        output_tokens = _tokens(MALFORMED_TEXT)
    usage = {
        "input_tokens": _tokens(prompt),
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": _tokens(prompt) + output_tokens,
    }
    return _response(body, status, content, usage)


def _response(
    body: dict[str, Any], status: str, content: dict[str, Any], usage: dict[str, Any]
) -> httpx2.Response:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    payload = {
        "id": f"resp_{digest[:32]}",
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": body["model"],
        "output": [
            {
                "type": "message",
                "id": f"msg_{digest[32:64]}",
                "status": status,
                "role": "assistant",
                "content": [content],
            }
        ],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "store": True,
        "temperature": 1.0,
        "text": body.get("text"),
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "metadata": {},
    }
    headers = {"x-request-id": f"req_{digest[:24]}", "openai-processing-ms": "412"}
    return httpx2.Response(200, json=payload, headers=headers)


def _prompt_text(body: dict[str, Any]) -> str:
    schema = json.dumps(body.get("text", {}).get("format", {}).get("schema", {}))
    return (body.get("instructions") or "") + _input_text(body.get("input")) + schema


def _input_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_input_text(item.get("content")) for item in value if isinstance(item, dict))
    return ""


def _facts(body: dict[str, Any]) -> dict[str, Any]:
    try:
        facts = json.loads(_input_text(body.get("input")))
    except ValueError:
        return {}
    return facts if isinstance(facts, dict) else {}


def _scores_text(body: dict[str, Any], *, omit: bool) -> str:
    facts = _facts(body)
    schema = body.get("text", {}).get("format", {}).get("schema", {})
    leads = facts.get("leads")
    if "scores" not in schema.get("properties", {}) or not isinstance(leads, list):
        score, reasons = _judge(facts)
        return json.dumps({"score": score, "reasons": reasons})
    entries = []
    for lead in leads[:-1] if omit else leads:
        one = lead if isinstance(lead, dict) else {}
        score, reasons = _judge(one)
        entries.append({"lead_id": one.get("lead_id"), "score": score, "reasons": reasons})
    return json.dumps({"scores": entries})


def _judge(facts: dict[str, Any]) -> tuple[int, list[str]]:
    """A made-up but plausible model: the same facts always give the same answer."""
    signals = _signals(facts)
    score = min(max(45 + sum(points for points, _ in signals), 1), 99)
    strongest = sorted(signals, key=lambda s: -abs(s[0]))[:SIGNALS_SHOWN]
    reasons = [reason for _, reason in strongest]
    place = ", ".join(p for p in (facts.get("city"), facts.get("state")) if p) or "the area"
    for filler in ("No strong distress signals in the record", f"Typical owner for {place}"):
        if len(reasons) < 2:
            reasons.append(filler)
    return score, reasons


def _signals(facts: dict[str, Any]) -> list[tuple[int, str]]:
    equity, years, built = (facts.get(k) for k in ("equity_percent", "years_owned", "year_built"))
    candidates = [
        (facts.get("absentee") is True, 15, "Absentee owner, possibly a tired landlord"),
        (facts.get("out_of_state_owner") is True, 8, "Owner lives out of state"),
        (equity is not None and equity >= 50, 15, f"Substantial equity (about {equity}%)"),
        (equity is not None and 20 <= equity < 50, 6, f"Some equity (about {equity}%)"),
        (equity is not None and equity < 0, -20, "Owes more than the home is worth"),
        (years is not None and years >= 20, 10, f"Long ownership ({years} years)"),
        (years is not None and 10 <= years < 20, 5, f"Owned for {years} years"),
        (facts.get("owner_is_trust") is True, 6, "Held in a trust, possibly an estate"),
        (facts.get("corporate_owner") is True, -8, "Corporate owner, likely a professional"),
        (built is not None and built < 1965, 5, f"Older home built in {built}"),
        (facts.get("contactable") is True, 4, "Owner can be reached"),
        (facts.get("traced") is True and not facts.get("contactable"), -6, "No working contact"),
    ]
    return [(points, reason) for applies, points, reason in candidates if applies]


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _unauthorised() -> httpx2.Response:
    message = "Incorrect API key provided"
    return _error(401, message, "invalid_request_error", None, "invalid_api_key")


def _error(
    status: int, message: str, kind: str, param: str | None, code: str | None,
    retry_after: float | None = None,
) -> httpx2.Response:  # fmt: skip
    headers = {"x-request-id": f"req_sandbox_{status}"}
    if retry_after is not None:
        headers["retry-after"] = str(max(1, math.ceil(retry_after)))
        headers["retry-after-ms"] = str(max(1, round(retry_after * 1000)))
    error = {"message": message, "type": kind, "param": param, "code": code}
    return httpx2.Response(status, json={"error": error}, headers=headers)
