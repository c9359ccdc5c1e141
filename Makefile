# Two commands matter: `make run` and `make test`. Everything they need is set up on the way.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# pyenv resolves python3.12 from .python-version; a system python3.12 works as well.
PYTHON ?= $(shell command -v python3.12 || command -v python3)
HOST_PORT ?= 127.0.0.1:8000

.PHONY: run test lint bench serve fixtures browser clean

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

test: $(VENV)/.installed browser lint
	$(VENV)/bin/pytest

fixtures: $(VENV)/.installed
	$(PY) manage.py build_fixtures

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
