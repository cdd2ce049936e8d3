# 红色物业门户 — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
PORT ?= 5000

.PHONY: run test lint translations extract-messages bench load clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,prod]"
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d portal/translations

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) demo
	@$(FLASK) serve --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check portal tests
	$(BIN)/lint-imports --no-cache

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set (CI: always).
# The operations tests (tests/ops: short load and fault runs against gunicorn, on SQLite and on a private
# PostgreSQL cluster, Redis) build their own databases, so they run once, in the first leg.
test: $(VENV)/.installed translations lint
	TEST_DATABASE_URL= $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; $(BIN)/pytest -m "not browser and not ops"; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true but TEST_DATABASE_URL is not set: the PostgreSQL leg must run"; exit 1; \
	else echo "== TEST_DATABASE_URL not set: PostgreSQL leg skipped"; fi

# Re-extract every translatable string and merge it into the catalogues.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract --ignore-dirs '.*' -F portal/translations/babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o portal/translations/messages.pot .
	$(BIN)/pybabel -q update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

# The served benchmark (tests/bench.py): gunicorn beside a bare Flask and a Flask-Admin list, demo and city
# scale; prints the figures. BENCH_ARGS="--scale demo --db both --city-scale 0.1 --rounds 3 --seconds 5"
bench: $(VENV)/.installed translations
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

# The long form of tests/ops: 200 clients × 60 s on SQLite and PostgreSQL, a PostgreSQL restart and killed
# workers mid-load; prints the figures (about 8 minutes). LOAD_ARGS="--clients 50 --seconds 20 --only sqlite"
load: $(VENV)/.installed translations
	$(BIN)/python -m tests.load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) instance
