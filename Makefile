# The two commands: `make run` (serve the app with the real data) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests never need a real secret; production must set its own (see README, Operating).
TEST_ENV := DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-test-only-not-secret}

.PHONY: run test data install install-dev lint format fixtures bench clean plotly-bundle axe-core

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Migrate, then bring the data to the shipped seed release (DATABASE_URL; SQLite file by default). Never overwrites:
## an empty database gets the seed, one that holds data gets only what a newer release adds or changes where
## nobody curated it (`manage.py seed status` shows what that would be). Then train the bug-report classifier when
## its artefact (var/classifier/, git-ignored) is missing or stale, and rebuild the search index if the data changed.
data: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py seed upgrade
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py train_classifier --if-missing
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py search_index --if-stale

## Serve on http://127.0.0.1:8000 with the real data (embedded SQLite unless DATABASE_URL says otherwise).
run: data
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py runserver $(HOST):$(PORT)

## The whole test suite (set DATABASE_URL=postgres://... to run it on PostgreSQL, as CI does), on
## PYTEST_WORKERS processes (pytest-xdist; each has its own test database; a file's tests stay on one worker).
PYTEST_WORKERS ?= 2
test: install-dev
	$(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=25 $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Rebuild fixtures/*.json from ../shared/survey-data (or KB_SURVEY_DATA_DIR).
fixtures: install
	DJANGO_DEBUG=true $(BIN)/python manage.py build_fixtures

## Load benchmark on PostgreSQL at scale 100 (own databases kb_bench*, Redis DB 1, port 8104): writes
## bench/results/REPORT.md. BENCH_ARGS="--scale 10 --duration 5" for a quick run.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Rebuild the committed plotly.js partial bundle (static/vendor/plotly/plotly-kb.min.js) from the npm package
## pinned in frontend/package.json; edit frontend/plotly-kb.js when the charts use another trace type.
plotly-bundle:
	cd frontend && npm ci --no-audit --no-fund && npm run plotly

## Refresh the axe-core copy the browser tests inject (kb_site/tests/vendor/axe.min.js).
axe-core:
	cd frontend && npm ci --no-audit --no-fund && npm run axe

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
