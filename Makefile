# Two commands matter: `make run` and `make test`. Everything they need is set up on the way.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# pyenv resolves python3.12 from .python-version; a system python3.12 works as well.
PYTHON ?= $(shell command -v python3.12 || command -v python3)
HOST_PORT ?= 127.0.0.1:8000

.PHONY: run test test-sqlite pytest lint bench serve fixtures browser clean mutation

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
	$(PY) manage.py createcachetable
	$(PY) manage.py load_content
	$(PY) manage.py demo_account --host $(HOST_PORT)
	@# The background worker (bank imports) runs beside the server and stops with it.
	$(PY) manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(PY) manage.py runserver $(HOST_PORT)

# Production settings on this machine: compressed, hashed static files; migrations; gunicorn on $(HOST_PORT)
# (workers: WEB_CONCURRENCY, default 2 x cores + 1; see interview/gunicorn.conf.py). Plain http on loopback, so no
# SSL redirect and cookies without Secure. Behind a TLS proxy set DJANGO_SECURE_SSL_REDIRECT=1, leave
# DJANGO_INSECURE_COOKIES unset and give DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and the DJANGO_EMAIL_* settings.
serve: $(VENV)/.installed
	@if [ -z "$$DJANGO_SECRET_KEY" ] && [ ! -s .secret_key ]; then \
	  (umask 077; $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret_key); fi
	export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat .secret_key)}" \
	  DJANGO_SECURE_SSL_REDIRECT="$${DJANGO_SECURE_SSL_REDIRECT:-0}" DJANGO_INSECURE_COOKIES="$${DJANGO_INSECURE_COOKIES:-1}" \
	  DJANGO_EMAIL_BACKEND="$${DJANGO_EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}" && \
	$(PY) manage.py collectstatic --no-input --verbosity 0 && \
	$(PY) manage.py migrate --no-input && \
	$(PY) manage.py createcachetable && \
	$(PY) manage.py load_content && \
	{ $(PY) manage.py db_worker --no-reload & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(VENV)/bin/gunicorn --config interview/gunicorn.conf.py --bind $(HOST_PORT); }

# Load test and benchmarks against real gunicorn processes on 127.0.0.1; figures go to docs/bench-results.md.
# BENCH_DATABASE_URL=$$(bash .ci/postgres start) runs the load test on PostgreSQL as well.
bench: $(VENV)/.installed
	$(PY) tests/bench/run_all.py --output docs/bench-results.md \
	  $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))

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

# Mutation testing of quiz/models/ and quiz/importer/ (not part of `make test`; settings in pyproject.toml, [tool.mutmut]).
# MUTANTS picks some, e.g. MUTANTS='quiz.importer.*' or 'quiz.models.flags.*'; results stay in mutants/ between runs,
# so a second run only tries what changed. `.venv/bin/mutmut show NAME` prints one mutant's diff.
MUTATION_JOBS ?= 2
mutation: $(VENV)/.installed
	$(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(VENV)/bin/mutmut results

fixtures: $(VENV)/.installed
	$(PY) manage.py build_fixtures

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
