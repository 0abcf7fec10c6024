from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_it_sends_a_strict_content_security_policy(agent_client):
    policy = agent_client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_it_puts_the_csrf_token_in_hx_headers_on_body(agent_client):
    html = agent_client.get("/").content.decode()
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", html)


def test_it_serves_vendored_scripts_only_from_our_own_static(agent_client):
    html = agent_client.get("/pipeline/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert sources and all(src.startswith("/static/") for src in sources)
    assert any("htmx-2.0.11/htmx.min.js" in src for src in sources)
    assert any("sortablejs-1.15.7/Sortable.min.js" in src for src in sources)
    assert "<script>" not in html and " style=" not in html


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/system/status"])
def test_it_switches_off_browser_features_with_a_permissions_policy(client, path):
    policy = client.get(path)["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
