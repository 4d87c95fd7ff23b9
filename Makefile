# Every target installs what it needs first, so each works on a fresh clone with only Python and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project \( -path dbt_project/target -o -path dbt_project/logs \) -prune -o -type f \( -name '*.sql' -o -name '*.yml' \) -print)

# As `source .venv/bin/activate` would: dagster-dbt's dev-time manifest preparation looks for dbt on PATH.
export PATH := $(BIN):$(PATH)
export BANKING_DW_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# The window `make run` materialises: first day ... last day, both included (Dagster's range syntax).
RUN_WINDOW ?= 2024-01-01...2024-01-07

.PHONY: install contract run dev analysts test test-fast lint benchmark clean

install: $(INSTALLED) $(MANIFEST)

$(INSTALLED): setup.py pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# What the dbt files that restate the contract are written from.
CONTRACT_SOURCES := banking_dw/contracts.py banking_dw/value_rules.py banking_dw/erasure/placeholders.py \
	banking_dw/dbt/contract_files.py banking_dw/dbt/validation.py

# The manifest dagster-dbt builds the asset graph from, after the contract's dbt files are written;
# dbt parse needs no warehouse or credentials.
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES) $(CONTRACT_SOURCES)
	$(BIN)/python -m banking_dw.dbt.contract_files
	cd dbt_project && $(BIN)/dbt parse --quiet --profiles-dir .
	touch $@

# Every dbt file that only restates banking_dw/contracts.py (the sources, the contract macro, and
# per bronze table its validated, silver and quarantine models and YAML): written from it, never by
# hand and not committed (.gitignore); `make install` writes them, a test fails when one differs.
contract: $(INSTALLED)
	$(BIN)/python -m banking_dw.dbt.contract_files
	cd dbt_project && $(BIN)/dbt parse --quiet --profiles-dir .

# The project's files are private to their owner (umask 077): DAGSTER_HOME and the data folder.
$(DAGSTER_HOME)/dagster.yaml: deploy/dagster.yaml
	umask 077 && mkdir -p $(DAGSTER_HOME) && cp $< $@

# The same run `dagster asset materialize --select '*' --partition-range $(RUN_WINDOW)` makes, with one
# line per step on screen and the full log in $(DAGSTER_HOME)/logs; then the six reports.
run: install $(DAGSTER_HOME)/dagster.yaml
	umask 077 && $(BIN)/python -m banking_dw.run $(RUN_WINDOW)
	umask 077 && $(BIN)/python -m banking_dw.reports

dev: install $(DAGSTER_HOME)/dagster.yaml
	umask 077 && $(BIN)/dagster dev -m banking_dw.definitions

# Query the analysts' file as analysts do: read-only, no other file reachable, configuration locked.
analysts: install
	$(BIN)/python -m banking_dw.analysts

# Modules spread over workers, each module on one worker (--dist loadfile) so its fixtures are
# built once. Three on two cores, since the slow suites mostly wait on dbt and live Dagster
# processes (docs/benchmarks.md compares worker counts). The slow modules start in conftest.py's
# order (SLOW_MODULES_FIRST): by default xdist starts with the modules that have the most tests,
# which are the quick ones, and a long suite then runs alone at the end.
TEST_WORKERS ?= 3
test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The unit levels only: definitions, pure functions, single-layer materialisations; not the suites
# marked slow (dbt builds, the second engine, live Dagster).
test-fast: install
	$(BIN)/pytest -m "not slow"

# Python style (ruff), the architecture's import contracts (import-linter, .importlinter), the dbt
# project's SQL (sqlfluff, dbt templater, so it needs a warehouse file to compile against: an empty
# one in a temporary folder; and a masking key, which a compile reads: any will do), the
# CloudFormation template (cfn-lint, and checkov from an environment of its own: its pins clash
# with the project's).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo
	cd dbt_project && BANKING_DW_WAREHOUSE_PATH=$$(mktemp -d)/lint.duckdb BANKING_DW_MASKING_KEY=lint-compiles-with-a-key-that-masks-nothing \
		$(BIN)/sqlfluff lint --processes 2 .
	$(BIN)/cfn-lint deploy/aws/banking_dw.yaml
	bash scripts/checkov.sh

benchmark: install
	$(BIN)/python scripts/benchmark_generate.py
	$(BIN)/python scripts/benchmark_event_log.py
	$(BIN)/python scripts/benchmark_pipeline.py
	$(BIN)/python scripts/benchmark_dbt_floor.py

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs
