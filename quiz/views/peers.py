"""Peer mock interviews: the invite, the candidate's and the interviewer's screens, their polls, results.

Every page works without JavaScript (a Refresh link and plain form posts); with it, each screen's live part
polls every 2 seconds with the version of what it shows as its ETag, and a poll with nothing new is answered
304 after one query, by ``quiz.middleware.PeerPollMiddleware`` before the session is loaded, or here
(``peers.poll_state``) for a session the ETag was not signed for. Who may see what is checked here, in each
view: the candidate and the interviewer each reach the interview through ``MockInterview.objects.for_peer``,
and only their own role's steps.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from quiz import peers, throttles
from quiz.forms import AnswerForm, InterviewSetupForm, PeerAssessmentForm
from quiz.models import GRADE_MEANINGS, Grade, InterviewItem, MockInterview, PeerInvite, hints
from quiz.models.followups import chains
from quiz.models.peers import RUBRIC_LEVELS, Criterion


def _peer_interview(request: HttpRequest, pk: int, role: str | None = None) -> MockInterview:
    """The peer interview ``pk`` if the user sits in it (in ``role``, when given); 404 otherwise."""
    interview = get_object_or_404(
        MockInterview.objects.for_peer(request.user).select_related("user", "interviewer"), pk=pk
    )
    interview.role = peers.role_of(interview, request.user)
    if role is not None and interview.role != role:
        raise Http404
    return interview


def _open_item(interview: MockInterview, item_pk: int) -> InterviewItem:
    return get_object_or_404(interview.items.select_related("question__parent"), pk=item_pk)


def _polled(request: HttpRequest, interview: MockInterview, role: str) -> dict:
    """What a polled part carries: the ETag of what it shows, sent back as If-None-Match."""
    version = peers.screen_version(role, interview.version, interview.notes_version)
    etag = peers.poll_etag(request.session.session_key or "", interview.pk, role, version)
    return {"etag": etag, "poll_headers": json.dumps({"If-None-Match": etag})}


@login_required
@require_POST
def peer_new(request: HttpRequest) -> HttpResponse:
    """Start a peer interview from the setup page's choices; its invite page comes next."""
    if throttles.hit(request, "interview-start"):
        return throttles.too_many(request, "interview-start")
    form = InterviewSetupForm(request.POST)
    if form.is_valid():
        questions, follow_ups = peers.pick_questions(request.user, form.setup())
        if questions:
            interview, _ = peers.start(
                request.user,
                questions,
                seconds_per_question=form.seconds_per_question,
                total_seconds=form.total_seconds,
                updates_schedule=form.cleaned_data["updates_schedule"],
                setup={**form.setup(), "peer": True},
                follow_ups=follow_ups,
            )
            return redirect("quiz:peer-invite", interview.pk)
        form.add_error(
            None, "No question matches these choices. Tick more sections or include unanswered ones."
        )
    running = MockInterview.objects.for_user(request.user).unfinished().first()
    return render(request, "quiz/interview_new.html", {"form": form, "running": running}, status=422)


@login_required
@require_GET
def peer_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate's waiting room: the link to send, to copy or revoke, until the interviewer joins."""
    interview = _peer_interview(request, pk, peers.CANDIDATE)
    if interview.interviewer_id is not None or interview.is_over():
        return redirect("quiz:peer-interview", interview.pk)
    invite = interview.invites.first()
    link = request.build_absolute_uri(reverse("quiz:peer-join", args=[invite.token])) if invite else ""
    context = {
        "interview": interview,
        "invite": invite,
        "state": invite.state() if invite else None,
        "link": link,
        **_polled(request, interview, peers.CANDIDATE),
    }
    return render(request, "quiz/peer_invite.html", context)


@login_required
@require_POST
def peer_invite_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    interview = _peer_interview(request, pk, peers.CANDIDATE)
    invite = interview.invites.first()
    if invite is not None and invite.revoke():
        messages.info(request, "The link no longer works. Make a new one when you are ready.")
        peers.bump(interview)
    return redirect("quiz:peer-invite", interview.pk)


@login_required
@require_POST
def peer_invite_new(request: HttpRequest, pk: int) -> HttpResponse:
    interview = _peer_interview(request, pk, peers.CANDIDATE)
    if peers.issue_invite(interview):
        messages.info(request, "Here is a new link; the old one no longer works.")
    return redirect("quiz:peer-invite", interview.pk)


