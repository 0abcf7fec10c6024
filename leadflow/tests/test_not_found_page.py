"""The app's own 404 page, also with DEBUG on as in the local set-up's `.env`."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

OUR_PAGE = "That page or lead does not exist."


@pytest.fixture(params=[True, False], ids=["debug on", "debug off"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_an_unknown_path_gets_our_page(agent_client, debug):
    response = agent_client.get("/no-such-page/")

    assert response.status_code == 404
    assert OUR_PAGE in response.text
    assert "URLconf" not in response.text


def test_a_missing_lead_gets_our_page(agent_client, debug):
    response = agent_client.get("/leads/999999/")

    assert response.status_code == 404
    assert OUR_PAGE in response.text


def test_a_path_without_its_slash_still_redirects(agent_client, debug):
    response = agent_client.get("/leads")

    assert response.status_code == 301
    assert response["Location"] == "/leads/"


def test_static_files_are_still_served_with_debug_on(client, settings):
    settings.DEBUG = True

    response = client.get("/static/js/app.js")

    assert response.status_code == 200
