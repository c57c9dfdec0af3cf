# Citizen complaint tracker: developer / CI entry points.
#
#   make venv      create .venv and install requirements-dev.txt (only when they changed)
#   make babel     compile the Babel catalogs (skipped when there are none)
#   make run       migrate, load localities + demo data, run scheduler + dev server
#                  on 127.0.0.1:$${PORT:-5000}
#   make test      pytest on SQLite            (extra args: make test PYTEST_ARGS='-k foo -x')
#   make test-pg   pytest on a throw-away PostgreSQL (.ci/pg.sh)
#   make lint      ruff
#   make clean     caches and compiled catalogs;  make distclean  also removes .venv

SHELL := /bin/bash

PYTHON       ?= python3
VENV         := .venv
BIN          := $(VENV)/bin
FLASK        := $(BIN)/flask --app wsgi
TRANSLATIONS := complaints/translations
PYTEST_ARGS  ?=

export FLASK_APP := wsgi
# Browser tests use Debian's /usr/bin/chromium; never let playwright download one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv babel run test test-pg lint clean distclean

venv: $(VENV)/.installed

$(VENV)/.installed: $(wildcard requirements*.txt)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

babel: venv
	@if [ -d $(TRANSLATIONS) ] && [ -n "$$(find $(TRANSLATIONS) -name '*.po' -print -quit)" ]; then \
		echo "$(BIN)/pybabel compile -d $(TRANSLATIONS)"; \
		$(BIN)/pybabel compile -d $(TRANSLATIONS); \
	else \
		echo "babel: no catalogs under $(TRANSLATIONS), skipping"; \
	fi

run: venv babel
	$(FLASK) db upgrade
	$(FLASK) localities load
	$(FLASK) demo load --if-empty
	$(FLASK) scheduler & sched=$$!; trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; $(FLASK) run --host 127.0.0.1 --port $${PORT:-5000}

test: venv babel
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-pg: venv babel
	bash .ci/pg.sh $(BIN)/pytest -q $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check complaints tests

clean:
	rm -rf .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	-[ -d $(TRANSLATIONS) ] && find $(TRANSLATIONS) -name '*.mo' -delete

distclean: clean
	rm -rf $(VENV)
