from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found


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
