# LeadFlow: `make run` serves the app locally; `make test` runs the whole suite.
.PHONY: run test test-postgres lint format bench bench-load setup setup-dev browsers screenshots

setup:
	scripts/setup.sh requirements.txt

setup-dev:
	scripts/setup.sh requirements-dev.txt

run: setup
	scripts/run.sh

test: setup-dev
	.venv/bin/python -m pytest $(PYTEST_ARGS)

test-postgres: setup-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/1} \
	.venv/bin/python -m pytest $(PYTEST_ARGS)

lint: setup-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy accounts billing leadflow leads providers bench

format: setup-dev
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench: setup-dev
	.venv/bin/python bench/run_all.py

# gunicorn on local PostgreSQL + Redis, then runserver on SQLite, under a load generator
# over loopback (bench/http_load.py; needs psql and the two services running).
bench-load: setup-dev
	.venv/bin/python bench/http_load.py

# docs/screenshots/: every page at 1366 and 390 px, from the browser tests' sandbox data.
screenshots: setup-dev
	LEADFLOW_SCREENSHOTS=1 .venv/bin/python -m pytest leadflow/tests/test_every_page.py -m browser -p no:randomly $(PYTEST_ARGS)

# Debian's Chromium for the browser tests (Playwright drives it; its own download is not used).
browsers:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
