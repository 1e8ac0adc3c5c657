# Frontline — see README.md. Every target creates .venv and installs the project when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WAREHOUSE ?= $(or $(FRONTLINE_WAREHOUSE),warehouse/frontline.duckdb)
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install install-test run test ui sql evaluate bench prune-cache clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

run: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pipeline.run

test: install-test
	$(BIN)/python -m pytest

ui: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -h 127.0.0.1 -w workspace.yaml

sql: install
	$(BIN)/duckdb -readonly $(WAREHOUSE)

evaluate: install
	$(BIN)/python -m pipeline.evaluate all

bench: install
	$(BIN)/python -m pipeline.bench --articles 200

prune-cache: install
	$(BIN)/python -m pipeline.cache

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/.cache .dagster_home
