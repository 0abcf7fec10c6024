"""gunicorn for bench/http_load.py: 4 sync workers with a few threads each, on loopback."""

workers = 4
threads = 4
worker_class = "gthread"
keepalive = 30
timeout = 60
accesslog = None
errorlog = "-"
loglevel = "warning"
