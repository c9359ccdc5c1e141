"""Bench-only settings: the production settings of interview/settings.py plus the baseline views.

gunicorn runs with DJANGO_SETTINGS_MODULE=bench_settings (tests/bench on PYTHONPATH), so the baseline
views sit behind exactly the same middleware, database and server settings as the question loop.
"""

from pathlib import Path

from interview.settings import *  # noqa: F403
from interview.settings import TEMPLATES

ROOT_URLCONF = "baseline_urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]
