"""Toasts: a short result message a view attaches to an htmx answer.

The message travels in the `HX-Trigger` header as a `showToast` event; static/js/app.js
renders it into the page's polite live region (`#toasts` in base.html). Events a view set
in the header before (a plain name such as `list-changed`, or JSON) are kept.
"""

from __future__ import annotations

import json
from typing import Literal

from django.http import HttpResponse

TOAST_EVENT = "showToast"
TRIGGER_HEADER = "HX-Trigger"
Level = Literal["success", "info", "warning", "error"]


def add_toast(response: HttpResponse, message: str, *, level: Level = "success") -> HttpResponse:
    """Attach a toast to `response` (an htmx answer) and return it."""
    events = _events(response.headers.get(TRIGGER_HEADER, ""))
    events[TOAST_EVENT] = {"message": message, "level": level}
    response.headers[TRIGGER_HEADER] = json.dumps(events)
    return response


def _events(header: str) -> dict[str, object]:
    """The events already in an `HX-Trigger` header: JSON, or comma-separated names."""
    header = header.strip()
    if header.startswith("{"):
        return dict(json.loads(header))
    return {name.strip(): None for name in header.split(",") if name.strip()}
