"""Response rules that hold for every page, so no view can forget them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import reverse
from django.utils.cache import patch_cache_control

from quiz import throttles

# TRACE echoes the request (cookies included) back; nothing here needs it, nor CONNECT.
REFUSED_METHODS = {"TRACE", "CONNECT"}


class PrivateResponsesMiddleware:
    """Refuse TRACE, and keep a signed-in user's pages and exports out of shared and disk caches: a page
    built for one account (their interviews, notes, exports) must not be stored by a proxy or the browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in REFUSED_METHODS:
            return HttpResponseNotAllowed(["GET", "HEAD", "POST", "OPTIONS"])
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class AccountThrottleMiddleware:
    """Throttles on Django's own account views: sign-in attempts (the app's page and the
    admin's) from an address that sent too many wrong passwords lately, whatever usernames it tried; and
    password-reset mails, per mailbox and per address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            if request.path in throttles.sign_in_pages() and throttles.is_over(request, "sign-in-failures"):
                return throttles.too_many(request, "sign-in-failures")
            if request.path == reverse("password_reset"):
                for what in ("password-reset-email", "password-reset-address"):
                    if throttles.hit(request, what):
                        return throttles.too_many(request, what)
        return self.get_response(request)
