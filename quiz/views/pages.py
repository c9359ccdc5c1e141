from django.contrib.auth import login
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from quiz.forms import SignUpForm
from quiz.models import MockInterview, ReviewState, Section


def home(request: HttpRequest) -> HttpResponse:
    sections = Section.objects.filter(retired=False).with_totals()
    context = {
        "sections": sections,
        "question_total": sum(s.question_count for s in sections),
    }
    if request.user.is_authenticated:
        interviews = MockInterview.objects.for_user(request.user)
        context["running"] = interviews.unfinished().first()
        context["recent"] = interviews.finished()[:5]
        reviews = ReviewState.objects.for_user(request.user)
        context["due_now"] = reviews.due().count()
        context["forecast"] = reviews.forecast(days=7)
    return render(request, "quiz/home.html", context)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("quiz:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("quiz:home")
    return render(request, "registration/signup.html", {"form": form})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico where a page names no icon (a JSON export, say): send them to ours.
    Looked up per request: the hashed name exists only once collectstatic has run."""
    return redirect(static("favicon.svg"))
