"""Bench-only settings: the production settings of interview/settings.py plus one constant view.

gunicorn runs with DJANGO_SETTINGS_MODULE=bench_settings (tests/bench on PYTHONPATH), so the baseline view
sits behind exactly the same middleware, database and server settings as the question loop it is compared to.
"""

from interview.settings import *  # noqa: F403

ROOT_URLCONF = "baseline_urls"
