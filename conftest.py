"""Fixtures shared by every app's tests."""

import pytest

from providers.sandbox import faults


@pytest.fixture(autouse=True)
def _clear_sandbox_faults():
    faults.clear()
    yield
    faults.clear()
