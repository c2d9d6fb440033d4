# Two entry points: `make book` builds the site, `make test` runs every check.
# Both set everything up on a fresh clone (virtual environment, package, browser
# scripts, data) and are cheap to rerun.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
JB := $(VENV)/bin/jupyter-book
SETUP_STAMP := $(VENV)/.osl-setup
VENDOR_STAMP := _assets/vendor/.stamp

.PHONY: book test setup vendor data lint typecheck unit build-strict browser-deps bench clean

book: setup vendor data
	$(PY) tools/cache_guard.py
	$(JB) build . --keep-going
	@echo "Site written to _build/html/index.html"

# The time limits make a hung kernel or browser fail the run instead of stalling it.
test: setup vendor data browser-deps lint typecheck
	$(PY) tools/cache_guard.py
	timeout 2400 $(JB) build . -n -W --keep-going
	timeout 1800 $(PY) -m pytest -n 2 -p no:cacheprovider

setup: $(SETUP_STAMP)

$(SETUP_STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

vendor: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json tools/vendor_assets.sh
	npm ci --no-audit --no-fund --ignore-scripts
	bash tools/vendor_assets.sh
	touch $@

data: setup
	$(PY) -m osl_helpers

browser-deps:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser check"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check osl_helpers tests benchmarks tools

typecheck: setup
	$(VENV)/bin/mypy osl_helpers

bench: setup data
	$(PY) benchmarks/bench_fit.py
	$(PY) benchmarks/bench_bootstrap.py
	$(PY) benchmarks/bench_conformal.py
	$(PY) benchmarks/bench_selection.py

clean:
	rm -rf _build _assets/vendor node_modules
