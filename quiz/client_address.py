"""The address a request came from, read in one place for django-axes' lockouts and the app's throttles.

Behind a proxy every request reaches the app from the proxy's address; DJANGO_CLIENT_IP_HEADER
(settings.CLIENT_IP_HEADER) names the header in which the proxy puts the client's, e.g. ``HTTP_X_REAL_IP``.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: the configured header's, else the connection's.

    In a list (``X-Forwarded-For: client, proxy``) the last entry is the one our proxy wrote; the ones before
    it came from the client and could say anything. A request without the header, or with something that is
    not an address in it, did not come through the proxy: it counts under the connection's address.
    """
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a Unix socket gives none
    header = settings.CLIENT_IP_HEADER
    if not header:
        return remote
    written = request.META.get(header, "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(written))
    except ValueError:
        return remote
