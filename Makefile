# newsetl: the two set-up commands are `make run` (main job on the bundled samples) and
# `make test` (lint, types, import contracts and tests). Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser run test test-all bench bench-full bench-fields constraints clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The browser test of the HTML report renders it in headless Chromium: Debian's package, installed
# here when it is missing and we are root with apt-get (as CI is). Elsewhere that test skips and
# says why.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the HTML report's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

run: setup
	$(BIN)/newsetl run
	$(BIN)/newsetl sql "select published_date, publisher, agency, title from articles order by 1"

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	@# Two processes, each test module whole in one (--dist loadscope): a module-scoped run is made
	@# once, not once per process (xdist 3.8's loadgroup does not group under pytest 9).
	$(BIN)/pytest -n 2 --dist loadscope --durations=15

test-all: setup browser
	$(BIN)/pytest -m "slow or not slow"

bench: setup
	$(BIN)/python -m bench.run

bench-full: setup
	$(BIN)/python -m bench.scale

bench-fields: setup
	$(BIN)/python -m bench.fields --sizes 10000,100000,1000000

constraints:
	{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