@login_required
@require_http_methods(["GET", "POST"])
def peer_join(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link asks first (a chat app's link preview must not take the seat); the button joins."""
    invite = PeerInvite.objects.select_related("interview__user").filter(token=token).first()
    if request.method == "GET":
        try:
            peers.check_invite(invite, request.user)
        except peers.InviteRefused as refused:
            return _refused_invite(request, refused)
        if invite.accepted_by_id == request.user.pk:
            return redirect("quiz:peer-interview", invite.interview_id)
        return render(request, "quiz/peer_join.html", {"invite": invite, "candidate": invite.interview.user})
    try:
        interview = peers.accept(token, request.user)
    except peers.InviteRefused as refused:
        return _refused_invite(request, refused)
    return redirect("quiz:peer-interview", interview.pk)


def _refused_invite(request: HttpRequest, refused: peers.InviteRefused) -> HttpResponse:
    return render(request, "quiz/peer_refused.html", {"reason": str(refused)}, status=refused.status)


def _screen_context(interview: MockInterview, item: InterviewItem) -> dict:
    return {
        "interview": interview,
        "item": item,
        "now": timezone.now(),
        "hints": hints.shown(item),
        "hints_left": hints.left(item),
    }


@login_required
@require_GET
def peer_interview(request: HttpRequest, pk: int) -> HttpResponse:
    """The screen of the user's role: the candidate's or the interviewer's; the invite page until someone
    joins, the results once it is over."""
    interview = _peer_interview(request, pk)
    if interview.role == peers.CANDIDATE and interview.interviewer_id is None and not interview.is_over():
        return redirect("quiz:peer-invite", interview.pk)
    item = interview.current_item()
    if interview.is_over() or item is None:
        return redirect("quiz:peer-results", interview.pk)
    context = _screen_context(interview, item)
    context.update(_polled(request, interview, interview.role))
    if interview.role == peers.CANDIDATE:
        return render(request, "quiz/peer_candidate.html", context)
    return render(request, "quiz/peer_interviewer.html", {**context, **_interviewer_context(item)})


def _interviewer_context(item: InterviewItem, form: PeerAssessmentForm | None = None) -> dict:
    assessment = peers.assessment_of(item)
    ticks = form.cleaned_data.get("ticks", []) if form is not None and form.is_bound else assessment.ticks
    suggestions = peers.suggestions(item, ticks)
    return {
        "assessment": assessment,
        "form": form,
        "suggestions": suggestions,
        "suggested": peers.suggested(item, ticks, suggestions),
        "has_follow_up": peers.has_follow_up(item),
        "rubric": [
            (name, label, getattr(assessment, name), sorted(RUBRIC_LEVELS[name].items()))
            for name, label in Criterion.choices
        ],
        "grades": [(grade, GRADE_MEANINGS[grade]) for grade in Grade],
    }


@login_required
@require_GET
def peer_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """A screen's polled part, or 304 when nothing changed since the version the screen shows (one query);
    a redirect when the screen itself must change (the interviewer joined, the interview ended).

    The parts (``?part=``): the screen's live part (the default); ``reading``, the matcher's reading of the
    candidate's notes beside the interviewer's checklist, polled less often than the notes because it costs
    a run of the matcher; ``next``, the results page waiting for Switch roles."""
    state = peers.poll_state(request.user, pk)
    part = request.GET.get("part", "live")
    if state is None or part not in POLLED_PARTS or (part == "reading" and state.role != peers.INTERVIEWER):
        raise Http404
    if state.over and part != "next":
        return HttpResponseClientRedirect(reverse("quiz:peer-results", args=[pk]))
    etag = peers.poll_etag(request.session.session_key or "", pk, state.role, state.version)
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    if part == "next":
        return _results_next(request, pk)
    interview = _peer_interview(request, pk)
    item = interview.current_item()
    if item is None or (state.role == peers.CANDIDATE and request.GET.get("waiting")):
        # The interviewer joined the candidate's waiting room, or the last question closed: a new screen.
        return HttpResponseClientRedirect(reverse("quiz:peer-interview", args=[pk]))
    context = {**_screen_context(interview, item), **_polled(request, interview, state.role)}
    if state.role == peers.CANDIDATE:
        html = _candidate_live(request, context)
    elif part == "reading":
        context["suggestions"] = peers.suggestions(item, ticks=[])
        html = render_to_string("quiz/peer_interviewer.html#peer-reading", context, request)
        html += render_to_string("quiz/peer_interviewer.html#suggestions-oob", context, request)
    else:  # the notes and the hints; the ticks and the rubric are the interviewer's own, on their screen
        html = render_to_string("quiz/peer_interviewer.html#peer-live", context, request)
    response = HttpResponse(html)
    response["ETag"] = context["etag"]
    response["Cache-Control"] = "no-cache, private"
    return response


POLLED_PARTS = {"live", "reading", "next"}


def _candidate_live(request: HttpRequest, context: dict) -> str:
    """The candidate's stage; with a new question, a new notes box too."""
    item = context["item"]
    context["new_item"] = request.GET.get("item", "") != str(item.pk)
    context["new_hint"] = not context["new_item"] and request.GET.get("hints", "") != str(item.hints_used)
    html = render_to_string("quiz/peer_candidate.html#peer-stage", context, request)
    if context["new_item"]:
        html += render_to_string("quiz/peer_candidate.html#peer-answer", {**context, "oob": True}, request)
    return html


def _results_next(request: HttpRequest, pk: int) -> HttpResponse:
    """The results page's "Next" part, as it stands: with the mirror interview once either side made it."""
    interview = _peer_interview(request, pk)
    context = {"interview": interview, "mirror": peers.mirror_of(interview), "polled": True}
    context.update(_polled(request, interview, interview.role))
    response = HttpResponse(render_to_string("quiz/peer_results.html#peer-next", context, request))
    response["ETag"] = context["etag"]
    return response


@login_required
@require_POST
def peer_notes(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The candidate's notes, saved as they type (htmx) or with the Save button."""
    interview = _peer_interview(request, pk, peers.CANDIDATE)
    item = _open_item(interview, item_pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return HttpResponse(f"Not saved: {form.errors['answer_text'][0]}", status=422)
    if not peers.save_notes(interview, item, form.cleaned_data["answer_text"]):
        return HttpResponse("Not saved: the interviewer has moved on from this question.", status=409)
    if not request.htmx:
        messages.info(request, "Notes saved.")
        return redirect("quiz:peer-interview", interview.pk)
    return HttpResponse(f"Saved at {timezone.localtime():%H:%M:%S}")


@login_required
@vary_on_headers("HX-Request")
@require_POST
def peer_assess(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The interviewer's checklist, rubric, grade and notes, kept as they work; with an action button, the
    step: a hint, a follow-up, the next question, or the end."""
    interview = _peer_interview(request, pk, peers.INTERVIEWER)
    item = _open_item(interview, item_pk)
    form = PeerAssessmentForm(request.POST)
    if not form.is_valid():
        if set(form.errors) == {"grade"}:  # moving on without a grade: the rest is kept, the step is not
            peers.save_assessment(interview, item, form.assessment_fields())
        if request.htmx and not request.POST.get("action"):
            return HttpResponse(
                "Not saved: " + " ".join(e for es in form.errors.values() for e in es), status=422
            )
        context = {**_screen_context(interview, item), **_interviewer_context(item, form)}
        context.update(_polled(request, interview, peers.INTERVIEWER))
        return render(request, "quiz/peer_interviewer.html", context, status=422)
    peers.save_assessment(interview, item, form.assessment_fields())
    action, grade = form.cleaned_data["action"] or "save", form.cleaned_data["grade"]
    if action == "hint" and not peers.give_hint(interview, item):
        messages.info(
            request, "No hint given: every key point has been hinted, or the question has moved on."
        )
    elif action in ("follow_up", "next"):
        if not peers.move_on(interview, item, grade, follow_up=action == "follow_up"):
            messages.info(request, "That question was already graded: here is where the interview is now.")
    elif action == "end":
        if grade and item.done_at is None:
            peers.move_on(interview, item, grade, follow_up=False)
        peers.leave(interview)
        return redirect("quiz:peer-results", interview.pk)
    if request.htmx and action == "save":
        return HttpResponse(f"Saved at {timezone.localtime():%H:%M:%S}")
    return redirect("quiz:peer-interview", interview.pk)


@login_required
@require_POST
def peer_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """Either side ends the interview; the candidate's typed notes come with the button and are kept."""
    interview = _peer_interview(request, pk)
    form = AnswerForm(request.POST)
    if (
        interview.role == peers.CANDIDATE
        and form.is_valid()
        and form.typed_answer is not None
        and (item := interview.current_item())
    ):
        peers.save_notes(interview, item, form.typed_answer)
    peers.leave(interview)
    return redirect("quiz:peer-results", interview.pk)


@login_required
@require_GET
def peer_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Both sides' results: per question the notes typed, ticks, rubric and the interviewer's notes."""
    interview = _peer_interview(request, pk)
    if not interview.is_over() and interview.current_item() is not None:
        return redirect("quiz:peer-interview", interview.pk)
    items = list(interview.items.select_related("question__section", "assessment").order_by("position"))
    for item in items:
        assessment = getattr(item, "assessment", None)  # None where the interviewer wrote nothing
        item.rubric = assessment.rubric() if assessment else []
        item.peer_notes = assessment.notes if assessment else ""
        item.hints_shown = hints.shown(item)
        if item.key_points_shown:  # graded: the ticks the grade was given with
            item.point_rows = list(zip(item.key_points_shown, item.ticks, strict=False))
        else:
            ticked = set(assessment.ticks if assessment else [])
            item.point_rows = [(p, i in ticked) for i, p in enumerate(item.question.key_points)]
    context = {
        "interview": interview,
        "chains": chains(items),
        "grade_labels": dict(Grade.choices),
        "mirror": peers.mirror_of(interview),
        **_polled(request, interview, interview.role),
    }
    return render(request, "quiz/peer_results.html", context)


@login_required
@require_POST
def peer_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """The mirror interview: the same two people, the chairs swapped, the same setup."""
    interview = _peer_interview(request, pk)
    if interview.interviewer_id is None or not interview.is_over():
        messages.info(request, "Roles can be switched once the interview is over and both of you were in it.")
        return redirect("quiz:peer-interview", interview.pk)
    mirror = peers.mirror_of(interview)
    if mirror is None:
        questions, follow_ups = peers.pick_questions(interview.interviewer, interview.setup)
        if not questions:
            messages.info(request, "No question matches this interview's choices any more.")
            return redirect("quiz:peer-results", interview.pk)
        mirror = peers.switch_roles(interview, questions, follow_ups)
    return redirect("quiz:peer-interview", mirror.pk)
