# Citizen complaint tracker: developer / CI entry points.
#
#   make venv      create .venv and install requirements-dev.txt (only when they changed)
#   make babel     compile the Babel catalogs (skipped when there are none)
#   make run       migrate, load localities + demo data, run scheduler + dev server
#                  on 127.0.0.1:$PORT (default 5000)
#   make test      pytest on SQLite            (extra args: make test PYTEST_ARGS='-k foo -x')
#                  in parallel, one pytest-xdist worker per core (PYTEST_WORKERS=0: one process)
#   make test-pg   pytest on a throw-away PostgreSQL (.ci/pg.sh)
#   make lint      ruff, then bandit (security scan of complaints/, config in pyproject.toml)
#   make clean     caches and compiled catalogs;  make distclean  also removes .venv

SHELL := /bin/bash

PYTHON       ?= python3
VENV         := .venv
BIN          := $(VENV)/bin
FLASK        := $(BIN)/flask --app wsgi
TRANSLATIONS := complaints/translations
PYTEST_ARGS  ?=
PYTEST_WORKERS ?= auto
# worksteal: an idle worker takes queued tests from a busy one (browser files run long).
PYTEST        := $(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal

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

# The demo's published passwords make 2FA pointless there: `make run` turns the rule off.
run: export REQUIRE_2FA_ROLES ?=
run: venv babel
	$(FLASK) db upgrade
	$(FLASK) localities load
	$(FLASK) demo load --if-empty
	$(FLASK) scheduler & sched=$$!; trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; $(FLASK) run --host 127.0.0.1 --port $${PORT:-5000}

test: venv babel
	$(PYTEST) $(PYTEST_ARGS)

test-pg: venv babel
	bash .ci/pg.sh $(PYTEST) $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check complaints tests
	$(BIN)/bandit -q -r complaints -c pyproject.toml

clean:
	rm -rf .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	-[ -d $(TRANSLATIONS) ] && find $(TRANSLATIONS) -name '*.mo' -delete

distclean: clean
	rm -rf $(VENV)

# make i18n    extract every msgid (Vietnamese source strings) from complaints/**.py and
#              templates/**.html (babel.cfg) into $(TRANSLATIONS)/messages.pot, then merge it
#              into the vi and en catalogs (created when missing). No fuzzy matching: a new or
#              reworded msgid arrives with an empty msgstr, and tests/integration/test_i18n.py
#              fails until en/LC_MESSAGES/messages.po translates it. Compile with `make babel`.
I18N_LOCALES := vi en
# Flask-Babel's lazy helpers on top of pybabel's defaults (_, gettext, ngettext, pgettext…),
# and N_ (complaints/domain/messages.py: services' messages, translated by the web layer);
# tests/integration/test_i18n.py reads this line, so the test extracts exactly the same.
I18N_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k N_

.PHONY: i18n
i18n: venv
	mkdir -p $(TRANSLATIONS)
	$(BIN)/pybabel extract -F babel.cfg $(I18N_KEYWORDS) --add-location=file \
		--project=complaints --copyright-holder="complaints contributors" \
		-o $(TRANSLATIONS)/messages.pot .
	for lang in $(I18N_LOCALES); do \
		$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang \
			--init-missing --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date \
			|| exit 1; \
	done
