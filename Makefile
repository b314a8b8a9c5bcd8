# copractice: `make run` to try it, `make test` to test it. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.copractice-installed
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
HOST ?= 127.0.0.1
PORT ?= 5000
# make test runs the suite on this many processes (pytest-xdist; each has its own database): CI has 2 cores.
# worksteal: a worker that runs out takes tests queued for the other, so the longest (put first by
# tests/conftest.py) never leave one worker running alone at the end.
PYTEST_WORKERS ?= 2

.PHONY: install run db demo test test-browser clean bench bench-busy-day plans bench-community

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,redis]' $(foreach dir,$(PLUGIN_DIRS),-e ./$(dir))
	touch $(STAMP)

## install: virtualenv with the core, the bundled plugins and the test tools
install: $(STAMP)

## db: bring the database up to date (core and every plugin branch)
db: install
	$(BIN)/copractice db upgrade

## demo: a small believable site with one login per role, the theme plugins on (safe to repeat)
demo: db
	$(BIN)/copractice demo-data
	for plugin in $(notdir $(PLUGIN_DIRS)); do $(BIN)/copractice plugins enable $$plugin || exit 1; done
	$(BIN)/copractice dementia seed

## run: set up, then serve on http://$(HOST):$(PORT)
run: demo
	@echo ""
	@echo "copractice is starting on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	@echo "Log in as admin@example.org, lead@example.org, facilitator@example.org or trainee@example.org"
	@echo "with the password: copractice-demo"
	@echo "Emails the site sends are printed here, listed at http://$(HOST):$(PORT)/dev/mail and saved in instance/mail/"
	@echo ""
	$(BIN)/copractice develop --host $(HOST) --port $(PORT)

## test: set up, then run the whole suite (browser tests need /usr/bin/chromium)
test: install
	$(BIN)/ruff check copractice copractice_demo plugins tests bench migrations config.py
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=25 $(PYTEST_ARGS)

## bench: load benchmark on SQLite and PostgreSQL with the large demo data (bench/README.md; BENCH_ARGS="--db sqlite")
bench: install
	command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { apt-get update -qq && apt-get install -y -qq nginx-light; }
	command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## bench-busy-day: the mixed mode: a weighted read mix while a writer writes at 0, 1, 5 and 20 per second,
## caching off, on, and on behind nginx's micro-cache (bench/README.md, "The busy day")
bench-busy-day:
	$(MAKE) bench BENCH_ARGS="--mixed $(BENCH_ARGS)"

## bench-community: the community's pages uncached, then again while members reply at 5 a second (bench/README.md, "Community")
bench-community:
	$(MAKE) bench BENCH_ARGS="--only community,home,learning,catalogue --page-cache off --community-posting 5 $(BENCH_ARGS)"

## plans: every benchmark page's query plans on the large data; fails on a big table read whole (bench/plans.py)
plans: install
	$(BIN)/python bench/plans.py --db sqlite
	$(BIN)/python bench/plans.py --db postgresql

clean:
	rm -rf $(VENV) instance .pytest_cache
