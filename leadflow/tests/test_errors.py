from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("leadflow.tests.boom_urls")]


@pytest.fixture
def failing_client(agent_client, settings):
    settings.DEBUG = False
    agent_client.raise_request_exception = False
    return agent_client


def test_it_renders_a_friendly_page_on_a_server_error(failing_client):
    response = failing_client.get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"Traceback" not in response.content and b"boom" not in response.content


def test_it_answers_htmx_with_a_partial(failing_client):
    response = failing_client.get("/boom/", HTTP_HX_REQUEST="true")
    assert response.status_code == 500
    assert response.content.decode().strip().startswith('<div class="alert alert-error"')


def test_it_answers_the_api_with_json(failing_client):
    response = failing_client.get("/api/boom")
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"
