"""The OpenAI scoring client: its factory, and its requests under the shared retry policy."""

from __future__ import annotations

import pytest

from providers.openai_scoring import OpenAiScoringClient
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
