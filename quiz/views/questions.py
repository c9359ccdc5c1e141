"""The question list: browse and search every active question, each question's own page, and the exports.

The list is a GET form, so a search is a shareable URL; htmx asks for the ``results`` part of the same page
as the user types. A question's page shows the user's own history on it and keeps their private note and
bookmark; both POSTs swap their own part with htmx and redirect back without JavaScript. Signed-out visitors
see the list and the questions' pages with none of that (settings.BANK_OPEN_TO_VISITORS).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from quiz import bank_imports, decks, exporter, practice_from
from quiz.diffing import answer_update_for
from quiz.forms import BookmarkForm, NoteForm, QuestionFilterForm
from quiz.models import Bookmark, InterviewItem, Question, QuestionNote, ReviewState, Section
from quiz.search.excerpt import excerpt
from quiz.search.query import Ranked
from quiz.view_helpers import open_to_visitors, page_or_part

PAGE_SIZE = 25
ANSWERS_PER_PAGE = 10  # of your own answers, on a question's page


@open_to_visitors
@vary_on_headers("HX-Request")
def question_list(request: HttpRequest) -> HttpResponse:
    form = QuestionFilterForm(request.GET, visitor=not request.user.is_authenticated)
    questions = form.questions(request.user)
    if found := form.found(questions):
        questions = Ranked(questions.defer(None).defer("imported_answer_md"), found.ids)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    for question in page if found else ():
        question.excerpt = excerpt(question.answer_html, found.terms)
    template = page_or_part(request, "quiz/questions.html", "results")
    # The export takes the page's own filters: the selection shown is the one downloaded.
    filters = request.GET.copy()
    filters.pop("page", None)
    export_url = f"{reverse('quiz:questions-export')}?{filters.urlencode()}"
    # ... and "Practise these" starts from the same query string (practice_from), once it selects something.
    practise_url = None
    if practice_from.is_selection(filters):
        practise_url = f"{reverse('quiz:interview-new')}?{practice_from.selection_query(filters).urlencode()}"
    context = {
        "form": form,
        "page": page,
        "export_url": export_url,
        "practise_url": practise_url,
        "max_questions": practice_from.MAX_QUESTIONS,
        "found": found,
    }
    return render(request, template, context)


def _question_for(request: HttpRequest, pk: int) -> Question:
    """The question, with the user's bookmark state; a retired one only for users who have touched it."""
    if not request.user.is_authenticated:
        return get_object_or_404(Question.objects.active().select_related("section", "parent"), pk=pk)
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
    section_path = Section.objects.tree().ancestry(question.section_id)[::-1]
    if not request.user.is_authenticated:
        return {"question": question, "section_path": section_path}
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
        "section_path": section_path,
        "answers": answers,
        "review": ReviewState.objects.for_user(request.user).filter(question=question).with_is_due().first(),
        "note_form": note_form,
        "now": timezone.now(),
        "answer_update": answer_update_for(question, request.user),
    }


@open_to_visitors
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


EXPORT_FORMATS = {
    "apkg": "application/octet-stream",
    "csv": "text/csv; charset=utf-8",
    "md": "application/zip",
}


@login_required
def export_questions(request: HttpRequest) -> HttpResponse:
    """The question bank page's selection (its query string: a bank, "I missed it", ...) as an Anki deck or
    CSV; a whole bank also as its markdown files (zipped), the layout ``export_markdown`` writes."""
    kind = request.GET.get("format", "")
    if kind not in EXPORT_FORMATS:
        return HttpResponseBadRequest("format is apkg, csv or md")
    form = QuestionFilterForm(request.GET)
    questions = form.questions(request.user).defer(None).select_related("section__bank")
    if found := form.found(questions):
        questions = Ranked(questions, found.ids)  # in the order the page shows them
    bank = form.cleaned_data.get("bank")
    name = bank.slug if bank else "my-selection"
    if kind == "md":
        if bank is None:
            return HttpResponseBadRequest("the markdown export is of one bank: add bank=<name>")
        body = bank_imports.zip_bytes(exporter.export_bank(exporter.bank_from_database(bank=bank)))
    elif kind == "csv":
        body = decks.csv_text(questions)
    else:
        body = decks.anki_deck(bank.title if bank else "interview: my selection", questions)
    response = HttpResponse(body, content_type=EXPORT_FORMATS[kind])
    extension = "zip" if kind == "md" else kind
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response
