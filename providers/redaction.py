"""Credentials never leave the seam: vendor text is redacted before it is stored or shown."""

from __future__ import annotations

import re

SECRET_SETTINGS = (
    "ATTOM_API_KEY", "BATCHDATA_API_KEY", "TWILIO_API_KEY", "TWILIO_API_SECRET", "OPENAI_API_KEY",
)  # fmt: skip
_SECRET_IN_TEXT = re.compile(
    r"(?i)\b(api[_-]?key|apikey|access[_-]?token|token|secret|password|authorization|key)"
    r"(\s*[=:]\s*|\"\s*:\s*\")(bearer\s+|basic\s+)?[^\s\"',;&}]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_KEY_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_-]{8,}|SK[0-9a-fA-F]{32}|lf_[A-Za-z0-9_-]{16,})")


def redact_text(text: str) -> str:
    """Vendor text with every credential taken out: the configured keys wherever they appear,
    `key=…`/`"token": "…"` pairs, bearer and basic credentials, and key-shaped words. Vendor
    error text is redacted here, at the boundary, before it is stored or shown (a vendor that
    echoes the request must not put our keys into the ledger or a page)."""
    from django.conf import settings  # the seam runs inside Django; read the keys lazily

    for name in SECRET_SETTINGS:
        secret = str(getattr(settings, name, "") or "")
        if len(secret) >= 6:
            text = text.replace(secret, "***")
    text = _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} ***", text)
    return _KEY_SHAPES.sub("***", text)
