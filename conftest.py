"""Fixtures shared by every app's tests."""

import pytest

from providers.sandbox import faults


@pytest.fixture(autouse=True)
def _clear_sandbox_faults():
    faults.clear()
    yield
    faults.clear()


@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent", password="agent-pass-123")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
