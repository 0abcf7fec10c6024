"""gunicorn's settings for LeadFlow (read from the working directory: `gunicorn leadflow.wsgi`).

`timeout` is the documented request limit, WEB_TIMEOUT_SECONDS (30 s by default): a worker
busy longer than this is killed, so every wait inside a request stays well below it (see
leads/skiptrace/services.py). No `Server` header: it only tells an attacker what we run.
"""

import os

from gunicorn.http import wsgi

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT_SECONDS", "30"))
graceful_timeout = timeout
keepalive = 5
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

_default_headers = wsgi.Response.default_headers


def _without_server_header(response: wsgi.Response) -> list[str]:
    return [line for line in _default_headers(response) if not line.startswith("Server:")]


wsgi.Response.default_headers = _without_server_header
