# Two commands matter: `make run` and `make test`. Everything they need is set up on the way.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# pyenv resolves python3.12 from .python-version; a system python3.12 works as well.
PYTHON ?= $(shell command -v python3.12 || command -v python3)
HOST_PORT ?= 127.0.0.1:8000

.PHONY: run test test-sqlite pytest lint bench serve fixtures browser clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python >= 3.12 is needed, found " + sys.version' \
		|| { echo "Install Python 3.12 (pyenv install 3.12) and try again."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_content
	$(PY) manage.py demo_account
	$(PY) manage.py runserver $(HOST_PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py build_fixtures --check

browser:
	bash .ci/install-browser

# The whole suite twice: on the embedded SQLite default, then on a real PostgreSQL server started for the run.
test: $(VENV)/.installed browser lint
	$(MAKE) --no-print-directory pytest
	url=$$(bash .ci/postgres start) && DATABASE_URL=$$url $(MAKE) --no-print-directory pytest

test-sqlite: $(VENV)/.installed browser
	$(MAKE) --no-print-directory pytest

pytest:
	@# pytest exits 5 when it collected nothing: a suite that ran no test must not pass.
	@if [ -n "$$DATABASE_URL" ]; then echo "== the suite on PostgreSQL"; else echo "== the suite on SQLite"; fi
	$(VENV)/bin/pytest $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

fixtures: $(VENV)/.installed
	$(PY) manage.py build_fixtures

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
