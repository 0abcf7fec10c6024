from __future__ import annotations

from django.http import HttpRequest

from providers.modes import PROVIDERS, SANDBOX, provider_mode


def providers(request: HttpRequest) -> dict:
    modes = {name: provider_mode(name) for name in PROVIDERS}
    return {
        "provider_modes": modes,
        "sandbox_on": any(mode == SANDBOX for mode in modes.values()),
    }
