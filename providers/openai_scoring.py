"""OpenAI: a structured 0–100 lead score with short reasons, through the Responses API.

Only property and ownership facts are sent — never a phone number, an e-mail or an owner's
name. The SDK's own retries are off (max_retries=0): its requests run under the shared
retry policy in the transport we plug in under it, which also counts the attempts. A
refused or cut-off answer was still billed: it comes back as an `AiScore` with its usage
rather than as an error.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import httpx2
import openai
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from providers.http import (
    OUTCOME_ERROR,
    OUTCOME_SUCCESS,
    OUTCOME_UNKNOWN,
    Attempts,
    CallInfo,
    ProviderAuthError,
    ProviderError,
    RetryPolicy,
    TransportFailure,
    counted_attempts,
    counting,
)
from providers.modes import SANDBOX, require_on
from providers.registry import OPENAI
from providers.sandbox.openai import OpenAiSandboxTransport

PROVIDER, OPERATION = OPENAI, "lead_score"
MAX_OUTPUT_TOKENS = 400
# The statuses OpenAI asks clients to retry (409: a lock timeout), and its retry-after(-ms).
# A POST that timed out after sending is not sent again: its tokens may have been billed.
RETRY = RetryPolicy(
    max_retries=2,
    backoff_base_s=0.5,
    jitter=True,
    max_retry_after_s=60,
    retry_statuses=frozenset({408, 409, 429, 500, 502, 503, 504}),
)
IDEMPOTENT = False
# httpx2 failures before anything reached OpenAI; every other transport error may have.
NOT_SENT = (
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.PoolTimeout,
    httpx2.ProxyError,
    httpx2.UnsupportedProtocol,
    httpx2.LocalProtocolError,
)
# Tokens never outnumber the prompt's characters (JSON here is ASCII); this covers the
# schema and the message framing the API adds around instructions and input.
PROMPT_OVERHEAD_TOKENS = 200
INSTRUCTIONS = (
    "You score real-estate leads for investors looking for motivated sellers. Given the "
    "facts of one property and its owner as JSON, return a score from 0 (very unlikely "
    "to sell at a discount) to 100 (very likely), and 2 to 4 short reasons naming the "
    "facts that drove it. Signals that raise the score: absentee or out-of-state owner, "
    "high equity, long ownership, an older building, an owner that is a trust, a "
    "contactable owner. Signals that lower it: negative equity, a recent purchase, a "
    "corporate owner, a very high value, no contact found. Use only the facts given."
)
Status = Literal["completed", "refused", "incomplete"]


class LeadScoreModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=0, le=100)
    reasons: list[str]


@dataclass(frozen=True)
class LeadFacts:
    city: str
    state: str
    zip: str
    property_type: str
    beds: int | None
    baths: float | None
    living_sqft: int | None
    year_built: int | None
    avm_value_usd: int | None
    estimated_equity_usd: int | None
    equity_percent: int | None
    last_sale_date: str | None  # ISO date
    years_owned: int | None
    absentee: bool | None
    out_of_state_owner: bool | None
    corporate_owner: bool
    owner_is_trust: bool
    traced: bool
    contactable: bool

    def as_prompt(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


# The longest facts a lead's fields can hold: the basis of a worst-case cost estimate.
WORST_CASE_FACTS = LeadFacts(
    city="\U0001f3e0" * 100, state="\U0001f3e0" * 2, zip="\U0001f3e0" * 5,
    property_type="\U0001f3e0" * 60, beds=-(2**15), baths=-999.9, living_sqft=-(2**32),
    year_built=-(2**15), avm_value_usd=-(2**63), estimated_equity_usd=-(2**63),
    equity_percent=-(2**63), last_sale_date="-9999-12-31", years_owned=-(2**15),
    absentee=False, out_of_state_owner=False, corporate_owner=False, owner_is_trust=False,
    traced=False, contactable=False,
)  # fmt: skip


@dataclass(frozen=True)
class AiScore:
    score: int | None  # None unless status is "completed"
    reasons: tuple[str, ...]
    usage: dict[str, int]  # input_tokens, cached_tokens, output_tokens
    model: str
    call: CallInfo
    status: Status
    refusal: str | None = None


@dataclass(frozen=True)
class Answer:
    """A structured answer as it came: parsed only when the status is "completed"."""

    parsed: BaseModel | None
    usage: dict[str, int]  # input_tokens, cached_tokens, output_tokens
    model: str
    call: CallInfo
    status: Status
    refusal: str | None = None


class OpenAiMalformedAnswer(ProviderError):
    """The model's text is not JSON for the schema. Its tokens were billed all the same."""

    def __init__(self, message: str, *, usage: dict[str, int] | None, call: CallInfo) -> None:
        super().__init__(PROVIDER, message, permanent=False, status=call.http_status, call=call)
        self.usage = usage


