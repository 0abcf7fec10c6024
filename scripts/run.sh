#!/usr/bin/env bash
# The local app: migrate, demo logins, demo data, then the web server and a task worker.
set -euo pipefail
cd "$(dirname "$0")/.."

host=${HOST:-127.0.0.1}
port=${PORT:-8000}
# A .env written before the shared cache kept a per-process one: each process paid ATTOM
# for the same page. Move it to the default, shared by the server, the worker and commands.
if grep -q '^CACHE_URL=locmemcache://' .env 2>/dev/null; then
  sed -i 's|^CACHE_URL=locmemcache://.*|CACHE_URL=dbcache://leadflow_cache|' .env
  echo "Moved .env's CACHE_URL to the shared database cache (dbcache://leadflow_cache)."
fi
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py create_demo_user
# Demo leads on a first run (and the demo searches' cache warmed on every run), their spend
# counted on yesterday so today's caps start untouched.
.venv/bin/python manage.py load_demo_data

# Both run in the background so this script sees Ctrl-C (SIGINT) and SIGTERM itself: it
# stops both children and exits 0 on such a clean stop, or with the status of a child that
# died on its own.
server= worker= signalled=
stop_children() { kill -TERM $server $worker 2>/dev/null || true; }
on_signal() { signalled=yes; stop_children; }
trap on_signal INT TERM
.venv/bin/python manage.py db_worker --queue-name '*' --no-reload &
worker=$!
cat <<MSG

  LeadFlow is starting on http://$host:$port/
  Log in as demo / leadflow-demo (admin) or agent / leadflow-agent (agent).
  Providers answer from the sandbox (made-up data, no real spend) while SANDBOX_PROVIDERS=true.
  A task worker runs beside the server (pid $worker). Ctrl-C stops both.

MSG
if [ -z "$signalled" ]; then
  .venv/bin/python manage.py runserver "$host:$port" --noreload &
  server=$!
fi

status=0
[ -n "$signalled" ] || wait -n $server $worker || status=$?
stop_children
wait $server $worker 2>/dev/null || true
trap - INT TERM
# A stop asked for (Ctrl-C, SIGTERM to us or to a child) is a clean stop: exit 0.
if [ -n "$signalled" ] || [ "$status" -eq 0 ] || [ "$status" -eq 130 ] || [ "$status" -eq 143 ]; then
  echo "LeadFlow stopped."
  exit 0
fi
echo "A LeadFlow process failed (status $status); the other one was stopped too." >&2
exit "$status"
