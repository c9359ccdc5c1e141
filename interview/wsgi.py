import os

from django.core.wsgi import get_wsgi_application

from interview.production import is_runserver, refuse_unsafe_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview.settings")
if not is_runserver():
    refuse_unsafe_settings("The WSGI application (interview/wsgi.py)")
application = get_wsgi_application()
