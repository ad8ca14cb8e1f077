# CryptoShop — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve deps venv css lint audit test bench soak screenshots services-up services-down clean help

help:
	@echo "make run    - install everything, migrate, load demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   - lint, then every test tier on SQLite and on PostgreSQL"
	@echo "make lint   - ruff, mypy, layer contracts (import-linter), shape check, dependency audit"
	@echo "make audit  - the dependency audit alone, failing if it cannot run"
	@echo "make bench  - benchmarks (figures as ratios against in-run baselines)"
	@echo "make soak   - the production topology under load with faults (SOAK_ARGS='--users 30 --duration 60' for a quick run)"

# --- dependencies ------------------------------------------------------------------------
$(VENV)/.installed: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

venv: $(VENV)/.installed

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

cryptoshop/static/build/app.css: frontend/node_modules/.installed frontend/build.mjs frontend/src/app.css $(wildcard frontend/src/escrow/*.js) $(shell find cryptoshop -name '*.html' -o -name '*.js' -path '*static/js*' 2>/dev/null)
	cd frontend && node build.mjs

css: cryptoshop/static/build/app.css

deps: venv css

# --- run ---------------------------------------------------------------------------------
# The embedded demo: a local regtest node (btcd, built with Go on first use) and a fixed
# demo exchange rate, so nothing reaches the internet. Set CRYPTOSHOP_NETWORK and friends
# (.env) for a real shop.
run: export CRYPTOSHOP_FIXED_RATES ?= USD:65000,EUR:60000,GBP:52000,CHF:58000,CAD:90000,AUD:100000,JPY:10000000
run: deps
	$(PY) manage.py migrate --noinput
	@if [ "$${CRYPTOSHOP_NETWORK:-regtest}" = "regtest" ]; then \
	  $(PY) manage.py regtest start || echo "warning: no regtest node (needs Go to build btcd); payments are disabled"; fi
	$(PY) manage.py first_run --base-url http://$(HOST):$(PORT)
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

serve: deps
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# --- quality -----------------------------------------------------------------------------
# ruff and mypy; import-linter holds the apps to their layer order (pyproject.toml); the
# shape check keeps modules under 400 lines and functions under 60; the dependency audit
# (pip-audit, npm audit) fails on known vulnerabilities not in scripts/audit-ignore.txt and
# says "AUDIT NOT RUN" where the advisory services can't be reached.
lint: venv frontend/node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy cryptoshop config
	$(VENV)/bin/lint-imports --no-cache
	$(PY) scripts/check_shape.py
	$(PY) scripts/audit.py

audit: venv frontend/node_modules/.installed
	CRYPTOSHOP_AUDIT_REQUIRED=1 $(PY) scripts/audit.py

test: deps
	bash scripts/test.sh

bench: deps
	bash scripts/bench.sh

# The production topology on one machine (HAProxy, web processes, workers, PostgreSQL with
# a streaming replica, Redis, a regtest node) under 200 users for 5 minutes while parts of
# it fail on a schedule; prints a per-phase table and fails unless every check holds.
soak: deps
	bash scripts/ensure-packages.sh soak
	$(PY) -m tests.soak $(SOAK_ARGS)

services-up:
	bash scripts/services.sh up

services-down:
	bash scripts/services.sh down

clean:
	rm -rf $(VENV) frontend/node_modules cryptoshop/static/build var/test

# Screenshots of the pages (desktop and 375 px, light and dark) into docs/screenshots/.
screenshots: deps
	CRYPTOSHOP_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/e2e
