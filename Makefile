# tierspayant — the two commands: `make run` and `make test` (both set up the environment first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tierspayant run

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(ONLY)

mutate: $(STAMP)  # rule mutants of every scheme (lists survivors), then mutmut on the core (scores: docs/testing.md)
	$(BIN)/mutmut run; $(BIN)/mutmut results; PYTHONPATH=tests $(BIN)/python -m rules_mutation

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
