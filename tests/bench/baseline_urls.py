"""The project's URLs plus /bench/constant: a view that does nothing, the floor for the question loop."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from interview.urls import urlpatterns as project_urlpatterns


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bench/constant", constant), *project_urlpatterns]
