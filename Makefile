# Two commands for a fresh machine: `make lab` and `make test` (see README.md).
# Every target installs what it needs into the local venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed-stamp
# nbgrader calls the `alembic` executable: the venv's bin/ must come first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: lab test bench students

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. course/

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pytest -m bench -p no:randomly -s tests/benchmarks

# Regenerate the student copies in module1..5 from the masters in course/source (nbgrader).
students: $(STAMP)
	$(BIN)/python -m kokosim.coursebuild
