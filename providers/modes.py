"""Which mode each provider is in: live, sandbox or off.

Sandbox mode wins over keys, so a developer with real keys in the shell never spends by
accident; otherwise a provider is live when its credentials are set, and off when not.
"""

from __future__ import annotations

from django.conf import settings

PROVIDERS = ("attom", "batch", "twilio", "openai")
PROVIDER_LABELS = {
    "attom": "ATTOM",
    "batch": "BatchData",
    "twilio": "Twilio Lookup",
    "openai": "OpenAI",
}
LIVE, SANDBOX, OFF = "live", "sandbox", "off"


def _has_credentials(provider: str) -> bool:
    if provider == "attom":
        return bool(settings.ATTOM_API_KEY)
    if provider == "batch":
        return bool(settings.BATCHDATA_API_KEY)
    if provider == "twilio":
        return all(
            (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_API_KEY, settings.TWILIO_API_SECRET)
        )
    if provider == "openai":
        return bool(settings.OPENAI_API_KEY)
    raise ValueError(f"unknown provider {provider!r}")


def provider_mode(provider: str) -> str:
    if settings.SANDBOX_PROVIDERS:
        return SANDBOX
    return LIVE if _has_credentials(provider) else OFF


def is_enabled(provider: str) -> bool:
    return provider_mode(provider) != OFF
