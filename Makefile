# tierspayant — the two commands: `make run` and `make test` (both set up the environment first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages the tests need (browser, OpenSSH, PDF rendering…): installed once, again when the list changes.
SYSTEM_PACKAGES := tests/system-packages.txt
SYSTEM_STAMP    := $(VENV)/.system-packages

.PHONY: run test lint bench system-packages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SYSTEM_STAMP): $(SYSTEM_PACKAGES) tests/install-system-packages.sh
	sh tests/install-system-packages.sh $(SYSTEM_PACKAGES) $@

system-packages: $(SYSTEM_STAMP)

run: $(STAMP)
	$(BIN)/tierspayant run

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: lint $(SYSTEM_STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(if $(filter 1,$(QUICK)),--quick) $(ONLY)

mutate: $(STAMP)  # rule mutants of every scheme (lists survivors), then mutmut on the core (scores: docs/testing.md)
	$(BIN)/mutmut run; $(BIN)/mutmut results; PYTHONPATH=tests $(BIN)/python -m rules_mutation

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
