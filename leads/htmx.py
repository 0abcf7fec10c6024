"""How a page answers htmx: the region it asked for, or the whole page."""

from __future__ import annotations

from django.http import HttpRequest


def partial_template(request: HttpRequest, template: str, partial: str) -> str:
    """`"leads/list.html#table"` for an htmx request, the whole template otherwise."""
    return f"{template}#{partial}" if getattr(request, "htmx", False) else template
