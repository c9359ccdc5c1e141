"""The project's URLs plus two baselines for the question loop, behind the same middleware and server:

- /bench/constant: a view that does nothing, the floor;
- /bench/ceiling: the least a real signed-in step can do (one indexed SELECT, one UPDATE in a transaction,
  a small template), the realistic ceiling the loop is measured against.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from interview.urls import urlpatterns as project_urlpatterns
from quiz.models import MockInterview


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


@login_required
def ceiling(request: HttpRequest) -> HttpResponse:
    latest = MockInterview.objects.for_user(request.user).order_by("-created_at").values("pk").first()
    with transaction.atomic():
        get_user_model().objects.filter(pk=request.user.pk).update(last_login=timezone.now())
    return render(request, "bench/ceiling.html", {"latest": latest and latest["pk"]})


urlpatterns = [path("bench/constant", constant), path("bench/ceiling", ceiling), *project_urlpatterns]
