# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := workspace/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

# What gets installed comes from the lock files (exact versions with their hashes), never from the ranges in
# pyproject.toml alone: a release upstream cannot change a fresh install. `make lock` refreshes them.
LOCK := requirements.txt
TEST_LOCK := requirements-test.txt
PIP_TOOLS := pip-tools==7.6.2
LOCK_VENV := .venv-lock
PIP_COMPILE := $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --build-deps-for editable

.PHONY: run reset-demo test install install-test translations extract-messages lint lock bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# --require-hashes: a file whose bytes differ from the locked ones is refused. The project itself is installed
# without build isolation, so that its build backend (setuptools) is the locked one too.
$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-test: $(TEST_LOCK) $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r $(TEST_LOCK)
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(MO_FILES)

## run: set up, migrate, load demo data into an empty database, serve with gunicorn
## (`prepare` does the database's part in one process and prints the address: BASE_URL, or http://HOST:PORT/)
run: install translations
	HOST=$(HOST) PORT=$(PORT) $(FLASK) prepare
	HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

## reset-demo: delete the local SQLite database and uploaded files, so that `make run` loads the demo afresh
reset-demo:
	@if [ -n "$$DATABASE_URL" ]; then echo "DATABASE_URL is set: reset-demo only deletes the local SQLite demo"; exit 1; fi
	rm -f instance/workspace.sqlite3 instance/workspace.sqlite3-wal instance/workspace.sqlite3-shm
	rm -rf instance/uploads
	@echo "The demo starts afresh at the next 'make run'."

## test: lint, the whole suite on SQLite (browser tests when Chromium is there), then on PostgreSQL; one pytest
## worker per core (TEST_WORKERS=0 runs in one process, e.g. to read a failure's output in order)
TEST_WORKERS ?= auto
test: install-test translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		WORKSPACE_TEST_DB=postgres $(BIN)/python -m pytest -n $(TEST_WORKERS) --ignore=tests/e2e; \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
		echo "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set"; exit 1; \
	else \
		echo "(TEST_DATABASE_URL is not set: the PostgreSQL run is skipped)"; \
	fi

## lock: refresh the lock files from the ranges in pyproject.toml (then run `make test` and commit them)
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS))
	$(PIP_COMPILE) $(UPGRADE) --output-file $(LOCK) pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) --extra test --constraint $(LOCK) --output-file $(TEST_LOCK) pyproject.toml

lint: install-test
	$(BIN)/ruff check .

## extract-messages: refresh the catalogs after changing interface strings
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

## bench: load benchmark of the main pages, search, the discussion board, activities, co-planning, compliance and mentoring against a trivial
## route (prints figures; BENCH_SEARCH=0 / BENCH_DISCUSSIONS=0 / BENCH_ACTIVITIES=0 / BENCH_PLANS=0 / BENCH_COMPLIANCE=0 / BENCH_MENTORING=0 skip a part)
bench: install-test translations
	$(BIN)/python -m bench.run

## screenshots: refresh docs/screenshots/ with the system Chromium
screenshots: install-test translations
	SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -k screenshots

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache
