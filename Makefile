# The two commands of the README: `make run` and `make test`; CI runs `make check` first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-quick check install install-test install-dev chromium virtuoso bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'

## Formatting, lint and types (ruff and mypy from the `dev` extra; mypy's scope is in pyproject.toml).
check: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy zhytomyr_kg etl graph_service

## Build the graph from the bundled report into the embedded store, then serve it.
run: install
	$(BIN)/zhytomyr-kg build
	$(BIN)/zhytomyr-kg serve

# The suite on every core (pytest-xdist). Work units (tests/conftest.py, work_unit): a module, so
# its module-scoped fixtures are set up once; a few modules sharing a costly session fixture; or,
# for independent slow tests, one test. The units holding slow tests start first (conftest orders
# them; --no-loadscope-reorder keeps that order). docs/TESTING.md.
PYTEST_PARALLEL := -n auto --dist loadscope --no-loadscope-reorder

## Install what the tests need (Debian's chromium and Virtuoso too), then run the whole suite.
test: install-test chromium virtuoso
	$(BIN)/python -m pytest -q $(PYTEST_PARALLEL) --durations=10

## The suite without the slow, browser and process-starting tests (a minute's feedback while working).
test-quick: install-test
	$(BIN)/python -m pytest -q $(PYTEST_PARALLEL) -m "not slow and not browser and not processes"

## The browser tests drive Debian's chromium with Playwright; install it when it is missing.
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

## tests/test_virtuoso_same_pages.py diffs every route against Debian's Virtuoso; install it when it is missing.
virtuoso:
	command -v virtuoso-t >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource)

## The benchmarks (they print ratios against peers measured in the same run).
bench: install-test
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk) || echo "no wrk: the HTTP bench uses its Python client"
	$(BIN)/python bench/etl.py
	$(BIN)/python bench/sparql_http.py
	$(BIN)/python bench/pages.py
