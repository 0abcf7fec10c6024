from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from accounts.permissions import user_may
from leads.activity.followups import overdue_count
from providers.modes import PROVIDERS, SANDBOX, provider_mode


def providers(request: HttpRequest) -> dict:
    modes = {name: provider_mode(name) for name in PROVIDERS}
    return {
        "provider_modes": modes,
        "sandbox_on": any(mode == SANDBOX for mode in modes.values()),
    }


def team(request: HttpRequest) -> dict:
    """What the page may show this user, and their overdue tasks for the navigation. Both
    are read only when a template uses them, once per response."""
    user = request.user

    @cache
    def may() -> dict[str, bool]:
        return user_may(user)

    @cache
    def overdue_tasks() -> int:
        return overdue_count(int(user.pk)) if user.is_authenticated else 0

    return {"may": may, "overdue_tasks": overdue_tasks}
