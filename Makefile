# Two commands for a fresh machine: `make lab` and `make test` (see README.md).
# Every target installs what it needs into the local venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed-stamp
# nbgrader calls the `alembic` executable: the venv's bin/ must come first on PATH.
export PATH := $(BIN):$(PATH)
# Debian packages the tests need: headless Chromium (browser test), bubblewrap (grading sandbox),
# PostgreSQL and npm (tests/hub: real gradebook server, configurable-http-proxy).
SYSTEM_TOOLS := chromium:chromium bwrap:bubblewrap pg_ctlcluster:postgresql npm:npm
# Node tools of the course hub (hub/package-lock.json), installed into the venv's folder.
NODE_DIR := $(VENV)/node

# The grading sandbox: `kokosim-cert grade` refuses to run without it.
SANDBOX_TOOLS := bwrap:bubblewrap setpriv:util-linux

.PHONY: lab autor test bench students leitfaden-pdf system-tools sandbox-tools staff hub-tools lock

# Exact versions from requirements.lock (one set for lab, tests, Binder and the hub image).
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test,hub]'
	touch $@

# Regenerate requirements.lock after changing pyproject.toml's dependencies (README.md).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --upgrade --extra test --extra hub --strip-extras \
	  --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# configurable-http-proxy (npm) for the course hub and tests/hub, exact versions from the lock.
hub-tools: $(NODE_DIR)/node_modules/.bin/configurable-http-proxy

$(NODE_DIR)/node_modules/.bin/configurable-http-proxy: hub/package.json hub/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(NODE_DIR) && cp hub/package.json hub/package-lock.json $(NODE_DIR)/ && \
	  npm ci --prefix $(NODE_DIR) --omit=dev --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "Note: npm missing (apt-get install npm): tests/hub are skipped"; fi

# Installs the missing Debian tools of $(1) when it can (root with apt-get); otherwise says
# what is missing.
define install_tools
	@missing=""; for pair in $(1); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Note: missing Debian packages:$$missing ($(2))"; fi; \
	fi
endef

system-tools:
	$(call install_tools,$(SYSTEM_TOOLS) $(SANDBOX_TOOLS),install them as root to run every test)

sandbox-tools:
	$(call install_tools,$(SANDBOX_TOOLS),install them as root: 'apt-get install bubblewrap'; without them kokosim-cert grade refuses to grade)

# Certification staff: the venv plus the grading sandbox (JupyterLab with formgrader: make autor).
staff: $(STAMP) sandbox-tools
	@$(BIN)/kokosim-cert --help >/dev/null && echo "kokosim-cert bereit (Leitfaden: course/Leitfaden_Zertifizierung.md)"

# JupyterLab refuses to run as root (containers, Binder-like machines) without --allow-root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_START ?= course/index.ipynb
# Jupyter settings of a role: one folder per role in jupyter/ (jupyter/README.md), the same that
# Binder's `start` and the hub (hub/jupyterhub_config.py) use. The test
# tests/course/test_trainee_workspace.py starts JupyterLab from what `make -n lab`/`autor` print.
ROLE_CONFIG = JUPYTER_CONFIG_PATH=$(abspath jupyter/$(1))

# Trainees: German JupyterLab, the notebooks and nbgrader's Validate button, no instructor tools.
lab: $(STAMP) sandbox-tools
	$(call ROLE_CONFIG,trainee) $(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=. $(LAB_START)

# Authors and certification staff: the same German JupyterLab plus nbgrader's instructor tools
# (Formgrader, Create Assignment, course list).
autor: $(STAMP) sandbox-tools
	$(call ROLE_CONFIG,staff) $(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=. $(LAB_START)

test: $(STAMP) system-tools hub-tools
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pytest -m bench -n 0 -s tests/benchmarks

# Regenerate the student copies in module1..5 from the masters in course/source (nbgrader).
students: $(STAMP)
	$(BIN)/python -m kokosim.coursebuild

# Printable trainer guide and role cards (A4 PDF, one per Markdown file) into build/leitfaden/.
LEITFADEN_MD := course/Leitfaden_Trainerinnen.md $(sort $(wildcard course/leitfaden/*.md))
leitfaden-pdf: $(STAMP)
	$(BIN)/kokosim-leitfaden pdf $(LEITFADEN_MD) --ziel build/leitfaden
