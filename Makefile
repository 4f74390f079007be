# The README's commands. `make run` and `make test` each do all of their own set-up.
PYTHON ?= python3
PORT   ?= 5000
FUZZ_EXAMPLES ?= 50
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-sqlite test-clocks fuzz bench lint format services translations \
	i18n-extract i18n-update clean lock upgrade docs docs-serve
BROWSER_TESTS := tests/browser

# Exactly the tested versions, checked against their hashes (requirements-dev.txt: the app's
# dependencies and the dev extra), then the project itself without resolving anything again.
$(BIN)/.installed: pyproject.toml requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/python .ci/check_lock.py
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

LOCK = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --universal \
	--python-version 3.11 --custom-compile-command "make lock"

## Pin pyproject.toml's dependencies with their hashes: requirements-dev.txt (make run and test)
## and, at the same versions, requirements.txt (the image). Versions already pinned are kept.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet 'uv>=0.5,<1'
	$(LOCK) $(LOCK_ARGS) --extra dev -o requirements-dev.txt
	$(LOCK) $(LOCK_ARGS) --constraint requirements-dev.txt -o requirements.txt

## Move every pin to the newest version pyproject.toml allows, then `make test`.
upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

translations: $(BIN)/.installed
	$(BIN)/flask i18n compile >/dev/null

## Serve the app on http://127.0.0.1:$(PORT) with an embedded SQLite database and demo data.
run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	@echo "Reminders: without REDIS_URL, '$(BIN)/flask reminders sweep' delivers inline (no worker);"
	@echo "without SMTP_HOST, each e-mail is written to instance/outbox/ as an .eml file and logged."
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# axe-core for the browser tests, from npm at the version package-lock.json pins.
$(BROWSER_TESTS)/node_modules/.installed: $(BROWSER_TESTS)/package-lock.json
	cd $(BROWSER_TESTS) && npm ci --no-audit --no-fund
	touch $@

## Check MariaDB/MySQL and Redis answer, build the documentation (a broken link fails), then run
## ruff and the whole test suite (the browser tests drive the system Chromium: Debian package
## `chromium`).
test: translations services docs $(BROWSER_TESTS)/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

## The suite again on SQLite, the database `make run` serves from (the embedded default is a
## deployment too): every test but the browser tests and those about MariaDB itself (marked
## `mariadb`: its locks, planner and sessions), on a fresh file under instance/.
test-sqlite: translations services
	TEST_DATABASE_URL=sqlite:///$(CURDIR)/instance/test/cmp_test.sqlite3 \
		$(BIN)/pytest -m "not mariadb" --ignore=$(BROWSER_TESTS) -q $(PYTEST_ARGS)

## The suite again (browser tests aside) with the clock started in 2025 and in 2030: no test
## depends on today's date.
test-clocks: translations services
	$(BIN)/pytest --clock 2025-03-01T10:00 --ignore=$(BROWSER_TESTS) -q $(PYTEST_ARGS)
	$(BIN)/pytest --clock 2030-09-01T10:00 --ignore=$(BROWSER_TESTS) -q $(PYTEST_ARGS)

## Schemathesis against the app's own OpenAPI document, as in `make test` but with
## FUZZ_EXAMPLES generated examples per operation and role.
fuzz: translations services
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/app/test_openapi_fuzz.py -q $(PYTEST_ARGS)

## Load-test the app against a bare endpoint on a large MariaDB data set (bench/run.py;
## BENCH_ARGS="--quick" for a one-minute smoke run, "--scale 10" to add ten times the data;
## installs wrk with apt-get when it is missing), then time reminder sweeps and e-mail delivery
## by two RQ workers (bench/reminders.py) and a 100,000-row export's memory (bench/export_rss.py).
bench: translations services
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/export_rss.py

## Build the documentation site (docs/, mkdocs.yml) into site/; any warning, such as a link to a
## page or heading that does not exist, fails the build.
docs: $(BIN)/.installed
	$(BIN)/mkdocs build --strict --quiet

## Serve the documentation on http://127.0.0.1:8001, rebuilt on every save.
docs-serve: $(BIN)/.installed
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8001

services: $(BIN)/.installed
	$(BIN)/python .ci/services.py

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

i18n-extract: $(BIN)/.installed
	$(BIN)/flask i18n extract

i18n-update: i18n-extract
	$(BIN)/flask i18n update

clean:
	rm -rf $(VENV) instance site .pytest_cache .ruff_cache $(BROWSER_TESTS)/node_modules
