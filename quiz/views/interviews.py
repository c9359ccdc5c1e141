"""The mock-interview loop: set up, one question at a time (reveal, grade, skip, mark for later), results.

Every URL renders as a full page; htmx asks for the ``question-card`` partial of the same template. Every
POST also works without JavaScript (it redirects back to the step). The models own the rules: a step that
was already taken (double click, second tab, retried request) changes nothing and shows the current state.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from quiz import practice_from, throttles
from quiz.diffing import answer_update_for
from quiz.forms import (
    AnswerForm,
    GradeForm,
    HintForm,
    InterviewSetupForm,
    MarkForm,
    ReviewStartForm,
    TimingForm,
)
from quiz.models import (
    GRADE_CUTOFFS,
    GRADE_MEANINGS,
    Bank,
    Grade,
    InterviewItem,
    MockInterview,
    Preferences,
    Question,
    ReviewState,
    hints,
)
from quiz.models.followups import follow_ups_of
from quiz.models.interview_items import POINTS_MISSED_WINDOW
from quiz.view_helpers import page_or_part
from quiz.wording import counted

QUICK_START = {
    "question_count": 10,
    "timing": "per_question",
    "minutes": 3,
    "updates_schedule": True,
    "follow_ups": True,
}
LEFT_RUNNING = "You have an interview in progress: resume it, or end it before starting another."


def _interview_for(request: HttpRequest, pk: int) -> MockInterview:
    return get_object_or_404(MockInterview.objects.for_user(request.user), pk=pk)


def _item_for(interview: MockInterview, item_pk: int) -> InterviewItem:
    return get_object_or_404(interview.items.select_related("question"), pk=item_pk)


def _solo(interview: MockInterview) -> MockInterview:
    """A peer interview's steps are its interviewer's (quiz/views/peers.py): none of them here."""
    if interview.kind == MockInterview.Kind.PEER:
        raise Http404("A peer interview is run from its own screens.")
    return interview


def _step_for(
    request: HttpRequest, pk: int, item_pk: int, with_cards: bool = False
) -> tuple[MockInterview, InterviewItem]:
    """The interview and the item posted: for the question asked now, both from one query."""
    interview = MockInterview.at_step(request.user, pk, with_cards=with_cards)
    if interview is not None and (item := interview.current_item()).pk == item_pk:
        return _solo(interview), item
    interview = _solo(_interview_for(request, pk))
    return interview, _item_for(interview, item_pk)


def _ends_without_asking(request: HttpRequest, kind: str, setup: dict) -> bool:
    """Would this one-click start (home's quick start, a review) end an interview in progress?

    Starting ends the one left open; only the setup page says so first. A second click on the same start
    is not "another" interview: ``MockInterview.start`` hands back the one the first click opened."""
    running = MockInterview.objects.for_user(request.user).unfinished().first()
    if running is None:
        return False
    double_click = timezone.now() - timedelta(seconds=MockInterview.DOUBLE_START_SECONDS)
    return not (running.kind == kind and running.setup == setup and running.created_at >= double_click)


NEW_LIMIT_REACHED = (
    "Today's limit on new questions ({limit}, in your account) left room for {room}: the rest of this "
    "interview is questions you have met before."
)


def _pick(request: HttpRequest, questions, count: int, updates_schedule: bool) -> list[Question]:
    """Up to ``count`` of ``questions``, fresh first, leaving out the ones the user suspended or buried. An
    interview that counts towards the schedule brings no more questions new to it than today's limit
    leaves (``Preferences.new_per_day``), and fills up with questions met before."""
    cards = ReviewState.objects.for_user(request.user)
    questions = questions.exclude(pk__in=cards.held().values("question")).fresh_first_for(request.user)
    if not updates_schedule:
        return list(questions[:count])
    allowance = cards.allowance(Preferences.for_user(request.user))
    if allowance.new_left >= count:
        return list(questions[:count])
    scheduled = Exists(cards.filter(question=OuterRef("pk")))
    new = list(questions.exclude(scheduled)[: allowance.new_left + 1])
    taken = new[: allowance.new_left]
    picked = taken + list(questions.filter(scheduled)[: count - len(taken)])
    if len(new) > len(taken):
        limit = allowance.preferences.new_per_day
        messages.info(request, NEW_LIMIT_REACHED.format(limit=limit, room=counted(len(taken), "new one")))
    return picked


def _start_from_form(request: HttpRequest, form: InterviewSetupForm) -> MockInterview | None:
    data = form.cleaned_data
    # Follow-ups are asked after their question (followups.py), never as questions of their own.
    questions = Question.objects.active().filter(parent=None).in_banks(data["banks"])
    questions = questions.in_sections(data["sections"])
    if data["difficulties"]:
        questions = questions.filter(difficulty__in=data["difficulties"])
    if not data["include_unanswered"]:
        questions = questions.answered()
    picked = _pick(request, questions, data["question_count"], data["updates_schedule"])
    if not picked:
        form.add_error(
            None, "No question matches these choices. Tick more sections or include unanswered ones."
        )
        return None
    if len(picked) < data["question_count"]:
        messages.info(
            request,
            f"Only {counted(len(picked), 'question')} match{'es' if len(picked) == 1 else ''} these choices; "
            f"the interview has {len(picked)}.",
        )
    return MockInterview.start(
        request.user,
        picked,
        seconds_per_question=form.seconds_per_question,
        total_seconds=form.total_seconds,
        updates_schedule=data["updates_schedule"],
        setup=form.setup(),
        follow_ups=follow_ups_of(picked, data["include_unanswered"]) if data["follow_ups"] else None,
    )


def _start_from_selection(request: HttpRequest, selection: practice_from.Selection) -> HttpResponse:
    """The setup page for the questions a page named (``practice_from``): they are what the interview asks,
    all of them; only the timing (none for a review session) and the schedule are chosen here."""
    kind = MockInterview.Kind.REVIEW if request.GET.get("kind") == "review" else MockInterview.Kind.INTERVIEW
    initial = {**QUICK_START, "timing": "untimed"} if kind == MockInterview.Kind.REVIEW else QUICK_START
    form = TimingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not selection.questions:
            form.add_error(None, "No question matches this selection any more: go back and change it.")
        else:
            timed = kind == MockInterview.Kind.INTERVIEW
            interview = MockInterview.start(
                request.user,
                selection.questions,
                seconds_per_question=form.seconds_per_question if timed else None,
                total_seconds=form.total_seconds if timed else None,
                kind=kind,
                updates_schedule=form.cleaned_data["updates_schedule"],
                setup={**form.setup(), "selection": selection.query, "kind": kind},
            )
            return redirect("quiz:interview-step", interview.pk)
    context = {
        "form": form,
        "selection": selection,
        "kind": kind,
        "interview_url": f"{reverse('quiz:interview-new')}?{selection.query}",
        "running": MockInterview.objects.for_user(request.user).unfinished().first(),
        "max_questions": practice_from.MAX_QUESTIONS,
    }
    return render(request, "quiz/interview_from.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def interview_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and throttles.hit(request, "interview-start"):
        return throttles.too_many(request, "interview-start")
    # Started from a page's questions (a search, a section, bookmarks, one question): the URL names them.
    if (selection := practice_from.selection_from(request.GET, request.user)) is not None:
        return _start_from_selection(request, selection)
    if request.method == "POST":
        data = request.POST if "quick" not in request.POST else QUICK_START
        form = InterviewSetupForm(data)
        if (
            data is QUICK_START
            and form.is_valid()
            and _ends_without_asking(request, MockInterview.Kind.INTERVIEW, form.setup())
        ):
            messages.info(request, LEFT_RUNNING)
            return redirect("quiz:home")
        if form.is_valid() and (interview := _start_from_form(request, form)):
            return redirect("quiz:interview-step", interview.pk)
    else:
        # "Start an interview" from a bank's page arrives with ?bank=<slug>: that bank comes ticked.
        chosen = Bank.objects.filter(slug__in=request.GET.getlist("bank")) if "bank" in request.GET else []
        form = InterviewSetupForm(initial={**QUICK_START, "banks": list(chosen)})
    running = MockInterview.objects.for_user(request.user).unfinished().first()
    return render(request, "quiz/interview_new.html", {"form": form, "running": running})


def _step_response(
    request: HttpRequest,
    interview: MockInterview,
    refused: AnswerForm | None = None,
    status: int = 200,
    notice: str | None = None,
    hint_given: bool = False,
) -> HttpResponse:
    """The current state of the interview: the question card, or the results once it is over.

    ``refused`` is a form the server turned down: the card shows its error and keeps the text as typed."""
    if interview.kind == MockInterview.Kind.PEER:
        url = reverse("quiz:peer-interview", args=[interview.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if interview.is_over() or (item := interview.current_item()) is None:
        url = reverse("quiz:results", args=[interview.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = page_or_part(request, "quiz/interview.html", "question-card")
    now = timezone.now()
    # Under each grade button, when that grade brings the question back: from the card the step's read
    # brought (``with_cards``), so the labels cost no query.
    intervals = {}
    if item.is_revealed and interview.updates_schedule:
        intervals = item.review_card().next_intervals(now)
    context = {
        "interview": interview,
        "item": item,
        "answer_text": item.answer_text,
        "now": now,
        "grades": [(grade, GRADE_MEANINGS[grade], intervals.get(grade)) for grade in Grade],
        "grade_cutoffs": GRADE_CUTOFFS,
        "answer_update": answer_update_for(item.question, request.user) if item.is_revealed else None,
        "notice": notice,
        "hints": hints.shown(item),
        "hints_left": hints.left(item),
        "hint_given": hint_given,  # focus and announce the new hint, not the question
        "grade_cap": item.grade_cap,
        "contradicted": any(item.contradicted or ()),
    }
    if refused is not None:
        context["answer_text"] = refused.data.get("answer_text", item.answer_text)
        context["errors"] = [error for errors in refused.errors.values() for error in errors]
    return render(request, template, context, status=status)


@login_required
@vary_on_headers("HX-Request")
def interview_step(request: HttpRequest, pk: int) -> HttpResponse:
    interview = MockInterview.at_step(request.user, pk, with_cards=True)
    return _step_response(request, interview or _interview_for(request, pk))


ALREADY_DONE = (
    "That question was already answered, in another tab or by a second click: here is where you are now."
)


def _after_post(request: HttpRequest, interview: MockInterview, taken: bool = True) -> HttpResponse:
    # htmx swaps the next card in place; a plain form post follows the redirect to the same state. A step
    # that was already taken changed nothing: say so rather than silently jump on.
    taken = taken or interview.is_over()  # an interview that ended has its own page to say so
    if request.htmx:
        return _step_response(request, interview, notice=None if taken else ALREADY_DONE)
    if not taken:
        messages.info(request, ALREADY_DONE)
    return redirect("quiz:interview-step", interview.pk)


def _refused(request: HttpRequest, interview: MockInterview, form: AnswerForm) -> HttpResponse:
    # htmx only swaps 2xx responses in; a plain post gets the page itself with 422. Either way the typed
    # text comes back in the box, with the reason beside it.
    return _step_response(request, interview, refused=form, status=200 if request.htmx else 422)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def reveal_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    interview, item = _step_for(request, pk, item_pk, with_cards=True)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused(request, interview, form)
    interview.reveal(item, answer_text=form.typed_answer)
    return _after_post(request, interview)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def grade_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    interview, item = _step_for(request, pk, item_pk, with_cards=True)
    form = GradeForm(request.POST)
    if not form.is_valid():
        return _refused(request, interview, form)
    data = form.cleaned_data
    taken = interview.grade(item, data["grade"], answer_text=form.typed_answer, ticks=form.confirmed_ticks)
    return _after_post(request, interview, taken)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def skip_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    interview, item = _step_for(request, pk, item_pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused(request, interview, form)
    taken = interview.skip(item, answer_text=form.typed_answer)
    return _after_post(request, interview, taken)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def mark_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    interview, item = _step_for(request, pk, item_pk, with_cards=True)
    # The form says the state wanted, not "toggle", so a double click cannot undo itself.
    form = MarkForm(request.POST)
    if not form.is_valid():
        return _refused(request, interview, form)
    interview.mark(item, form.cleaned_data["marked"])
    if form.typed_answer is not None:
        interview.save_answer(item, form.typed_answer)
    return _after_post(request, interview)


@login_required
@vary_on_headers("HX-Request")
@require_POST
def hint_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The next key point's gist, before Reveal; the typed text is kept."""
    interview, item = _step_for(request, pk, item_pk, with_cards=True)
    form = HintForm(request.POST)
    if not form.is_valid():
        return _refused(request, interview, form)
    given = interview.give_hint(item, form.cleaned_data["hint"], answer_text=form.typed_answer)
    if request.htmx and given:
        return _step_response(request, interview, hint_given=True)
    # Not given on an open question: a double click, or Reveal came first; only a closed one was a stale tab.
    return _after_post(request, interview, given or item.done_at is None)


@login_required
@require_POST
def save_answer(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Autosave of the typed answer while the candidate writes (htmx, every pause in typing)."""
    interview = _solo(_interview_for(request, pk))
    item = _item_for(interview, item_pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return HttpResponse(f"Not saved: {form.errors['answer_text'][0]}", status=422)
    if not interview.save_answer(item, form.cleaned_data["answer_text"]):
        return HttpResponse("Not saved: this question is closed or not reached yet.", status=409)
    if not request.htmx:
        return redirect("quiz:interview-step", interview.pk)
    return HttpResponse("Saved")


@login_required
@require_POST
def end_interview(request: HttpRequest, pk: int) -> HttpResponse:
    interview = _interview_for(request, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused(request, interview, form)
    if (item := interview.current_item()) and form.typed_answer is not None:
        interview.save_answer(item, form.typed_answer)
    interview.end_early()
    url = reverse("quiz:results", args=[interview.pk])
    # Home's "End it now" goes back home, where the start it was in the way of is offered again.
    if url_has_allowed_host_and_scheme(
        wanted := request.POST.get("next", ""), {request.get_host()}, require_https=request.is_secure()
    ):
        url = wanted
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    interview = _interview_for(request, pk)
    if interview.kind == MockInterview.Kind.PEER:
        return redirect("quiz:peer-results", interview.pk)
    if not interview.is_over() and interview.current_item() is not None:
        messages.info(request, "This interview is still running: here is where you left off.")
        return redirect("quiz:interview-step", interview.pk)
    summary = interview.summary()
    missed_sections = {q.section_id for q in summary.missed_questions}
    points_missed = InterviewItem.objects.for_user(request.user).points_missed_most(missed_sections)
    return render(
        request,
        "quiz/results.html",
        {
            "interview": interview,
            "summary": summary,
            "grade_labels": dict(Grade.choices),
            "points_missed": points_missed,
            "points_missed_window": POINTS_MISSED_WINDOW,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def practise_missed(request: HttpRequest, pk: int) -> HttpResponse:
    """A new interview with the questions missed, half-known, skipped or not reached in this one."""
    interview = _interview_for(request, pk)
    if throttles.hit(request, "interview-start"):
        return throttles.too_many(request, "interview-start")
    questions = [q for q in interview.summary().missed_questions if not q.retired]
    if not questions:
        messages.info(request, "Nothing to practise again: every question was graded Good or Nailed.")
        return redirect("quiz:results", interview.pk)
    seconds_per_question, total_seconds = interview.chosen_limits()
    new = MockInterview.start(
        request.user,
        questions,
        seconds_per_question=seconds_per_question,
        total_seconds=total_seconds,
        updates_schedule=interview.updates_schedule,
        setup={**interview.setup, "practise_missed_from": interview.pk},
        follow_ups=(
            follow_ups_of(questions, interview.setup.get("include_unanswered", False))
            if interview.setup.get("follow_ups")
            else None
        ),
    )
    return redirect("quiz:interview-step", new.pk)


REVIEW_SESSION_SIZE = 20
REVIEW_SETUP = {"review": True}
# Practising ahead is practice only: the grades are kept in the history, the cards' schedules are not touched.
REVIEW_AHEAD_SETUP = {"review": True, "ahead": True}
REVIEW_LIMIT_REACHED = (
    "You have done today's {limit} reviews (your daily limit): the rest stay due for tomorrow. "
    "Change the limit in your account, or practise ahead without changing your schedule."
)


def _review_questions(request: HttpRequest, ahead: bool) -> list[Question] | None:
    """The questions of a review session: the due ones, most overdue first, within today's review limit;
    practising ahead, the ones not yet due, soonest first. None: the daily limit leaves no room."""
    cards = ReviewState.objects.for_user(request.user).select_related("question")
    if ahead:
        return [card.question for card in cards.not_due()[:REVIEW_SESSION_SIZE]]
    allowance = ReviewState.objects.for_user(request.user).allowance(Preferences.for_user(request.user))
    due = cards.due().order_by("due")
    if not allowance.reviews_left:
        if due.exists():
            messages.info(request, REVIEW_LIMIT_REACHED.format(limit=allowance.preferences.reviews_per_day))
            return None
        return []
    return [card.question for card in due[: min(REVIEW_SESSION_SIZE, allowance.reviews_left)]]


@login_required
@require_POST
def review_start(request: HttpRequest) -> HttpResponse:
    """A review session, untimed: what is due (``ahead``: not due yet, practice only)."""
    if throttles.hit(request, "interview-start"):
        return throttles.too_many(request, "interview-start")
    ahead = ReviewStartForm(request.POST).practise_ahead
    questions = _review_questions(request, ahead)
    if questions is None:
        return redirect("quiz:home")
    if not questions:
        messages.info(
            request,
            "Nothing waits to come due: grade questions in an interview first."
            if ahead
            else "Nothing is due now. Come back later, or take a mock interview.",
        )
        return redirect("quiz:home")
    setup = REVIEW_AHEAD_SETUP if ahead else REVIEW_SETUP
    if _ends_without_asking(request, MockInterview.Kind.REVIEW, setup):
        messages.info(request, LEFT_RUNNING)
        return redirect("quiz:home")
    review = MockInterview.start(
        request.user, questions, kind=MockInterview.Kind.REVIEW, setup=setup, updates_schedule=not ahead
    )
    return redirect("quiz:interview-step", review.pk)