def max_usage(facts: LeadFacts, *, max_output_tokens: int = MAX_OUTPUT_TOKENS) -> dict[str, int]:
    """The most one scoring request can bill (no cached tokens: they are the cheaper)."""
    prompt = INSTRUCTIONS + facts.as_prompt() + json.dumps(LeadScoreModel.model_json_schema())
    return {
        "input_tokens": len(prompt.encode()) + PROMPT_OVERHEAD_TOKENS,
        "cached_tokens": 0,
        "output_tokens": max_output_tokens,
    }


class RetryingTransport(httpx2.BaseTransport):
    """Sends each SDK request through `inner` under the shared retry policy, counting the
    attempts into the score's `Attempts`. The SDK only ever sees the final response."""

    def __init__(
        self,
        inner: httpx2.BaseTransport,
        *,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
    ) -> None:
        self.inner = inner
        self.retry = retry
        self.sleep = sleep

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()  # a retry sends the same body again

        def send() -> httpx2.Response:
            try:
                return self.inner.handle_request(request)
            except httpx2.TransportError as exc:
                kind = type(exc).__name__
                raise TransportFailure(exc, sent=not isinstance(exc, NOT_SENT), kind=kind) from exc

        attempts = counted_attempts(PROVIDER, OPERATION)
        try:
            return self.retry.run(send, attempts=attempts, idempotent=IDEMPOTENT, sleep=self.sleep)
        except TransportFailure as failure:
            raise failure.error from None  # the SDK wraps it: APITimeoutError, APIConnectionError

    def close(self) -> None:
        self.inner.close()


