import os

from django.core.wsgi import get_wsgi_application

from interview.production import is_runserver, refuse_unsafe_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview.settings")
if not is_runserver():
    refuse_unsafe_settings("The WSGI application (interview/wsgi.py)")
application = get_wsgi_application()

# The key-point matcher's embedding model (slow to load), before the first request: under gunicorn's
# preload_app the master loads it once and the workers it forks share it, instead of each worker's first
# Reveal waiting for a copy of its own.
from quiz import feedback  # noqa: E402 - needs the settings and apps set up above

feedback.warm_up()
