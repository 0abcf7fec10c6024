"""`{% safe_static %}`: a static file's URL that never fails, for the error pages.

`{% static %}` raises when collectstatic has not written the manifest (DEBUG off); the page
that says something went wrong must still render then, with the unhashed URL.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.templatetags.static import static

register = template.Library()


@register.simple_tag
def safe_static(path: str) -> str:
    try:
        return static(path)
    except ValueError:  # no manifest entry: collectstatic was not run
        return f"{settings.STATIC_URL}{path}"
