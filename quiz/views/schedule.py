"""Control over one's own review schedule: suspend or bury a question, reset (forget) its card, and the list
of suspended questions to bring back.

Each action is a POST on the question (CSRF-protected, the card found through ``for_user``) that redirects
back to where it came from: the question's page, or the question on the results page. Reset asks first, on a
page of its own, so it asks without JavaScript too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from quiz.forms import ScheduleActionForm
from quiz.models import ReviewState

SUSPENDED_PER_PAGE = 25
DONE = {
    "suspend": "Suspended: it stays out of review sessions and picked interviews until you unsuspend it.",
    "unsuspend": "Unsuspended: it comes back when it is due.",
    "bury": "Buried until tomorrow: it stays out of today's reviews; its schedule is unchanged.",
    "unbury": "Unburied: it comes back today if it is due.",
}


def _card_for(request: HttpRequest, pk: int) -> ReviewState:
    """The user's own card for question ``pk``; none yet (never graded for the schedule) is a 404."""
    cards = ReviewState.objects.for_user(request.user).select_related("question")
    return get_object_or_404(cards, question_id=pk)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure())
    return redirect(wanted if safe else default)


@login_required
@require_POST
def set_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    card = _card_for(request, pk)
    form = ScheduleActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose suspend, unsuspend, bury or unbury.")
        return _back(request, reverse("quiz:question", args=[pk]))
    action = form.cleaned_data["action"]
    if action in ("suspend", "unsuspend"):
        card.suspend(action == "suspend")
    elif action == "bury":
        card.bury()
    else:
        card.unbury()
    messages.success(request, DONE[action])
    return _back(request, reverse("quiz:question", args=[pk]))


@login_required
@require_http_methods(["GET", "POST"])
def reset_card(request: HttpRequest, pk: int) -> HttpResponse:
    """Forget the card: asked on this page, done by its POST."""
    card = _card_for(request, pk)
    if request.method == "POST":
        card.forget()
        messages.success(request, "Reset: the question is new again; your next grade starts its schedule.")
        return _back(request, reverse("quiz:question", args=[pk]))
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = reverse("quiz:question", args=[pk])
    return render(request, "quiz/reset_card.html", {"card": card, "question": card.question, "back": back})


@login_required
def suspended(request: HttpRequest) -> HttpResponse:
    cards = (
        ReviewState.objects.for_user(request.user)
        .suspended()
        .select_related("question__section")
        .only("due", "question__prompt_html", "question__retired", "question__section__title")
        .order_by("question__position", "pk")
    )
    page = Paginator(cards, SUSPENDED_PER_PAGE).get_page(request.GET.get("page"))
    if not page.object_list and page.number > 1:
        raise Http404("No such page.")
    return render(request, "quiz/suspended.html", {"page": page})
