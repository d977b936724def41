# The two commands of the README: `make run` and `make test`.
# Both create .venv on first use from requirements-test.lock (the runtime
# dependencies of requirements.lock plus the test tools); only Python 3.11+ is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test install clean-data

install: $(STAMP)

$(STAMP): requirements.lock requirements-test.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/mesfactures up

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean-data:
	rm -rf .data
