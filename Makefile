# Two commands: `make run` and `make test` (see README.md). The toolchain:
# `make lint`, `make fmt`, `make typecheck`, `make imports`, `make lock`
# (CONTRIBUTING.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app shop
HOST ?= 127.0.0.1
PORT ?= 5000
# A checkout runs in development mode on its own address (production is the
# default and needs an https PUBLIC_BASE_URL: README, Deploying). The tests
# set their own environment (tests/conftest.py).
export TAAWON_ENV ?= development
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-fast screenshots install translations migrate seed lint fmt typecheck imports \
	lock clean vnu

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exactly the pinned versions (requirements.lock, with hashes), then the
# project itself without re-resolving its dependencies.
$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml setup.cfg
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

translations: install
	$(FLASK) translate compile

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

# `flask serve`: Werkzeug's server without its version banner (shop/devserver.py).
run: translations seed
	$(FLASK) serve --host $(HOST) --port $(PORT)

# TEST_DATABASE_URL=postgresql+psycopg://… make test runs the same suite there.
# The import contracts run first: a forbidden import fails the tests.
# Two processes (pytest-xdist): the demo is seeded once for both, in the
# background (tests/conftest.py). Whole suite on the shared 2-core machine
# (load 6 to 10), 2026-12-02: 13m29 wall with -n 2, 33m02 in one process, for
# the same CPU time (409 s and 405 s user + system): the two workers add about
# 1 % of CPU. PYTEST_ARGS="-n 0" runs it in one process.
test: translations imports vnu
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The Nu Html Checker's jar, pinned in tests/data/vnu (its README); it needs
# npm to fetch and a Java runtime to run (.ci/run installs both). Without
# them the HTML test is skipped outside CI and says what is missing.
VNU_JAR := tests/data/vnu/node_modules/vnu-jar/build/dist/vnu.jar
vnu:
	@if [ ! -f $(VNU_JAR) ] && command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --prefix tests/data/vnu >/dev/null; fi

# Everything except the browser and slow lanes (`make test` still runs all).
test-fast: translations imports
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

# The browser lane again, saving its full-page screenshots under screenshots/
# for people to look at (`make test` checks the same pages without the PNGs).
screenshots: translations
	SHOTS=1 $(BIN)/python -m pytest -n 2 -m browser $(PYTEST_ARGS)

# What CI checks besides the tests (configuration in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/mypy_baseline.py
	$(BIN)/lint-imports

# Safe fixes first (they can leave lines to re-wrap), then the formatter.
fmt: install
	$(BIN)/ruff check --fix --exit-zero .
	$(BIN)/ruff format .

# mypy: strict on shop/money/, no new errors elsewhere (mypy-baseline.txt).
typecheck: install
	$(BIN)/python tools/mypy_baseline.py

# import-linter: the layers of ARCHITECTURE.md ([tool.importlinter]).
imports: install
	$(BIN)/lint-imports

# Re-pin every dependency after changing pyproject.toml's lists (existing pins
# are kept when they still fit; LOCK_ARGS=--upgrade takes the newest).
lock: install
	$(BIN)/pip-compile --quiet --extra test --extra dev --generate-hashes --allow-unsafe \
		--strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		$(LOCK_ARGS) -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
