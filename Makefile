# Soonish. `make run` runs it; `make test` runs the whole test suite. Nothing to configure.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint format worker clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Soonish needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.run-installed

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@touch $@ $(VENV)/.test-installed $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/python -m soonish.stack

test: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

worker: $(VENV)/.run-installed
	$(BIN)/python manage.py run_worker

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var/static

# Benchmarks, not part of `make test`: `make bench`, `make bench QUICK=1`, `make bench BENCH=fanout`.
bench: $(VENV)/.bench-installed
	QUICK=$(QUICK) $(BIN)/python -m bench $(BENCH)
