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

.PHONY: book test lab kernel reader setup vendor data lint typecheck unit build-strict browser-deps bench clean

book: setup vendor data
	$(PY) tools/cache_guard.py
	$(JB) build . --keep-going
	$(MAKE) reader
	@echo "Site written to _build/html/index.html"

# Reader versions of the executed chapters (_build/reader/), also served by the
# site's ".ipynb" download button: numbers filled in, plain Markdown, a set-up cell.
reader: setup
	$(PY) tools/reader_notebooks.py --site

# The time limits make a hung kernel or browser fail the run instead of stalling it.
test: setup vendor data browser-deps lint typecheck
	$(PY) tools/cache_guard.py
	timeout 2400 $(JB) build . -n -W --keep-going
	$(MAKE) reader
	timeout 1800 $(PY) -m pytest -n 2 -p no:cacheprovider

# Run the chapters yourself: JupyterLab on copies of the reader notebooks in notebooks/
# (git-ignored), with the book's environment as the kernel. A copy you have edited is
# never overwritten; delete it to get a fresh one. LAB_ARGS passes options, e.g.
# `make lab LAB_ARGS=--no-browser`.
KERNEL_NAME := osl-book
LAB_ARGS ?=

lab: book kernel
	mkdir -p notebooks
	for nb in _build/reader/*.ipynb; do \
	  test -e "notebooks/$$(basename "$$nb")" || cp "$$nb" notebooks/; done
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The book's environment as a named Jupyter kernel, installed inside .venv only.
kernel: setup
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL_NAME) \
	  --display-name "Python 3 ($(KERNEL_NAME))" >/dev/null

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
	$(PY) benchmarks/bench_leaderboard_scale.py

clean:
	rm -rf _build _assets/vendor node_modules book/api
