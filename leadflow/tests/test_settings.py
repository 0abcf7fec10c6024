"""Settings are read once per process, so each case starts a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x9" * 32 + "-production-secret-for-the-deploy-check",
    "ALLOWED_HOSTS": "leads.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    clean.update({"LEADFLOW_ENV_FILE": os.devnull, **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_the_default_secret_key_with_debug_off():
    result = manage("check", DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_names_the_variable_with_a_bad_value():
    result = manage("check", **PRODUCTION, DAILY_CAP_ATTOM_CENTS="fifteen")
    assert result.returncode != 0
    assert "DAILY_CAP_ATTOM_CENTS" in result.stderr


def test_it_rejects_a_price_finer_than_a_micro_dollar():
    result = manage("check", **PRODUCTION, TWILIO_LOOKUP_PRICE_CENTS="0.00001")
    assert result.returncode != 0
    assert "TWILIO_LOOKUP_PRICE_CENTS" in result.stderr


@pytest.mark.parametrize("cents", ["-5", "Infinity", "NaN"])
def test_it_rejects_a_negative_or_unbounded_amount(cents):
    result = manage("check", **PRODUCTION, DAILY_CAP_BATCH_CENTS=cents)
    assert result.returncode != 0
    assert "DAILY_CAP_BATCH_CENTS must be a non-negative amount" in result.stderr


def test_it_reads_a_fraction_of_a_cent_as_exact_micro_dollars():
    show = "from django.conf import settings; print(settings.TWILIO_LOOKUP_PRICE_MICROS)"
    result = manage("shell", "-c", show, **PRODUCTION, TWILIO_LOOKUP_PRICE_CENTS="0.8")
    assert result.stdout.splitlines()[-1] == "8000", result.stderr


def test_it_rejects_a_bad_boolean():
    result = manage("check", **PRODUCTION, SANDBOX_PROVIDERS="maybe")
    assert result.returncode != 0
    assert "SANDBOX_PROVIDERS" in result.stderr


def test_it_passes_the_deploy_check_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_keeps_the_sandbox_off_by_default_in_production():
    code = "from django.conf import settings; print(settings.SANDBOX_PROVIDERS, settings.DEBUG)"
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr


def test_it_refuses_an_openai_price_that_is_not_exact_to_the_micro_dollar():
    # $0.0000001 per 1M tokens would truncate to 0 micro-dollars: free tokens, an under-report.
    result = manage("check", **PRODUCTION, OPENAI_PRICES="gpt-4o-mini=0.0000001/0.60")
    assert result.returncode != 0
    assert "OPENAI_PRICES" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "short-but-random-Zq81",  # too short
        "a" * 80,  # long, but one character
        "ab" * 40,  # long, but two
        "django-insecure-" + "k" * 30 + "x7Qp2mN9vR4tL8wZ",  # Django's placeholder prefix
        "insecure-dev-key-change-me",
    ],
)
def test_it_refuses_a_short_or_weak_secret_key_with_debug_off(key):
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def test_it_accepts_a_weak_secret_key_with_debug_on():
    result = manage("check", DEBUG="true", SECRET_KEY="dev")
    assert result.returncode == 0, result.stderr


def test_it_shares_the_default_cache_between_processes(tmp_path):
    """What one process (the demo loader, say) cached, another (the web server) finds."""
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}"}
    assert manage("createcachetable", **env).returncode == 0
    put = "from django.core.cache import cache; cache.set('paid-page', 'records', 600)"
    assert manage("shell", "-c", put, **env).returncode == 0
    get = "from django.core.cache import cache; print(cache.get('paid-page'))"
    result = manage("shell", "-c", get, **env)
    assert result.stdout.strip().splitlines()[-1] == "records", result.stderr


def test_it_uses_redis_when_cache_url_says_so():
    show = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = manage("shell", "-c", show, **PRODUCTION, CACHE_URL="redis://127.0.0.1:6379/6")
    assert result.stdout.strip().splitlines()[-1].endswith("RedisCache"), result.stderr


def test_gunicorn_kills_a_request_at_the_documented_timeout():
    code = "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['timeout'])"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "WEB_TIMEOUT_SECONDS": "30"},
    )  # fmt: skip
    from django.conf import settings

    assert result.stdout.strip() == "30" == str(settings.WEB_TIMEOUT_SECONDS), result.stderr
