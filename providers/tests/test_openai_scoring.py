"""The OpenAI scoring client: its factory, and its requests under the shared retry policy."""

from __future__ import annotations

import httpx2
import pytest

from providers.http import ProviderError
from providers.openai_scoring import LeadFacts, OpenAiScoringClient
from providers.registry import ProviderOff


def test_it_is_off_without_a_key(settings):
    settings.SANDBOX_PROVIDERS, settings.OPENAI_API_KEY = False, ""
    with pytest.raises(ProviderOff, match="OpenAI is off: set OPENAI_API_KEY") as off:
        OpenAiScoringClient.from_settings()
    assert off.value.provider == "openai"


def test_it_never_sends_a_real_key_to_the_sandbox(settings):
    settings.SANDBOX_PROVIDERS, settings.OPENAI_API_KEY = True, "sk-real"
    client = OpenAiScoringClient.from_settings()
    assert client.sandbox
    assert client._client.api_key == "sandbox-key"


FACTS = LeadFacts(
    city="PHOENIX", state="AZ", zip="85034", property_type="SFR", beds=3, baths=2.0,
    living_sqft=1500, year_built=1972, avm_value_usd=300_000, estimated_equity_usd=180_000,
    equity_percent=60, last_sale_date="2001-05-01", years_owned=24, absentee=True,
    out_of_state_owner=True, corporate_owner=False, owner_is_trust=False, traced=False,
    contactable=False,
)  # fmt: skip
ANSWER = {
    "id": "resp_1", "object": "response", "created_at": 1767225600, "status": "completed",
    "model": "gpt-4o-mini-2024-07-18", "error": None, "incomplete_details": None,
    "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "annotations": [],
                             "text": '{"score": 71, "reasons": ["Absentee owner"]}'}]}],
    "usage": {"input_tokens": 300, "input_tokens_details": {"cached_tokens": 0},
              "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 0},
              "total_tokens": 320},
}  # fmt: skip
RATE_LIMITED = {"error": {"message": "Rate limit reached", "type": "requests", "code": None}}


class Wire(httpx2.BaseTransport):
    """Answers each request with the next of `answers`: a status (with headers) or an error."""

    def __init__(self, *answers: int | tuple[int, dict[str, str]] | type[httpx2.TransportError]):
        self.answers = list(answers)
        self.requests = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        answer = self.answers.pop(0)
        if isinstance(answer, type):
            raise answer("no answer", request=request)
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        body = ANSWER if status == 200 else RATE_LIMITED
        return httpx2.Response(status, json=body, headers=headers)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client_over(wire: Wire, sleeps: list[float]) -> OpenAiScoringClient:
    return OpenAiScoringClient(
        api_key="sk-test", base_url="https://openai.test/v1", model="gpt-4o-mini",
        transport=wire, sleep=sleeps.append,
    )  # fmt: skip


def test_it_retries_under_the_shared_policy_not_the_sdks(sleeps):
    wire = Wire(500, 500, 500)
    with pytest.raises(ProviderError) as failed:
        client_over(wire, sleeps).score(FACTS)
    assert wire.requests == 3  # 1 try + RETRY's 2 retries; the SDK adds none
    assert failed.value.call.attempts == 3
    assert failed.value.retryable and len(sleeps) == 2


def test_it_waits_as_long_as_retry_after_ms_asks(sleeps):
    wire = Wire((429, {"retry-after-ms": "1500", "retry-after": "2"}), 200)
    score = client_over(wire, sleeps).score(FACTS)
    assert score.score == 71 and score.call.attempts == 2
    assert sleeps == [1.5]


def test_it_hands_back_a_429_whose_retry_after_is_too_long(sleeps):
    wire = Wire((429, {"retry-after": "600"}))
    with pytest.raises(ProviderError) as failed:
        client_over(wire, sleeps).score(FACTS)
    assert failed.value.status == 429 and wire.requests == 1 and sleeps == []


def test_it_never_sends_a_timed_out_request_again(sleeps):
    wire = Wire(httpx2.ReadTimeout, 200)
    with pytest.raises(ProviderError) as failed:
        client_over(wire, sleeps).score(FACTS)
    assert wire.requests == 1 and sleeps == []
    assert failed.value.outcome_unknown
    assert failed.value.call.timed_out_attempts == 1


def test_it_retries_a_refused_connection(sleeps):
    wire = Wire(httpx2.ConnectError, 200)
    score = client_over(wire, sleeps).score(FACTS)
    assert (score.call.attempts, score.call.timed_out_attempts, score.call.outcome) == (
        2, 0, "success",
    )  # fmt: skip
    assert len(sleeps) == 1
