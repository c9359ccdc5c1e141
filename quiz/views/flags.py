"""Flags on reference answers: users raise them, reviewers triage them and fix the answer they point at.

A user flags an answer from the question card, the results page or the question's page (the ``flag-form``
partial, loaded when they open "Flag this answer"), and follows what became of it on "My flags". Reviewers
(the "Reviewers" group, or staff) work through the review queue: open flags grouped by question, most flagged
first, with the content report's findings for that question; they dismiss a flag with a note or accept it and
edit the answer. Saving the edit goes through ``Question.save()`` (history, rendered HTML, learners' review
queues) and closes the flags it resolves, linked to the new revision.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Min, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from quiz import content_report, importer, throttles
from quiz.forms import AnswerEditForm, DismissFlagForm, FlagAnswerForm
from quiz.models import Flag, Question
from quiz.models.content import AnswerConflict
from quiz.models.flags import can_triage
from quiz.rendering import MarkdownError, render_markdown
from quiz.view_helpers import allowed_if, page_or_part
from quiz.wording import counted

QUEUE_PAGE_SIZE = 25
NEEDS_ANSWER_SHOWN = 30
OPEN = Q(flags__status__in=[Flag.Status.OPEN, Flag.Status.ACCEPTED])


def _safe_next(request: HttpRequest) -> str | None:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


# -- flagging --


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def flag_answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.active(), pk=pk)
    flag = Flag.objects.open().filter(user=request.user, question=question).first()
    next_url = _safe_next(request)
    saved = False
    auto_id = f"flag-{question.pk}-%s"  # several of these forms can share a page (results)
    if request.method == "POST":
        form = FlagAnswerForm(request.POST, auto_id=auto_id)
        if form.is_valid():
            try:
                # The hourly cap counts per account in the database, and per address here: new accounts
                # from one address share one allowance, counted before the flag is raised and handed back
                # if none is.
                counted, created = flag is None, False
                try:
                    if counted and throttles.hit(request, "flags"):
                        raise Flag.TooManyFlags
                    flag, created = Flag.raise_or_update(request.user, question, **form.cleaned_data)
                finally:
                    if counted and not created:
                        throttles.refund(request, "flags")
            except Flag.TooManyFlags:
                form.add_error(
                    None,
                    f"You have raised {Flag.MAX_NEW_PER_HOUR} flags in the last hour, as many as we take in "
                    "an hour. Please try again later; your text is still here.",
                )
            else:
                if not request.htmx:
                    messages.success(request, "Thanks: your flag is in the reviewers' queue.")
                    return redirect(next_url or "quiz:my-flags")
                saved = True
    else:
        initial = {"reason": flag.reason, "comment": flag.comment} if flag else None
        form = FlagAnswerForm(initial=initial, auto_id=auto_id)
    context = {"question": question, "form": form, "flag": flag, "next": next_url, "saved": saved}
    return render(request, page_or_part(request, "quiz/flags/flag.html", "flag-form"), context)


@login_required
def my_flags(request: HttpRequest) -> HttpResponse:
    flags = Flag.objects.for_user(request.user).select_related("question")
    page = Paginator(flags, 25).get_page(request.GET.get("page"))
    # Reviews the author has not seen get a "New" badge here, once; home stops announcing them.
    news = set(flags.with_unseen_outcome().values_list("pk", flat=True))
    if news:
        Flag.objects.filter(pk__in=news).mark_outcomes_seen()
    return render(request, "quiz/flags/my_flags.html", {"page": page, "news": news})


# -- reviewing --


reviewer_required = allowed_if(can_triage)  # a reviewer or staff


def bank_findings() -> dict[str, list[importer.Finding]]:
    """The content report of the markdown bank (settings.QUESTION_BANK_DIR) per question key."""
    return _findings_of(settings.QUESTION_BANK_DIR)


@functools.cache
def _findings_of(root) -> dict[str, list[importer.Finding]]:
    # Parsed once per process: the markdown ships with a deploy.
    try:
        bank = importer.parse_bank(importer.read_sources(root))
    except importer.ContentError:
        return {}
    return content_report.findings_by_question_key(bank)


def _findings_for(question: Question) -> list[importer.Finding]:
    # The report is about the markdown; an answer written here since then settles "unanswered".
    found = bank_findings().get(question.key, [])
    return [f for f in found if not (f.kind == "unanswered" and question.has_answer)]


def _queue_context(request: HttpRequest) -> dict:
    open_flags = Flag.objects.open().select_related("user").order_by("created_at")
    flagged = (
        Question.objects.annotate(
            open_count=Count("flags", filter=OPEN), first_flagged=Min("flags__created_at", filter=OPEN)
        )
        .filter(open_count__gt=0)
        .select_related("section")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("-open_count", "first_flagged", "pk")
    )
    page = Paginator(flagged, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    for question in page.object_list:
        question.findings = _findings_for(question)
    unanswered = Question.objects.active().filter(answer_md="").select_related("section")
    return {
        "page": page,
        "needs_answer": unanswered[:NEEDS_ANSWER_SHOWN],
        "needs_answer_count": unanswered.count(),
    }


@reviewer_required
@vary_on_headers("HX-Request")
def review_queue(request: HttpRequest) -> HttpResponse:
    template = page_or_part(request, "quiz/flags/queue.html", "review-queue")
    return render(request, template, _queue_context(request))


@reviewer_required
@require_POST
def dismiss_flag(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(Flag, pk=pk)
    form = DismissFlagForm(request.POST)
    if not form.is_valid():
        status = "Not dismissed: " + form.errors["note"][0]
    elif flag.dismiss(request.user, form.cleaned_data["note"]):
        status = f"Dismissed flag #{flag.pk}; its author sees your note."
    else:
        status = f"Flag #{flag.pk} was already {flag.get_status_display().lower()}."
    if request.htmx:
        return render(
            request, "quiz/flags/queue.html#review-queue", {**_queue_context(request), "status": status}
        )
    messages.info(request, status)
    return redirect("quiz:review-queue")


@reviewer_required
@require_POST
def accept_flag(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(Flag, pk=pk)
    if flag.accept(request.user):
        url = reverse("quiz:answer-edit", args=[flag.question_id])
    else:
        messages.info(request, f"Flag #{flag.pk} was already {flag.get_status_display().lower()}.")
        url = reverse("quiz:review-queue")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def can_edit_answers(user) -> bool:
    # The admin's own rule for changing a question: being staff is not enough, here as there.
    return user.is_active and user.has_perm("quiz.change_question")


def _preview(request: HttpRequest) -> tuple[str | None, str | None]:
    """The posted answer rendered as it would be saved, or why the renderer refuses it."""
    try:
        return render_markdown(request.POST.get("answer_md", "")), None
    except MarkdownError as error:
        return None, str(error)


@reviewer_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def answer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_edit_answers(request.user):
        raise PermissionDenied
    question = get_object_or_404(Question.objects.select_related("section__bank"), pk=pk)
    flags = list(question.flags.open().select_related("user").order_by("created_at"))
    preview = preview_error = None
    if request.method == "GET":
        initial = {"answer_md": question.answer_md, "base_revision": question.latest_revision_id()}
        form = AnswerEditForm(
            initial={**initial, "resolves": [f.pk for f in flags]}, question=question, flags=flags
        )
    elif "preview" in request.POST:
        form = AnswerEditForm(request.POST, question=question, flags=flags)
        preview, preview_error = _preview(request)
        if request.htmx:
            context = {"preview": preview, "preview_error": preview_error}
            return render(request, "quiz/answer_edit.html#answer-preview", context)
    else:
        form = AnswerEditForm(request.POST, question=question, flags=flags)
        if form.is_valid():
            try:
                resolved = question.replace_answer(
                    form.cleaned_data["answer_md"],
                    by=request.user,
                    base_revision=form.cleaned_data["base_revision"],
                    resolves=list(form.cleaned_data["resolves"]),
                    reason=f"Answer {'edited' if question.has_answer else 'written'} in review",
                )
            except AnswerConflict as conflict:
                question.refresh_from_db()  # show their version as the current answer
                form = AnswerEditForm.after_conflict(request.POST, conflict, question=question, flags=flags)
            else:
                resolved_text = f"; {counted(resolved, 'flag')} resolved" if resolved else ""
                messages.success(request, f"Saved the answer{resolved_text}.")
                url = reverse("quiz:review-queue")
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {"question": question, "form": form, "flags": flags, "findings": _findings_for(question)}
    context |= {"preview": preview, "preview_error": preview_error}
    template = (
        "quiz/answer_edit.html"
        if request.method == "GET"
        else page_or_part(request, "quiz/answer_edit.html", "answer-form")
    )
    return render(request, template, context)
