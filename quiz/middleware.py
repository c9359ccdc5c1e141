"""Response rules that hold for every page, so no view can forget them."""

import functools
import re
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.defaults import page_not_found

from quiz import peers, throttles

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
    admin's) from an address that sent too many wrong passwords lately, whatever usernames it tried;
    password-reset mails, per mailbox and per address; and the 429 page for an account whose password was
    asked for too often after wrong ones."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            if request.path in throttles.sign_in_pages():
                # Counted before the password is checked, handed back unless it was wrong: simultaneous
                # guesses cannot all pass a check none of them has counted in yet.
                if throttles.hit(request, "sign-in-failures"):
                    return throttles.too_many(request, "sign-in-failures")
                response = self.get_response(request)
                if not getattr(request, "sign_in_failed", False):
                    throttles.refund(request, "sign-in-failures")
                return response
            if request.path == reverse("password_reset"):
                for what in ("password-reset-email", "password-reset-address"):
                    if throttles.hit(request, what):
                        return throttles.too_many(request, what)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Raised from a form's clean (deleting the account, changing the password, the admin's too).
        if isinstance(exception, throttles.TooManyPasswordChecks):
            return throttles.too_many(request, "password-checks")
        return None


class NotFoundPageMiddleware:
    """The app's own "Page not found" page, with DEBUG on as well.

    With DEBUG on (``make run``) Django answers a 404 with its technical page, which lists every URL pattern:
    a newcomer trying the app locally meets a wall of regexes. Tracebacks for errors stay (they help the
    developer); only the 404, which is not an error of ours, gets the page a user would see. With DEBUG off
    Django already serves templates/404.html, so this changes nothing there.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No URL pattern matched: Django built the technical page before any view (or process_exception) ran.
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


class PeerPollMiddleware:
    """A peer screen's poll with nothing new, answered 304 before the session, the user and the rest of the
    stack are loaded: 200 screens poll every second, and most polls find nothing. The ETag the screen sends
    was signed for its session when the view (which checks who may see what) sent the screen
    (``peers.unchanged_since``); any other poll, and any poll once something changed, goes through the
    whole stack to the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        etag = request.headers.get("If-None-Match")
        if etag and request.method == "GET" and (match := _poll_path().fullmatch(request.path_info)):
            session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
            if session_key and peers.unchanged_since(etag, session_key, int(match[1])):
                response = HttpResponse(status=304)
                response["ETag"] = etag
                patch_cache_control(response, no_store=True, private=True)
                return response
        return self.get_response(request)


@functools.cache
def _poll_path() -> re.Pattern:
    return re.compile(re.escape(reverse("quiz:peer-poll", args=[1])).replace("/1/", r"/(\d{1,19})/"))
