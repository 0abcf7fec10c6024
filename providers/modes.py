"""Which mode each provider is in: live, sandbox or off.

Sandbox mode wins over keys, so a developer with real keys in the shell never spends by
accident; otherwise a provider is live when all its credentials are set, and off when not.
"""

from __future__ import annotations

from django.conf import settings

from providers.registry import PROVIDER_LABELS, PROVIDERS, ProviderOff, vendor_of

__all__ = [
    "LIVE",
    "OFF",
    "PROVIDERS",
    "PROVIDER_LABELS",
    "SANDBOX",
    "is_enabled",
    "provider_mode",
    "require_on",
]

LIVE, SANDBOX, OFF = "live", "sandbox", "off"


def _has_credentials(provider: str) -> bool:
    return all(getattr(settings, name) for name in vendor_of(provider).credential_settings)


def provider_mode(provider: str) -> str:
    if settings.SANDBOX_PROVIDERS:
        return SANDBOX
    return LIVE if _has_credentials(provider) else OFF


def is_enabled(provider: str) -> bool:
    return provider_mode(provider) != OFF


def require_on(provider: str) -> str:
    """The mode a client factory builds for, live or sandbox; `ProviderOff` when it is off."""
    mode = provider_mode(provider)
    if mode == OFF:
        raise ProviderOff(provider)
    return mode
