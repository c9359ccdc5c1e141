"""Interview dates: add, edit and delete a plan, and start the session of today's plan.

Home shows today's plan (views/pages.py) and progress its forecast (views/history.py); the rules live in
quiz/planning.py and the plan's reads in quiz/models/plans.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from quiz import throttles
from quiz.forms import PlanForm
from quiz.models import InterviewPlan, MockInterview
from quiz.models.plans import utc_today

PLAN_SESSION_SIZE = 20  # as a review session: the rest of the day's plan is the next session


def _plan_for(request: HttpRequest, pk: int) -> InterviewPlan:
    return get_object_or_404(InterviewPlan.objects.for_user(request.user), pk=pk)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = InterviewPlan.objects.for_user(request.user).prefetch_related("banks", "sections")
    return render(
        request,
        "quiz/plans.html",
        {"upcoming": list(plans.upcoming()), "retired": list(plans.retired()), "today": utc_today()},
    )


def _save(request: HttpRequest, form: PlanForm) -> InterviewPlan:
    with transaction.atomic():
        plan = form.save(commit=False)
        plan.user = request.user
        plan.save()
        form.save_m2m()
    return plan


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = _save(request, form)
        messages.success(request, f"Plan for {plan.date:%-d %B %Y} saved: today's work is on your home page.")
        return redirect("quiz:home")
    return render(request, "quiz/plan_form.html", {"form": form, "plan": None})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        _save(request, form)
        messages.success(request, f"Plan for {plan.date:%-d %B %Y} saved.")
        return redirect("quiz:plans")
    return render(request, "quiz/plan_form.html", {"form": form, "plan": plan})


@login_required
@require_POST
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    plan.delete()
    messages.success(request, f"Plan for {plan.date:%-d %B %Y} deleted. Your review schedule is unchanged.")
    return redirect("quiz:plans")


@login_required
@require_POST
def plan_start(request: HttpRequest, pk: int) -> HttpResponse:
    """A review session over what is left of today's plan: due reviews, the final pass, new questions."""
    plan = _plan_for(request, pk)
    if throttles.hit(request, "interview-start"):
        return throttles.too_many(request, "interview-start")
    status = plan.status()
    questions = plan.questions_for_today(status)[:PLAN_SESSION_SIZE]
    if not questions:
        messages.info(request, "Nothing is left of today's plan. Well done: come back tomorrow.")
        return redirect("quiz:home")
    setup = {"plan": plan.pk, "day": status.calendar.today.isoformat()}
    running = MockInterview.objects.for_user(request.user).unfinished().first()
    if running is not None and running.setup == setup:
        return redirect("quiz:interview-step", running.pk)  # today's plan session, already open
    if running is not None:
        messages.info(
            request, "You have an interview in progress: resume it, or end it before starting today's plan."
        )
        return redirect("quiz:home")
    session = MockInterview.start(request.user, questions, kind=MockInterview.Kind.REVIEW, setup=setup)
    return redirect("quiz:interview-step", session.pk)
