"""What a user has done: the list of past sessions, progress statistics, the account page and the export.

Everything is aggregated in SQL over the user's own rows, filtered by ``interview__user`` and ``done_at`` so
the queries stay on indexes; Python only loops over a page of rows, the heatmap's days or the trend's points.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, NullIf, Substr
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.vary import vary_on_headers

from quiz import charts
from quiz.models import Grade, InterviewItem, MockInterview, Question, ReviewState, Section

MASTERY_DAYS = 90
HEATMAP_WEEKS = 26
STREAK_DAYS = 366  # how far back a streak is counted; a longer one shows as "366+"
TREND_POINTS = 30
EXPORT_CHUNK = 2000


def with_scores(interviews: QuerySet[MockInterview]) -> QuerySet[MockInterview]:
    """``score`` 0-1: the mean of (grade - 1) / 3 over the questions, skipped and unreached counting 0."""
    points = (
        InterviewItem.objects.filter(interview=OuterRef("pk"))
        .order_by()
        .values("interview")
        .annotate(total=Sum(Coalesce(F("grade") - 1, 0, output_field=IntegerField())))
        .values("total")
    )
    # A subquery rather than a join: the page's COUNT stays plain and only the shown rows are summed.
    return interviews.annotate(
        score=Cast(Coalesce(Subquery(points, output_field=IntegerField()), 0), FloatField())
        / NullIf(3 * F("question_count"), 0)
    )


def _percent(score: float | None) -> int | None:
    return None if score is None else round(100 * score)


@login_required
@vary_on_headers("HX-Request")
def history(request: HttpRequest) -> HttpResponse:
    interviews = with_scores(MockInterview.objects.for_user(request.user))
    page = Paginator(interviews, 20).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for past in page.object_list:
        past.percent = _percent(past.score)
        past.seconds_used = int((past.ended_at - past.created_at).total_seconds()) if past.ended_at else None
    template = "quiz/history.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#history-table"
    return render(request, template, {"page": page})


@dataclass
class SectionMastery:
    section: Section
    depth: int
    graded: int = 0
    good: int = 0
    is_leaf: bool = True

    @property
    def percent(self) -> int:
        return round(100 * self.good / self.graded) if self.graded else 0


def section_mastery(user, since: datetime) -> list[SectionMastery]:
    """Share of recent grades that are Good or Nailed, per section, rolled up into the root sections."""
    counts = (
        InterviewItem.objects.for_user(user)
        .filter(done_at__gte=since, grade__isnull=False)
        .values("question__section")
        .annotate(graded=Count("id"), good=Count("id", filter=Q(grade__gte=Grade.GOOD)))
        .order_by()
    )
    sections = list(Section.objects.only("pk", "parent_id", "title", "key", "position"))
    by_pk = {s.pk: s for s in sections}
    rows: dict[int, SectionMastery] = {}

    def depth(section: Section) -> int:
        return 0 if section.parent_id not in by_pk else 1 + depth(by_pk[section.parent_id])

    for s in sections:
        rows[s.pk] = SectionMastery(s, depth(s))
    for row in counts:
        pk = row["question__section"]
        while pk in rows:  # the section, then each ancestor
            rows[pk].graded += row["graded"]
            rows[pk].good += row["good"]
            pk = by_pk[pk].parent_id
    for s in sections:
        if s.parent_id in rows:
            rows[s.parent_id].is_leaf = False
    ordered = []

    def walk(parent_id: int | None) -> None:
        for s in sections:
            if s.parent_id == parent_id and rows[s.pk].graded:
                ordered.append(rows[s.pk])
                walk(s.pk)

    walk(None)
    return ordered


def utc_day(field: str) -> Substr:
    """The UTC calendar day of a datetime column as 'YYYY-MM-DD'. Both databases store and cast datetimes
    in UTC here; on SQLite this is ~10x faster than TruncDate, which calls back into Python for every row."""
    return Substr(Cast(field, CharField()), 1, 10)


def practice_days(user, since: date) -> dict[date, int]:
    start = datetime.combine(since, time.min, tzinfo=UTC)
    rows = (
        InterviewItem.objects.for_user(user)
        .filter(done_at__gte=start)
        .annotate(day=utc_day("done_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {date.fromisoformat(row["day"]): row["n"] for row in rows}


def score_trend(user) -> charts.TrendChart | None:
    recent = with_scores(
        MockInterview.objects.for_user(user)
        .finished()
        .filter(kind=MockInterview.Kind.INTERVIEW, question_count__gt=0)
    ).order_by("-created_at")[:TREND_POINTS]
    scores = [
        (i.created_at, _percent(i.score), i.question_count, reverse("quiz:results", args=[i.pk]))
        for i in reversed(recent)
    ]
    return charts.trend_chart(scores)


def most_missed(user, limit: int = 10) -> list[tuple[Question, int]]:
    top = list(
        InterviewItem.objects.for_user(user)
        .filter(grade=Grade.MISSED)
        .values("question")
        .annotate(misses=Count("id"))
        .order_by("-misses", "question")[:limit]
    )
    questions = (
        Question.objects.select_related("section")
        .only("prompt_html", "section__title")
        .in_bulk([row["question"] for row in top])
    )
    return [(questions[row["question"]], row["misses"]) for row in top]


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = now.date()
    mastery = section_mastery(request.user, now - timedelta(days=MASTERY_DAYS))
    streak_start = min(charts.heatmap_start(today, HEATMAP_WEEKS), today - timedelta(days=STREAK_DAYS - 1))
    days = practice_days(request.user, streak_start)
    streak = charts.streak(days, today)
    leeches = list(
        ReviewState.objects.for_user(request.user)
        .leeches()
        .select_related("question__section")
        .only("lapses", "question__prompt_html", "question__section__title")
        .order_by("-lapses", "question__position")[:20]
    )
    context = {
        "mastery": mastery,
        "mastery_days": MASTERY_DAYS,
        "weakest": sorted(
            (m for m in mastery if m.is_leaf and m.graded >= 3), key=lambda m: (m.percent, -m.graded)
        )[:5],
        "trend": score_trend(request.user),
        "heatmap": charts.heatmap(days, today, weeks=HEATMAP_WEEKS),
        "heatmap_weeks": HEATMAP_WEEKS,
        "streak": streak,
        "streak_capped": streak >= STREAK_DAYS,
        "practised_today": today in days,
        "missed": most_missed(request.user),
        "leeches": leeches,
    }
    context["has_history"] = bool(days or mastery or context["trend"] or context["missed"] or leeches)
    return render(request, "quiz/progress.html", context)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "quiz/account.html")


# Export

EXPORT_FIELDS = [
    "interview_id",
    "kind",
    "interview_started_at",
    "question_key",
    "section",
    "prompt",
    "difficulty",
    "grade",
    "skipped",
    "over_time",
    "seconds_taken",
    "answer_text",
    "done_at",
]
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def export_rows(user) -> Iterator[dict]:
    """One dict per interview item, oldest interview first, read from the database in chunks."""
    grades = dict(Grade.choices)
    rows = (
        InterviewItem.objects.for_user(user)
        .order_by("interview_id", "position")
        .values(
            "interview_id",
            "interview__kind",
            "interview__created_at",
            "question__key",
            "question__section__title",
            "question__prompt_md",
            "question__difficulty",
            "grade",
            "skipped",
            "over_time",
            "started_at",
            "done_at",
            "answer_text",
        )
    )
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        started, done = row["started_at"], row["done_at"]
        yield {
            "interview_id": row["interview_id"],
            "kind": row["interview__kind"],
            "interview_started_at": row["interview__created_at"].isoformat(),
            "question_key": row["question__key"],
            "section": row["question__section__title"],
            "prompt": row["question__prompt_md"],
            "difficulty": row["question__difficulty"],
            "grade": grades.get(row["grade"], ""),
            "skipped": row["skipped"],
            "over_time": row["over_time"],
            "seconds_taken": int((done - started).total_seconds()) if started and done else None,
            "answer_text": row["answer_text"],
            "done_at": done.isoformat() if done else None,
        }


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value) -> str:
    """Typed answers are the user's own text: keep a spreadsheet from reading one as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_lines(rows: Iterator[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_FIELDS)
    for row in rows:
        yield writer.writerow([_csv_cell(row[f]) for f in EXPORT_FIELDS])


def _json_chunks(user, rows: Iterator[dict]) -> Iterator[str]:
    head = {"username": user.get_username(), "exported_at": timezone.now().isoformat()}
    yield json.dumps(head)[:-1] + ', "items": ['  # the object stays open while the items stream
    for n, row in enumerate(rows):
        yield ("," if n else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]}\n"


@login_required
def export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if fmt not in EXPORT_FORMATS:
        return HttpResponseBadRequest(
            f"Unknown export format {fmt[:20]!r}: ask for ?format=csv or ?format=json.",
            content_type="text/plain; charset=utf-8",
        )
    rows = export_rows(request.user)
    lines = _csv_lines(rows) if fmt == "csv" else _json_chunks(request.user, rows)
    filename = f"interview-history-{request.user.get_username()}-{timezone.now():%Y-%m-%d}.{fmt}"
    return StreamingHttpResponse(
        lines,
        content_type=EXPORT_FORMATS[fmt],
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
