from __future__ import annotations

from django import template

from providers.registry import PROVIDER_LABELS

register = template.Library()


@register.filter
def vendor(provider: str) -> str:
    """A ledger's provider key ("batch") as agents know the vendor ("BatchData")."""
    return PROVIDER_LABELS.get(provider, provider)
