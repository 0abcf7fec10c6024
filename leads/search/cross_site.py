"""A paid search never runs from a cross-site GET.

A search is a GET so that it can be bookmarked and shared, and browsers send the session
cookie (SameSite=Lax) on a top-level navigation from another site: a link or a redirect on
any page could spend the ATTOM budget. A navigation from elsewhere shows the search filled
in, with stored leads only and a button that runs it from our own page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest

from accounts.auth import is_token_call

# `Sec-Fetch-Site` values that mean our own pages or the user's own action (typed, bookmark).
OWN = {"same-origin", "none"}


def is_cross_site(request: HttpRequest) -> bool:
    """From another site (a sibling subdomain included), by Sec-Fetch-Site or, for a
    browser that does not send it, by Referer. Token calls carry no cookie: never."""
    if is_token_call(request):
        return False
    site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if site:
        return site not in OWN
    referer = request.headers.get("Referer", "")
    if not referer:
        return False
    return urlsplit(referer).netloc.lower() != request.get_host().lower()
