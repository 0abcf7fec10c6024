"""How a page answers htmx: the region it asked for, or the whole page."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """Sent by htmx (django-htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


def partial_template(request: HttpRequest, template: str, partial: str) -> str:
    """`"leads/list.html#table"` for an htmx request, the whole template otherwise."""
    return f"{template}#{partial}" if is_htmx(request) else template
