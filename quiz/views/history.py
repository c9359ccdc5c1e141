"""What a user has done: the list of past sessions, progress statistics and the export.

Everything is aggregated in SQL over the user's own rows, filtered by ``interview__user`` and ``done_at`` so
the queries stay on indexes; Python only loops over a page of rows, the heatmap's days or the trend's points.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.views.decorators.vary import vary_on_headers

from quiz import charts
from quiz.csv_cells import csv_cell
from quiz.models import (
    GRADE_CUTOFFS,
    Bank,
    Grade,
    InterviewItem,
    InterviewPlan,
    MockInterview,
    PracticeDay,
    ReviewState,
    Section,
)
from quiz.models.followups import depth_of
from quiz.view_helpers import page_or_part
from quiz.wording import percent_of

MASTERY_DAYS = 90
HEATMAP_WEEKS = 26
STREAK_DAYS = 366  # how far back a streak is counted; a longer one shows as "366+"
TREND_POINTS = 30
URL_PLACEHOLDER = 987654321  # a primary key no URL pattern can confuse with another part of the path
EXPORT_CHUNK = 2000


def _percent(score: float | None) -> int | None:
    return None if score is None else percent_of(score, 1)


@login_required
@vary_on_headers("HX-Request")
def history(request: HttpRequest) -> HttpResponse:
    interviews = MockInterview.objects.for_user(request.user).with_scores()
    page = Paginator(interviews, 20).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for past in page.object_list:
        past.percent = _percent(past.score)
        past.seconds_used = int((past.ended_at - past.created_at).total_seconds()) if past.ended_at else None
    return render(request, page_or_part(request, "quiz/history.html", "history-table"), {"page": page})


@dataclass
class SectionMastery:
    section: Section
    depth: int
    graded: int = 0
    good: int = 0
    is_leaf: bool = True

    @property
    def percent(self) -> int:
        return percent_of(self.good, self.graded)


def section_mastery(user, since: datetime, banks=()) -> list[SectionMastery]:
    """Share of recent grades that are Good or Nailed, per section of ``banks`` (all when none), rolled up
    the section tree."""
    counts = PracticeDay.objects.for_user(user).grades_by_section(since.date())
    tree = (
        Section.objects.in_banks(banks).only("pk", "parent_id", "title", "key", "position", "bank_id").tree()
    )
    graded = tree.add_up({pk: n for pk, (n, _) in counts.items()})
    good = tree.add_up({pk: n for pk, (_, n) in counts.items()})
    return [
        SectionMastery(s, s.depth, graded[s.pk], good[s.pk], is_leaf=not tree.children.get(s.pk))
        for s in tree.walk()
        if graded[s.pk]
    ]


def score_trend(user) -> charts.TrendChart | None:
    """Scores of the latest finished interviews and review sessions in which something was graded (an
    interview ended before the first grade says nothing about what the user knows)."""
    recent = (
        MockInterview.objects.for_user(user)
        .finished()
        .with_anything_graded()
        .with_scores()
        .order_by("-created_at")[:TREND_POINTS]
    )
    # One reverse() for all the links: one per point shows in the page's time.
    results_url = reverse("quiz:results", args=[URL_PLACEHOLDER]).replace(str(URL_PLACEHOLDER), "{}")
    scores = [
        (i.created_at, _percent(i.score), i.question_count, results_url.format(i.pk), i.get_kind_display())
        for i in reversed(recent)
    ]
    return charts.trend_chart(scores)


def calibration_table(calibration) -> SafeString:
    return charts.calibration_table_rows(
        [
            (title, [(c.percent, c.count) if c else None for c in cells])
            for title, cells in calibration.by_section
        ]
    )


def calibration_chart(calibration) -> charts.CalibrationChart | None:
    months = [
        (month, [(c.grade.value, c.grade.label, c.percent, c.count) for c in cells])
        for month, cells in calibration.by_month
    ]
    return charts.calibration_chart(months)


def practice(user, today: date) -> tuple[dict, bool]:
    """The heatmap and the streak, and whether any day of the last year had practice."""
    tallies = PracticeDay.objects.for_user(user)
    days_practised = tallies.days_practised(today - timedelta(days=STREAK_DAYS - 1))
    streak = charts.streak(days_practised, today)
    counts = tallies.per_day(charts.heatmap_start(today, HEATMAP_WEEKS))
    context = {
        "heatmap": charts.heatmap(counts, today, weeks=HEATMAP_WEEKS),
        "heatmap_weeks": HEATMAP_WEEKS,
        "streak": streak,
        "streak_capped": streak >= STREAK_DAYS,
        "practised_today": today in days_practised,
    }
    return context, bool(days_practised)


PLANS_SHOWN = 3


def plan_forecasts(user) -> list[dict]:
    """For each coming interview date: its status, the chart of recall day by day, and the forecast per
    section (title, questions, seen, percent), in syllabus order."""
    plans = InterviewPlan.objects.for_user(user).upcoming().prefetch_related("banks", "sections")
    statuses = [plan.status() for plan in plans[:PLANS_SHOWN]]
    wanted = {pk for status in statuses for pk in status.readiness.by_section}
    titles = dict(Section.objects.filter(pk__in=wanted).values_list("pk", "title")) if wanted else {}
    forecasts = []
    for status in statuses:
        projection = status.projection
        forecasts.append(
            {
                "status": status,
                "chart": charts.readiness_chart(
                    projection.days,
                    projection.recall_by_day,
                    projection.stop_by_day,
                    status.plan.target_percent,
                ),
                "chart_id": f"readiness-{status.plan.pk}",
                "sections": [
                    (titles.get(pk, "?"), count, seen, percent_of(recall, 1))
                    for pk, (count, seen, recall) in status.readiness.by_section.items()
                ],
            }
        )
    return forecasts


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    # The bank filter narrows what is about content (mastery, misses, leeches); practice days are the user's.
    slug = request.GET.get("bank", "")
    bank = Bank.objects.filter(slug=slug).first() if slug else None
    in_bank = {"question__section__bank": bank} if bank else {}
    mastery = section_mastery(request.user, now - timedelta(days=MASTERY_DAYS), [bank] if bank else [])
    history = InterviewItem.objects.for_user(request.user)
    practice_context, practised = practice(request.user, now.date())
    context = {
        **practice_context,
        "mastery": mastery,
        "mastery_days": MASTERY_DAYS,
        "weakest": sorted(
            (m for m in mastery if m.is_leaf and m.graded >= 3), key=lambda m: (m.percent, -m.graded)
        )[:5],
        "trend": score_trend(request.user),
        "depth": depth_of(history, now),
        "missed": history.filter(**in_bank).most_missed(),
        "leeches": ReviewState.objects.for_user(request.user).filter(**in_bank).worst_leeches(),
        "calibration": (calibration := PracticeDay.objects.for_user(request.user).calibration()),
        "calibration_chart": calibration_chart(calibration),
        "calibration_rows": calibration_table(calibration),
        "grades": Grade.choices,
        "grade_cutoffs": GRADE_CUTOFFS,
        "banks": list(Bank.objects.all()),
        "bank": bank,
        "plan_forecasts": plan_forecasts(request.user),
    }
    context["has_history"] = bool(
        practised or mastery or context["trend"] or context["missed"] or context["leeches"]
    )
    return render(request, "quiz/progress.html", context)


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
    "key_points",
    "coverage",
    "ticks",
    "suggested_grade",
    "hints_used",
    "follows_up",
]
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_FIELDS)
    for row in rows:
        yield writer.writerow([csv_cell(row[f]) for f in EXPORT_FIELDS])


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
    rows = InterviewItem.objects.for_user(request.user).export_rows()
    lines = _csv_lines(rows) if fmt == "csv" else _json_chunks(request.user, rows)
    filename = f"interview-history-{request.user.get_username()}-{timezone.now():%Y-%m-%d}.{fmt}"
    return StreamingHttpResponse(
        lines,
        content_type=EXPORT_FORMATS[fmt],
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
