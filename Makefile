# Two commands for a fresh machine: `make lab` and `make test` (see README.md).
# Every target installs what it needs into the local venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed-stamp
# nbgrader calls the `alembic` executable: the venv's bin/ must come first on PATH.
export PATH := $(BIN):$(PATH)
# Debian packages the tests need: headless Chromium (browser test), bubblewrap (grading sandbox).
SYSTEM_TOOLS := chromium:chromium bwrap:bubblewrap

.PHONY: lab test bench students system-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Installs the missing Debian tools when it can (root with apt-get); otherwise says what is missing.
system-tools:
	@missing=""; for pair in $(SYSTEM_TOOLS); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Note: missing Debian packages:$$missing (install them as root to run every test)"; fi; \
	fi

# JupyterLab refuses to run as root (containers, Binder-like machines) without --allow-root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_START ?= course/index.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=. $(LAB_START)

test: $(STAMP) system-tools
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pytest -m bench -n 0 -s tests/benchmarks

# Regenerate the student copies in module1..5 from the masters in course/source (nbgrader).
students: $(STAMP)
	$(BIN)/python -m kokosim.coursebuild
