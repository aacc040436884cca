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

.PHONY: run test install install-test translations extract-messages lint bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(MO_FILES)

## run: set up, migrate, load demo data into an empty database, serve with gunicorn
run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	@echo ""
	@echo "  The workspace is at http://$(HOST):$(PORT)/   (Ctrl-C stops it)"
	@echo ""
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --threads 4 --access-logfile - wsgi:app

## test: lint, the whole suite on SQLite (browser tests when Chromium is there), then on PostgreSQL
test: install-test translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		WORKSPACE_TEST_DB=postgres $(BIN)/python -m pytest --ignore=tests/e2e; \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
		echo "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set"; exit 1; \
	else \
		echo "(TEST_DATABASE_URL is not set: the PostgreSQL run is skipped)"; \
	fi

lint: install-test
	$(BIN)/ruff check .

## extract-messages: refresh the catalogs after changing interface strings
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

## bench: load benchmark of the main pages, search, the discussion board, activities and co-planning against a trivial route (prints
## figures; BENCH_SEARCH=0 / BENCH_DISCUSSIONS=0 / BENCH_ACTIVITIES=0 / BENCH_PLANS=0 skip a part)
bench: install-test translations
	$(BIN)/python -m bench.run

## screenshots: refresh docs/screenshots/ with the system Chromium
screenshots: install-test translations
	SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -k screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
