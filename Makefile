# Marquee — run `make` to list the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: help venv web players demo serve test test-all lint format bench db-upgrade clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed ($(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(INSTALLED)

venv: $(INSTALLED) ## Create .venv and install Marquee with its development tools

WEB_MODULES := web/node_modules/.package-lock.json
WEB_BUILT := src/marquee/web/index.html
WEB_SOURCES := $(shell find web/src web/public -type f -not -name schema.d.ts 2>/dev/null) \
	web/angular.json web/ngsw-config.json web/tsconfig.json web/tsconfig.app.json
API_SOURCES := $(shell find src/marquee -name '*.py' -not -path '*/migrations/*' 2>/dev/null)

# `npm install` with the committed lock, not `npm ci`: registry mirrors that carry only this
# platform's optional packages (rollup, esbuild builds) make `npm ci` refuse the lock as out of sync.
$(WEB_MODULES): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20.19+ and npm are needed to build the web app"; exit 1; }
	cd web && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json

web/src/app/api/schema.d.ts: $(INSTALLED) $(WEB_MODULES) $(API_SOURCES)
	$(BIN)/python -c 'import json; from marquee.app import create_app; from marquee.settings import Settings; print(json.dumps(create_app(Settings()).openapi()))' > web/openapi.json
	cd web && npx openapi-typescript openapi.json -o src/app/api/schema.d.ts --silent

$(WEB_BUILT): $(WEB_MODULES) web/src/app/api/schema.d.ts $(WEB_SOURCES)
	cd web && npx ng build

web: $(WEB_BUILT) ## Build the web app (npm packages, TypeScript client from the OpenAPI document, production build into src/marquee/web)

PLAYERS_DIR := tests/e2e/players
PLAYERS_MODULES := $(PLAYERS_DIR)/node_modules/.package-lock.json

# Installed as the web app's packages are: `npm install` with the committed lock, not `npm ci`
# (registry mirrors that carry only this platform's optional packages make `npm ci` refuse a lock).
$(PLAYERS_MODULES): $(PLAYERS_DIR)/package.json $(PLAYERS_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ and npm are needed for the player tests"; exit 1; }
	cd $(PLAYERS_DIR) && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json

players: $(PLAYERS_MODULES) ## Install the players the interoperability tests drive (dash.js, hls.js, Shaka, Video.js: docs/players.md)

demo: venv web ## Set up and run the platform on the embedded defaults (http://127.0.0.1:8000)
	$(BIN)/marquee demo

# Two pytest workers (pytest-xdist): most tests wait on a server, a browser or ffmpeg, so two
# processes keep both cores of a small machine busy. Tests sharing an expensive fixture stay on
# one worker (tests/scheduling.py). `make test TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= 2

test: venv web players ## Set up and run the tests (integration tests skip, saying why, when a service is missing)
	$(BIN)/python -m pytest -p no:cacheprovider --numprocesses $(TEST_WORKERS)

lint: venv ## ruff, mypy, import contracts and `alembic check`
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/marquee db check

format: venv ## Format the code with ruff
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: venv ## Run the benchmarks (they print figures)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

db-upgrade: venv ## Apply the database migrations to MARQUEE_DATABASE_URL
	$(BIN)/marquee db upgrade

clean: ## Remove the virtualenv and caches (keeps ./var, your data)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
