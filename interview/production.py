"""The production entry points (wsgi.py outside runserver, the gunicorn config) start only with safe settings.

The settings' defaults are for a laptop (DEBUG on, a public throwaway key), so that `make run` just works; a
server started the production way with those defaults would show tracebacks and sign sessions with a key
anyone can read. It stops instead, and says what to set.
"""

import os
import sys

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 (public on purpose)
MIN_SECRET_KEY_LENGTH = 50  # Django's own deployment check asks for as much
# A random key of 50 characters from secrets.token_urlsafe has ~35 distinct ones; "abcde" * 10 has 5.
MIN_DISTINCT_CHARACTERS = 30
# The status gunicorn's master reads as "App failed to load" and stops on. Any other status from a worker that
# imported wsgi.py (gunicorn started without -c) makes the master fork another, for ever, never serving.
APP_LOAD_ERROR = 4


def unsafe_settings() -> list[str]:
    from django.conf import settings

    problems = []
    if settings.DEBUG:
        problems.append("DEBUG is on: set DJANGO_DEBUG=0")
    key = settings.SECRET_KEY
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_DISTINCT_CHARACTERS:
        problems.append(
            f"DJANGO_SECRET_KEY is not a real secret: give at least {MIN_SECRET_KEY_LENGTH} random "
            f"characters ({MIN_DISTINCT_CHARACTERS} of them different), e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return problems


def refuse_unsafe_settings(entry_point: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview.settings")
    if problems := unsafe_settings():
        reason = "; ".join(problems)
        print(f"{entry_point} refuses to start: {reason}. (`make run` is for development.)", file=sys.stderr)
        sys.exit(APP_LOAD_ERROR)


def is_runserver() -> bool:
    """Django's development server imports wsgi.py too; it is the one place DEBUG and the dev key belong."""
    return os.path.basename(sys.argv[0]) == "manage.py" and "runserver" in sys.argv[1:2]
