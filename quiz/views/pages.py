from django.conf import settings
from django.contrib.auth import login
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from quiz import planning, throttles
from quiz.forms import SignUpForm
from quiz.models import Flag, InterviewPlan, MockInterview, Preferences, Question, ReviewState, Section
from quiz.views.interviews import QUICK_START

FLAG_NEWS_SHOWN = 5
HOME_PLANS = 3  # interview dates shown with today's share, nearest first


def chapters(sections: list[Section]) -> list[tuple[Section, list[Section]]]:
    """Sections in tree order (``with_totals``) as each top-level one with the sections below it, so that a
    two-column list never parts a chapter from its topics."""
    groups: list[tuple[Section, list[Section]]] = []
    for section in sections:
        if section.depth == 0 or not groups:
            groups.append((section, []))
        else:
            groups[-1][1].append(section)
    return groups


def home(request: HttpRequest) -> HttpResponse:
    sections = Section.objects.filter(retired=False).with_totals()
    context = {
        "chapters": chapters(sections),
        "question_total": sum(s.question_count for s in sections),
        "bank_open": request.user.is_authenticated or settings.BANK_OPEN_TO_VISITORS,
    }
    if request.user.is_authenticated:
        interviews = MockInterview.objects.for_user(request.user)
        context["running"] = interviews.unfinished().first()
        context["recent"] = interviews.finished()[:5]
        reviews = ReviewState.objects.for_user(request.user)
        context["due_now"] = reviews.due().count()
        context["allowance"] = reviews.allowance(Preferences.for_user(request.user))
        context["forecast"] = reviews.forecast(days=7)
        # What reviewers made of this user's flags since they last looked at My flags.
        news = Flag.objects.for_user(request.user).with_unseen_outcome().select_related("question")
        context["flag_news"] = list(news.order_by("-reviewed_at")[:FLAG_NEWS_SHOWN])
        plans = InterviewPlan.objects.for_user(request.user).upcoming().prefetch_related("banks", "sections")
        context["plans"] = [plan.status() for plan in plans[:HOME_PLANS]]
        context["max_minutes"] = planning.MAX_MINUTES
        # The quick start asks for QUICK_START's count of answered questions; a bank with fewer gives all it
        # has, and the button says so.
        answered = Question.objects.active().filter(parent=None).answered()
        context["quick_count"] = min(QUICK_START["question_count"], answered.count())
        context["quick_minutes"] = QUICK_START["minutes"]
    return render(request, "quiz/home.html", context)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("quiz:home")
    # Counted before the account is made, handed back if none is: simultaneous sign-ups get a count each.
    if request.method == "POST" and throttles.hit(request, "sign-up"):
        return throttles.too_many(request, "sign-up")
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    user = form.save()
            except IntegrityError:
                # Someone took the name between the form's check and the insert (simultaneous sign-ups).
                form.add_error("username", "A user with that username already exists.")
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("quiz:home")
        throttles.refund(request, "sign-up")
    return render(request, "registration/signup.html", {"form": form})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 400 page without Django's CSRF wrapper: that wrapper reads the body again, so a form post Django
    refused as unreadable (``charset=utf-16``) turned into a 500 while rendering its 400."""
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico where a page names no icon (a JSON export, say): send them to ours.
    Looked up per request: the hashed name exists only once collectstatic has run."""
    return redirect(static("favicon.svg"))
