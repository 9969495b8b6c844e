# A newcomer's commands. Each sets itself up: a virtualenv in .venv holding exactly the
# packages of requirements/dev.lock (hash-checked, plain pip) and the package itself in
# editable mode, rebuilt when the lock changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/dev.lock
# The development environment: the library, its optional backends' packages and the
# dev tools, plus what building the editable install needs (requirements/build.in).
EXTRAS := dev redis pusher docs
comma := ,
space := $() $()
# `make lock` and `make test-latest` work in venvs of their own, never in .venv.
LOCK_TOOLS := .venv-lock
UV_VERSION := 0.13.9
LATEST_VENV := .venv-latest
# Node projects of the tests: pusher-js for the interop tests, and pusher-js plus the
# pusher server SDK for realtime.js's tests.
NODE_PROJECTS := tests/interop/node tests/js tests/benchmarks/node
NODE_STAMPS := $(NODE_PROJECTS:%=%/node_modules/.package-lock.json)
# The todo demo (migration_guide/todo) and where `make demo` serves it.
TODO := migration_guide/todo
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000

.PHONY: demo test test-latest lint lock clean help

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

## lint: ruff, mypy, tsc on js/src, and the built realtime.js (make js) up to date
lint: $(STAMP)
	$(BIN)/ruff check realtime_core tests migration_guide docs
	$(BIN)/mypy
	$(JS)/node_modules/.bin/tsc -p $(JS)/tsconfig.json
	node $(JS)/build.mjs --check

# realtime.js. The browser client is written as ES modules in js/src (type-checked by
# tsc from their JSDoc); esbuild bundles them into realtime_core/static/realtime_core/
# realtime.js and catch-up.js, and tsc's declarations go beside them (realtime.d.ts,
# catch-up.d.ts). The built files are committed, so Django users need no build step;
# `make lint` type-checks js/src and fails when the committed files are not a fresh build.
JS := js
JS_STAMP := $(JS)/node_modules/.package-lock.json

.PHONY: js
## js: rebuild realtime.js, catch-up.js and their .d.ts from js/src (then commit them)
js: $(JS_STAMP)
	node $(JS)/build.mjs

lint: $(JS_STAMP)

# A venv whose packages are exactly the lock's: --require-hashes refuses anything
# unpinned or altered, and the project itself is installed without touching them.
$(STAMP): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "django-realtime-core needs Python 3.11+; run e.g. make PYTHON=python3.12"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

## lock: re-resolve requirements/dev.lock from pyproject.toml (newest allowed releases)
lock: $(LOCK_TOOLS)/bin/uv
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml requirements/build.in \
		$(EXTRAS:%=--extra %) --universal --python-version 3.11 --generate-hashes \
		--upgrade --quiet --output-file $(LOCK)
	@echo "$(LOCK) regenerated: run make test, then commit it"

$(LOCK_TOOLS)/bin/uv:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)

## test-latest: the whole suite against the newest releases pyproject.toml allows
test-latest: $(NODE_STAMPS)
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager \
		-e '.[$(subst $(space),$(comma),$(EXTRAS))]'
	touch $(LATEST_VENV)/.installed
	$(LATEST_VENV)/bin/python -m pip list --format=freeze
	$(LATEST_VENV)/bin/ruff check realtime_core tests migration_guide docs
	$(LATEST_VENV)/bin/mypy
	$(LATEST_VENV)/bin/pytest

# The documentation site (docs/, Sphinx + MyST + furo). `make docs` builds it as
# tests/docs does: any warning fails the build and every reference must resolve.
DOCS_BUILD := docs/_build
DOCS_HOST ?= 127.0.0.1
DOCS_PORT ?= 8001
.PHONY: docs docs-serve

## docs: build the documentation site into docs/_build/html (a warning fails it)
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -n -b html -d $(DOCS_BUILD)/doctrees docs $(DOCS_BUILD)/html

## docs-serve: build the documentation site, then serve it at http://127.0.0.1:8001/
docs-serve: docs
	@echo "Documentation at http://$(DOCS_HOST):$(DOCS_PORT)/ — press Ctrl+C to stop"
	@$(BIN)/python -m http.server --bind $(DOCS_HOST) --directory $(DOCS_BUILD)/html $(DOCS_PORT)

## help: this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) $(LATEST_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(NODE_PROJECTS:%=%/node_modules) js/node_modules $(DOCS_BUILD)
