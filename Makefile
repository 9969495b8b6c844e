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

.PHONY: test lint clean

## test: lint, type-check and run the whole test suite
test: lint $(NODE_STAMPS)
	$(BIN)/pytest

# Without npm the tests that need these packages skip (and fail in CI's strict mode).
%/node_modules/.package-lock.json: %/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $* --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the tests that need $*/node_modules will be skipped"; \
	fi

## lint: ruff and mypy
lint: $(STAMP)
	$(BIN)/ruff check realtime_core tests
	$(BIN)/mypy

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "django-realtime-core needs Python 3.11+; run e.g. make PYTHON=python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(NODE_PROJECTS:%=%/node_modules)
