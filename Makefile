# A newcomer's commands. Each sets itself up: a virtualenv in .venv with the package
# installed in editable mode, rebuilt when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Node projects of the tests: pusher-js for the interop tests, and pusher-js plus the
# pusher server SDK for realtime.js's tests.
NODE_PROJECTS := tests/interop/node tests/js
NODE_STAMPS := $(NODE_PROJECTS:%=%/node_modules/.package-lock.json)
# The todo demo (migration_guide/todo) and where `make demo` serves it.
TODO := migration_guide/todo
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000

.PHONY: demo test lint clean help

## test: lint, type-check and run the whole test suite
test: lint $(NODE_STAMPS)
	$(BIN)/pytest

## demo: the todo demo on the embedded default (memory backend, SQLite, no Redis)
demo: $(STAMP)
	$(BIN)/python $(TODO)/manage.py migrate --noinput --verbosity 0
	$(BIN)/python $(TODO)/manage.py seed_todo
	@echo "Todo demo at http://$(DEMO_HOST):$(DEMO_PORT)/ — press Ctrl+C to stop"
	@$(BIN)/python $(TODO)/manage.py realtime_server --host $(DEMO_HOST) --port $(DEMO_PORT)

# Without npm the tests that need these packages skip (and fail in CI's strict mode).
%/node_modules/.package-lock.json: %/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $* --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the tests that need $*/node_modules will be skipped"; \
	fi

## lint: ruff and mypy
lint: $(STAMP)
	$(BIN)/ruff check realtime_core tests migration_guide
	$(BIN)/mypy

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "django-realtime-core needs Python 3.11+; run e.g. make PYTHON=python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## help: this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(NODE_PROJECTS:%=%/node_modules)
