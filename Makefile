# The README's commands. Each target creates the virtual environment (.venv) on first use.
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed
TIME_LIMIT ?= 10

.PHONY: run plan test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[dev,peers]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/backhaul serve --dev

plan: $(STAMP)
	$(VENV)/bin/backhaul route scenarios/pickups_pingshan_sample.json --region shenzhen-pingshan --time-limit $(TIME_LIMIT) --out results/sample-solution.json

test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/route_sample.py --time-limit $(TIME_LIMIT) --runs 5 --region shenzhen-pingshan
