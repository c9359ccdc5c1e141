import os

from django.core.asgi import get_asgi_application

from interview.production import refuse_unsafe_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview.settings")
# As wsgi.py does: no server runs on the development defaults (DEBUG on, the public key).
refuse_unsafe_settings("The ASGI application (interview/asgi.py)")
application = get_asgi_application()
