# A newcomer's commands. Each sets itself up: a virtualenv in .venv with the package
# installed in editable mode, rebuilt when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_CLIENTS := tests/interop/node
NODE_STAMP := $(NODE_CLIENTS)/node_modules/.package-lock.json

.PHONY: test lint clean

## test: lint, type-check and run the whole test suite
test: lint $(NODE_STAMP)
	$(BIN)/pytest

# pusher-js, the referee of the interop tests; without npm those tests skip (and fail
# in CI's strict mode).
$(NODE_STAMP): $(NODE_CLIENTS)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(NODE_CLIENTS) --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the pusher-js interop tests will be skipped"; \
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
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(NODE_CLIENTS)/node_modules
