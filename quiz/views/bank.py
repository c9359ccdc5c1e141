"""The question bank: browse and search every active question, and each question's own page.

The bank is a GET form, so a search is a shareable URL; htmx asks for the ``results`` part of the same page
as the user types. A question's page shows the user's own history on it and keeps their private note and
bookmark; both POSTs swap their own part with htmx and redirect back without JavaScript.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from quiz.diffing import answer_update_for
from quiz.forms import BankFilterForm, BookmarkForm, NoteForm
from quiz.models import Bookmark, Grade, InterviewItem, Question, QuestionNote, ReviewState, Section

PAGE_SIZE = 25
ANSWERS_PER_PAGE = 10  # of your own answers, on a question's page


def _word_forms(word: str) -> set[str]:
    forms = {word}
    for suffix in ("ing", "es", "ed", "s"):
        if word.lower().endswith(suffix) and len(word) - len(suffix) >= 4:
            forms.add(word[: -len(suffix)])
    return forms


def answer_excerpt(answer_md: str, words: list[str], context: int = 90) -> str | None:
    """A line of the reference answer around the first searched word, the words marked, or None.

    Shown under each search result so the user sees why a question matched when the prompt does not say.
    ``format_html`` escapes the text; only the ``<mark>`` tags are markup.
    """
    # Web-search syntax (PostgreSQL's box takes "a phrase", -without, or) is not text to find.
    words = [w.strip('"') for w in words if w.lower() != "or" and not w.startswith("-")]
    # PostgreSQL also finds other forms of a word ("generators" finds "generator"): look for the stem too.
    forms = {form for word in words if word for form in _word_forms(word)}
    if not forms:
        return None
    # Roughly the text a reader sees: no list, heading or quote markers, bold stars, backticks or table bars.
    lines = (re.sub(r"^\s*(?:#+|>+|[-*+]|\d+\.)\s+", "", line) for line in answer_md.splitlines())
    plain = " ".join(re.sub(r"\*\*|`+|\|", " ", " ".join(lines)).split())
    pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)), re.IGNORECASE)
    if (first := pattern.search(plain)) is None:
        return None
    start, end = max(0, first.start() - context), min(len(plain), first.end() + context)
    start = plain.rfind(" ", 0, start) + 1 if start else 0  # whole words at both ends
    if (end := plain.find(" ", end)) == -1:
        end = len(plain)
    window = plain[start:end]
    pieces, last = [], 0
    for match in pattern.finditer(window):
        pieces.append((window[last : match.start()], match.group()))
        last = match.end()
    return format_html(
        "{}{}{}{}",
        "… " if start else "",
        format_html_join("", "{}<mark>{}</mark>", pieces),
        window[last:],
        " …" if end < len(plain) else "",
    )


def bank_questions(form: BankFilterForm, user):
    # A filter that does not validate (a stale section id, say) is left out rather than failing the page.
    form.is_valid()
    data = form.cleaned_data
    questions = Question.objects.active().select_related("section").defer("answer_html", "imported_answer_md")
    questions = questions.with_user_badges(user, timezone.now())
    if data.get("q"):
        questions = questions.search(data["q"])
    if data.get("bank"):
        questions = questions.in_banks([data["bank"]])
    if data.get("section"):
        questions = questions.in_sections([data["section"]])
    if data.get("difficulty"):
        questions = questions.filter(difficulty=data["difficulty"])
    if data.get("answered") == "yes":
        questions = questions.answered()
    elif data.get("answered") == "no":
        questions = questions.filter(answer_md="")
    if data.get("provenance"):
        questions = questions.filter(provenance=data["provenance"]).answered()
    if data.get("missed"):
        questions = questions.filter(my_last_grade__lte=Grade.PARTIAL)
    if data.get("due"):
        questions = questions.filter(is_due=True)
    if data.get("bookmarked"):
        questions = questions.filter(is_bookmarked=True)
    return questions.order_by("position", "pk")


@login_required
@vary_on_headers("HX-Request")
def bank(request: HttpRequest) -> HttpResponse:
    form = BankFilterForm(request.GET)
    page = Paginator(bank_questions(form, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    if words := form.cleaned_data.get("q", "").split():
        for question in page:
            question.excerpt = answer_excerpt(question.answer_md, words)
    template = "quiz/bank.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    # The export takes the page's own filters: the selection shown is the one downloaded.
    filters = request.GET.copy()
    filters.pop("page", None)
    export_url = f"{reverse('quiz:questions-export')}?{filters.urlencode()}"
    return render(request, template, {"form": form, "page": page, "export_url": export_url})


def _question_for(request: HttpRequest, pk: int) -> Question:
    """The question, with the user's bookmark state; a retired one only for users who have touched it."""
    mine = Bookmark.objects.filter(user=request.user, question=OuterRef("pk"))
    question = get_object_or_404(
        Question.objects.select_related("section", "parent").annotate(is_bookmarked=Exists(mine)), pk=pk
    )
    if question.retired:
        touched = (
            Q(interview_items__interview__user=request.user)
            | Q(notes__user=request.user)
            | Q(bookmarks__user=request.user)
        )
        if not Question.objects.filter(touched, pk=pk).exists():
            raise Http404("This question was retired from the bank.")
    return question


def _question_context(request: HttpRequest, question: Question, note_form: NoteForm | None = None) -> dict:
    if note_form is None:
        note = QuestionNote.objects.filter(user=request.user, question=question).first()
        note_form = NoteForm(initial={"text": note.text if note else ""})
    history = (
        InterviewItem.objects.for_user(request.user)
        .filter(question=question)
        .select_related("interview")
        .order_by("-interview__created_at")
    )
    # A page at a time: a question practised daily for a year has hundreds of answers.
    answers = Paginator(history, ANSWERS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "question": question,
        "section_path": Section.objects.tree().ancestry(question.section_id)[::-1],
        "answers": answers,
        "review": ReviewState.objects.for_user(request.user).filter(question=question).with_is_due().first(),
        "note_form": note_form,
        "now": timezone.now(),
        "answer_update": answer_update_for(question, request.user),
    }


@login_required
def question(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for(request, pk)
    return render(request, "quiz/question.html", _question_context(request, question))


@login_required
@require_POST
def save_note(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        QuestionNote.objects.update_or_create(
            user=request.user, question=question, defaults={"text": form.cleaned_data["text"]}
        )
        if not request.htmx:
            messages.success(request, "Note saved.")
            return redirect(reverse("quiz:question", args=[question.pk]) + "#note-form")
    if request.htmx:
        context = {"question": question, "note_form": form, "note_saved": form.is_valid()}
        return render(request, "quiz/question.html#note-form", context)
    return render(request, "quiz/question.html", _question_context(request, question, note_form=form))


@login_required
@require_POST
def set_bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for(request, pk)
    form = BookmarkForm(request.POST)
    form.is_valid()  # a BooleanField that is not required: anything but "on"/"true" means "not bookmarked"
    if form.cleaned_data["bookmarked"]:
        Bookmark.objects.get_or_create(user=request.user, question=question)
    else:
        Bookmark.objects.filter(user=request.user, question=question).delete()
    question.is_bookmarked = form.cleaned_data["bookmarked"]
    if not request.htmx:
        return redirect("quiz:question", question.pk)
    return render(request, "quiz/question.html#bookmark-button", {"question": question})
