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


@pytest.fixture
def no_manifest(settings, tmp_path):
    """DEBUG off with the manifest storage, and collectstatic never run."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


def test_it_renders_the_friendly_page_without_the_static_manifest(failing_client, no_manifest):
    response = failing_client.get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"/static/css/app.css" in response.content


def test_a_page_that_cannot_find_its_static_files_gets_the_friendly_page(
    failing_client, no_manifest, settings
):
    settings.ROOT_URLCONF = "leadflow.urls"
    response = failing_client.get("/leads/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
