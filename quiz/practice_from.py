"""Practise from anywhere: the questions a page shows (a search, a filter, a section, bookmarks, what I
missed or marked for later, one question) named by a query string, so the setup page's URL says what it
holds (``/interviews/new/?q=attention&section=12``) and the interview started from it asks exactly those.

The selection is the question bank's own filter form (``QuestionFilterForm``), or ``question=<pk>``: the
same words select the same questions on both pages, and the bank page links here with its query string.
"""

from dataclasses import dataclass

from django.http import QueryDict

from quiz.forms import QuestionFilterForm
from quiz.models import Difficulty, Grade, Provenance, Question
from quiz.search.query import Ranked

MAX_QUESTIONS = 50  # the most an interview holds (InterviewSetupForm.question_count)
# ``bank`` alone is the setup form's own "that bank ticked" (a bank's page links so); with any of these the
# query names a selection.
SELECTING = ("q", "section", "difficulty", "answered", "provenance", "missed", "due", "bookmarked", "marked")
KEYS = ("question", "bank", *SELECTING)


@dataclass
class Selection:
    query: str  # the query string that names it, selection keys only
    description: str
    questions: list[Question]  # at most MAX_QUESTIONS, in the order the page showed them
    total: int  # how many the page showed

    @property
    def is_capped(self) -> bool:
        return self.total > len(self.questions)


def is_selection(query: QueryDict) -> bool:
    return any(query.get(key) for key in ("question", *SELECTING))


def selection_query(query: QueryDict) -> QueryDict:
    """The selection's own keys of ``query``, empty ones left out: what the setup page's URL carries."""
    kept = QueryDict(mutable=True)
    for key in KEYS:
        if values := [v for v in query.getlist(key) if v]:
            kept.setlist(key, values)
    return kept


def selection_from(query: QueryDict, user) -> Selection | None:
    """The questions ``query`` names for ``user``; None when it names no selection."""
    if not is_selection(query):
        return None
    kept = selection_query(query)
    if "question" in kept:
        return _one_question(kept, user)
    form = QuestionFilterForm(kept)
    questions = form.questions(user).defer(None)
    if found := form.found(questions):
        questions = Ranked(questions, found.ids)
        total = len(questions)
    else:
        total = questions.count()
    picked = list(questions[:MAX_QUESTIONS])
    return Selection(kept.urlencode(), describe(form.cleaned_data), picked, total)


def _one_question(kept: QueryDict, user) -> Selection:
    pk = kept.get("question", "")
    question = None
    if pk.isdigit() and int(pk) < 2**63:
        question = Question.objects.active().select_related("section").filter(pk=pk).first()
    query = QueryDict(mutable=True)
    query["question"] = pk
    picked = [question] if question else []
    return Selection(query.urlencode(), "this one question", picked, len(picked))


def describe(data: dict) -> str:
    """The filters in words, as the setup page names what it will ask: "questions matching “attention”,
    in Transformers, that you bookmarked"."""
    parts = []
    if data.get("q", "").strip():
        parts.append(f"matching “{data['q'].strip()}”")
    if data.get("section"):
        parts.append(f"in {data['section'].title}")
    elif data.get("bank"):
        parts.append(f"in the bank {data['bank'].title}")
    if data.get("difficulty"):
        parts.append(f"of {Difficulty(data['difficulty']).label.lower()} difficulty")
    if data.get("answered") == "yes":
        parts.append("with a reference answer")
    elif data.get("answered") == "no":
        parts.append("with no reference answer yet")
    if data.get("provenance"):
        parts.append(f"with answers “{Provenance(data['provenance']).label}”")
    if data.get("missed"):
        parts.append(f"you last graded {Grade.MISSED.label} or {Grade.PARTIAL.label}")
    if data.get("due"):
        parts.append("due now")
    if data.get("bookmarked"):
        parts.append("you bookmarked")
    if data.get("marked"):
        parts.append("you marked for later")
    return "questions " + ", ".join(parts) if parts else "every question"