class OpenAiScoringClient:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        model: str,
        sandbox: bool = False,
        timeout: float = 20.0,
        max_retries: int = RETRY.max_retries,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if transport is None and sandbox:
            transport = OpenAiSandboxTransport()
        retrying = RetryingTransport(
            transport or httpx2.HTTPTransport(),
            retry=replace(RETRY, max_retries=max_retries),
            sleep=sleep,
        )
        self.model = model
        self.sandbox = sandbox
        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,  # RetryingTransport retries, under the policy every vendor shares
            http_client=openai.DefaultHttpxClient(transport=retrying, timeout=timeout),
        )

    @classmethod
    def from_settings(cls) -> OpenAiScoringClient:
        """Raises `ProviderOff` when OpenAI is off."""
        sandbox = require_on(PROVIDER) == SANDBOX
        api_key = settings.OPENAI_API_KEY
        if sandbox and not api_key.startswith("sandbox"):
            api_key = "sandbox-key"  # a real key never goes anywhere in sandbox mode
        return cls(
            api_key=api_key,
            base_url=settings.OPENAI_BASE_URL,
            model=settings.OPENAI_MODEL,
            sandbox=sandbox,
        )

    def max_usage(self, facts: LeadFacts) -> dict[str, int]:
        return max_usage(facts)

    def score(self, facts: LeadFacts) -> AiScore:
        answer = self.respond(
            instructions=INSTRUCTIONS,
            prompt=facts.as_prompt(),
            text_format=LeadScoreModel,
            max_output_tokens=MAX_OUTPUT_TOKENS,
        )
        parsed = answer.parsed
        if not isinstance(parsed, LeadScoreModel):
            return AiScore(None, (), answer.usage, answer.model, answer.call, answer.status,
                           answer.refusal)  # fmt: skip
        reasons = clean_reasons(parsed.reasons)
        return AiScore(parsed.score, reasons, answer.usage, answer.model, answer.call, "completed")

    def respond(
        self,
        *,
        instructions: str,
        prompt: str,
        text_format: type[BaseModel],
        max_output_tokens: int,
    ) -> Answer:
        """One Responses API request for a structured answer of `text_format`'s schema.
        Raises `OpenAiMalformedAnswer` when the text does not fit it (billed all the same)."""
        attempts = Attempts(PROVIDER, OPERATION, sandbox=self.sandbox)
        try:
            with counting(attempts):
                raw = self._client.responses.with_raw_response.parse(
                    model=self.model,
                    instructions=instructions,
                    input=prompt,
                    text_format=text_format,
                    max_output_tokens=max_output_tokens,
                )
        except openai.APIError as exc:
            raise _provider_error(exc, attempts.call(OUTCOME_ERROR)) from exc
        return self._answer(raw, attempts.call(OUTCOME_SUCCESS), text_format)

    def _answer(self, raw: Any, call: CallInfo, text_format: type[BaseModel]) -> Answer:
        try:
            body = raw.http_response.json()
        except ValueError:
            call = call.with_outcome(OUTCOME_ERROR)
            raise OpenAiMalformedAnswer("malformed response", usage=None, call=call) from None
        usage, model = _usage(body), str(body.get("model") or self.model)
        if body.get("status") == "incomplete":
            return Answer(None, usage, model, call, "incomplete")
        refusal = _refusal(body)
        if refusal is not None:
            return Answer(None, usage, model, call, "refused", refusal)
        try:
            parsed = raw.parse().output_parsed
        except (ValidationError, ValueError, TypeError):
            parsed = None
        if not isinstance(parsed, text_format):
            call = call.with_outcome(OUTCOME_ERROR)
            raise OpenAiMalformedAnswer("malformed response", usage=usage, call=call)
        return Answer(parsed, usage, model, call, "completed")


def clean_reasons(reasons: list[str]) -> tuple[str, ...]:
    return tuple(r.strip() for r in reasons if r.strip())


def _usage(body: dict[str, Any]) -> dict[str, int]:
    usage = body.get("usage") or {}
    details = usage.get("input_tokens_details") or {}
    return {
        "input_tokens": int(usage.get("input_tokens") or 0),
        "cached_tokens": int(details.get("cached_tokens") or 0),
        "output_tokens": int(usage.get("output_tokens") or 0),
    }


def _refusal(body: dict[str, Any]) -> str | None:
    for item in body.get("output") or []:
        for content in item.get("content") or []:
            if content.get("type") == "refusal":
                return str(content.get("refusal") or "refused")
    return None


def _provider_error(exc: openai.APIError, call: CallInfo) -> ProviderError:
    status = getattr(exc, "status_code", None)
    code = exc.code if isinstance(exc.code, str) else None
    message = _error_message(exc)
    if call.timed_out_attempts:
        # An attempt was sent and never answered: it may have been processed and billed.
        call = call.with_outcome(OUTCOME_UNKNOWN)
    if isinstance(exc, openai.AuthenticationError):
        return ProviderAuthError(PROVIDER, message, status=status, code=code, call=call)
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(PROVIDER, "timed out", permanent=False, call=call)
    permanent = isinstance(exc, openai.APIStatusError) and not (
        isinstance(exc, openai.RateLimitError | openai.InternalServerError)
        or (status is not None and status in (408, 409))
    )
    if code == "insufficient_quota":
        permanent = True  # a billing problem on the account: retrying will not help
    return ProviderError(
        PROVIDER, message, permanent=permanent, status=status, code=code, call=call
    )


def _error_message(exc: openai.APIError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body)
    text = error.get("message") if isinstance(error, dict) else None
    return str(text or exc.message or type(exc).__name__)
