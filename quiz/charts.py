"""Server-rendered charts: pure functions that turn a few numbers into geometry for SVG templates.

No database access and no markup here: the templates in ``templates/quiz/_charts/`` draw the shapes, so the
text is escaped by Django and the colours come from CSS classes (CSP forbids inline styles).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quiz.wording import counted

# English names looked up, not strftime's %a and %b: those follow the server's C locale, and are slow enough
# that the heatmap's 182 titles showed in every progress page's time.
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(day: date) -> str:
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def streak(practice_days: Iterable[date], today: date) -> int:
    """Consecutive days with practice, ending today, or yesterday when today has none yet."""
    days = set(practice_days)
    current = today if today in days else today - timedelta(days=1)
    count = 0
    while current in days:
        count += 1
        current -= timedelta(days=1)
    return count


# Trend of scores


@dataclass
class TrendPoint:
    x: float
    y: float
    percent: int
    when: datetime
    questions: int
    href: str
    kind: str = "Interview"

    @property
    def title(self) -> str:
        over = counted(self.questions, "question")
        return f"{self.kind}, {day_label(self.when.date())}: {self.percent}% over {over}"


@dataclass
class GridLine:
    y: float
    label: str


@dataclass(frozen=True)
class PercentFrame:
    """The plot area of a chart of percentages over evenly spaced points in time: 100% on top, a grid line
    every 25%, room on the left for its labels and below for the dates."""

    width: int
    height: int
    count: int  # points along the x axis
    left: int = 44
    right_margin: int = 14
    top: int = 14
    bottom: int = 30

    @property
    def right(self) -> int:
        return self.width - self.right_margin

    def x_of(self, i: int) -> float:
        """The i-th of ``count`` points, evenly spaced; a single point in the middle."""
        plot_w = self.right - self.left
        if self.count == 1:
            return round(self.left + plot_w / 2, 1)
        return round(self.left + i * plot_w / (self.count - 1), 1)

    def y_of(self, percent: float) -> float:
        plot_h = self.height - self.top - self.bottom
        return round(self.top + plot_h * (1 - percent / 100), 1)

    def grid(self) -> list[GridLine]:
        return [GridLine(y=self.y_of(p), label=f"{p}%") for p in (0, 25, 50, 75, 100)]


@dataclass
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    points: list[TrendPoint]
    grid: list[GridLine]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)

    @property
    def first(self) -> TrendPoint:
        return self.points[0]

    @property
    def last(self) -> TrendPoint:
        return self.points[-1]

    @property
    def axis_format(self) -> str:
        """Dates at both ends of the axis, or times when all the points are on one day."""
        return "H:i" if self.first.when.date() == self.last.when.date() else "j M"

    @property
    def points_svg(self) -> SafeString:
        """A circle per session with its title, built here rather than through the template's lookups (as
        the heatmap's squares): numbers made here, and the title escaped."""
        return mark_safe(  # noqa: S308 - numbers from this module; the only text is escaped
            "".join(
                f'<circle cx="{p.x}" cy="{p.y}" r="5"><title>{escape(p.title)}</title></circle>'
                for p in self.points
            )
        )

    @property
    def table_rows_html(self) -> SafeString:
        """The accessible table's rows, newest first: the link, its date and time (the server's time zone, as
        the template's date filter), kind, questions and score."""
        rows = []
        for p in reversed(self.points):
            when = timezone.localtime(p.when)
            label = f"{day_label(when.date())}, {when:%H:%M}"
            rows.append(
                f'<tr><td><a href="{escape(p.href)}">{label}</a></td><td>{escape(p.kind)}</td>'
                f'<td class="num">{p.questions}</td><td class="num">{p.percent}%</td></tr>'
            )
        return mark_safe("".join(rows))  # noqa: S308 - numbers and dates made here; the text is escaped

    @cached_property  # shown twice: in the chart's description and under it
    def summary(self) -> str:
        percents = [p.percent for p in self.points]
        count = len(percents)
        span = (
            f"on {day_label(self.first.when.date())}"
            if count == 1
            else f"from {day_label(self.first.when.date())} to {day_label(self.last.when.date())}"
        )
        return (
            f"{counted(count, 'session')} {span}. Latest {percents[-1]}%, "
            f"best {max(percents)}%, average {round(sum(percents) / count)}%."
        )


def trend_chart(
    scores: list[tuple[datetime, int, int, str, str]], *, width: int = 960, height: int = 260
) -> TrendChart | None:
    """``scores``: (when, percent 0-100, question count, link, kind) oldest first; points evenly spaced."""
    if not scores:
        return None
    frame = PercentFrame(width, height, count=len(scores))
    points = [
        TrendPoint(
            x=frame.x_of(i),
            y=frame.y_of(percent),
            percent=percent,
            when=when,
            questions=questions,
            href=href,
            kind=kind,
        )
        for i, (when, percent, questions, href, kind) in enumerate(scores)
    ]
    return TrendChart(
        width=width, height=height, left=frame.left, right=frame.right, points=points, grid=frame.grid()
    )


# Calendar heatmap


@dataclass
class HeatCell:
    x: int
    y: int
    day: date
    count: int
    level: int

    @property
    def title(self) -> str:
        if not self.count:
            return f"No practice on {day_label(self.day)}"
        return f"{counted(self.count, 'question')} on {day_label(self.day)}"


@dataclass
class AxisLabel:
    x: int
    y: int
    text: str


@dataclass
class Heatmap:
    width: int
    height: int
    cell: int
    cells: list[HeatCell]
    months: list[AxisLabel]
    weekdays: list[AxisLabel]
    levels: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])

    @property
    def days_practised(self) -> int:
        return sum(1 for c in self.cells if c.count)

    @property
    def questions(self) -> int:
        return sum(c.count for c in self.cells)

    @property
    def cells_svg(self) -> SafeString:
        """Every day's square, built here once rather than through ~8 template lookups per square (182 of
        them): the progress page's template time was mostly this loop. Everything but the title is a number
        or an ISO date made here; the title is escaped (format_html_join escaped every number too, at three
        times the cost)."""
        size = self.cell
        return mark_safe(  # noqa: S308 - numbers and dates from this function; the only text is escaped
            "".join(
                f'<rect class="heat-{c.level}" x="{c.x}" y="{c.y}" width="{size}" height="{size}" rx="2" '
                f'data-day="{c.day.isoformat()}"><title>{escape(c.title)}</title></rect>'
                for c in self.cells
            )
        )


# Questions done in a day -> shade: one question, a short session, a full interview, more than one.
LEVEL_FLOORS = (1, 4, 8, 15)


def heat_level(count: int) -> int:
    return sum(1 for floor in LEVEL_FLOORS if count >= floor)


def heatmap_start(today: date, weeks: int = 26) -> date:
    """The Monday that starts the first column, so the last column is the current week."""
    return today - timedelta(days=today.weekday(), weeks=weeks - 1)


def heatmap(counts: Mapping[date, int], today: date, *, weeks: int = 26) -> Heatmap:
    """A column per week (Monday on top), a square per day up to today; ``counts`` are questions per day."""
    cell, gap, left, top = 12, 3, 30, 16
    pitch = cell + gap
    start = heatmap_start(today, weeks)
    cells, months = [], []
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        column, row = divmod(offset, 7)
        count = counts.get(day, 0)
        cells.append(HeatCell(left + column * pitch, top + row * pitch, day, count, heat_level(count)))
        if day.day == 1 or offset == 0:
            months.append(AxisLabel(left + column * pitch, top - 5, f"{day:%b}"))
    # A month starting in the first week crowds the label of the partial month before it.
    if len(months) > 1 and months[1].x - months[0].x < 2 * pitch:
        del months[0]
    weekdays = [
        AxisLabel(0, top + row * pitch + cell - 2, name) for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
    ]
    return Heatmap(
        width=left + weeks * pitch,
        height=top + 7 * pitch,
        cell=cell,
        cells=cells,
        months=months,
        weekdays=weekdays,
    )


# Calibration: the share of key points ticked behind each self-grade, month by month


@dataclass
class CalibrationPoint:
    x: float
    y: float
    percent: int
    month: date
    count: int
    label: str

    @property
    def title(self) -> str:
        questions = counted(self.count, "question")
        return f"{self.label} in {self.month:%B %Y}: {self.percent}% of key points ticked, {questions}"


@dataclass
class CalibrationSeries:
    grade: int
    label: str
    points: list[CalibrationPoint]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)


@dataclass
class CalibrationChart:
    width: int
    height: int
    left: int
    right: int
    grid: list[GridLine]
    series: list[CalibrationSeries]
    months: list[AxisLabel]
    summary: str


def calibration_chart(
    months: list[tuple[date, list[tuple[int, str, int, int]]]], *, width: int = 960, height: int = 240
) -> CalibrationChart | None:
    """``months``: (first day of the month, [(grade, label, mean percent ticked, questions)]) oldest first;
    one line per grade, months evenly spaced."""
    if not months:
        return None
    frame = PercentFrame(width, height, count=len(months))
    x_of, y_of = frame.x_of, frame.y_of
    series: dict[int, CalibrationSeries] = {}
    for i, (month, grades) in enumerate(months):
        for grade, label, percent, count in grades:
            line = series.setdefault(grade, CalibrationSeries(grade, label, []))
            line.points.append(CalibrationPoint(x_of(i), y_of(percent), percent, month, count, label))
    latest = "; ".join(f"{label} {percent}%" for _, label, percent, _ in months[-1][1])
    summary = (
        f"Share of key points ticked behind each grade, {counted(len(months), 'month')}. "
        f"In {months[-1][0]:%B %Y}: {latest}."
    )
    labels = [AxisLabel(int(x_of(0)), height - 6, f"{months[0][0]:%b %Y}")]
    if len(months) > 1:
        labels.append(AxisLabel(int(x_of(len(months) - 1)), height - 6, f"{months[-1][0]:%b %Y}"))
    return CalibrationChart(
        width=width,
        height=height,
        left=frame.left,
        right=frame.right,
        grid=frame.grid(),
        series=[series[g] for g in sorted(series)],
        months=labels,
        summary=summary,
    )


def calibration_table_rows(by_section: list[tuple[str, list[tuple[int, int] | None]]]) -> SafeString:
    """The by-section table's rows: the section's title, then per grade "percent% (questions)", or a dash
    for a grade never given there. Built here, as the heatmap's squares: one section holds as many cells as
    grades, and the template's lookups for them cost more than the rest of the calibration card."""

    def cell(percent_and_count: tuple[int, int] | None) -> str:
        if percent_and_count is None:
            return '<td class="num">–</td>'
        percent, count = percent_and_count
        return f'<td class="num">{percent}% <span class="muted">({count})</span></td>'

    rows = (
        f'<tr><th scope="row">{escape(title)}</th>{"".join(cell(c) for c in cells)}</tr>'
        for title, cells in by_section
    )
    return mark_safe("".join(rows))  # noqa: S308 - numbers from the caller; the only text is escaped


# Readiness: recall day by day up to an interview date, keeping to the plan and stopping now


@dataclass
class ReadinessChart:
    width: int
    height: int
    left: int
    right: int
    grid: list[GridLine]
    days: list[date]
    keep: list[int]  # percent recalled on each day, keeping to the plan
    stop: list[int]  # the same, practising no more
    keep_line: str
    stop_line: str
    target: int
    target_y: float
    axis: list[AxisLabel]
    summary: str

    @property
    def table_rows_html(self) -> SafeString:
        """The accessible table's rows: each day, both percents; the date's row last."""
        rows = [
            f'<tr><th scope="row">{day_label(day)}</th>'
            f'<td class="num">{keep}%</td><td class="num">{stop}%</td></tr>'
            for day, keep, stop in zip(self.days, self.keep, self.stop, strict=True)
        ]
        return mark_safe("".join(rows))  # noqa: S308 - dates and numbers made here


def readiness_chart(
    days: list[date],
    keep: list[float],
    stop: list[float],
    target: int,
    *,
    width: int = 960,
    height: int = 240,
) -> ReadinessChart | None:
    """``days`` oldest first (the last is the interview date), recall 0-1 on each keeping to the plan and
    stopping now; ``target`` in percent."""
    if not days:
        return None
    frame = PercentFrame(width, height, count=len(days))
    keep_pc = [round(100 * r) for r in keep]
    stop_pc = [round(100 * r) for r in stop]

    def line(percents: list[int]) -> str:
        return " ".join(f"{frame.x_of(i):g},{frame.y_of(p):g}" for i, p in enumerate(percents))

    axis = [AxisLabel(int(frame.x_of(0)), height - 6, f"{days[0].day} {MONTH_NAMES[days[0].month - 1]}")]
    if len(days) > 1:
        last = days[-1]
        axis.append(
            AxisLabel(int(frame.x_of(len(days) - 1)), height - 6, f"{last.day} {MONTH_NAMES[last.month - 1]}")
        )
    summary = (
        f"Keeping to the plan: {keep_pc[-1]}% recalled on {day_label(days[-1])}; practising no more from "
        f"today: {stop_pc[-1]}%. Target {target}%."
    )
    return ReadinessChart(
        width=width,
        height=height,
        left=frame.left,
        right=frame.right,
        grid=frame.grid(),
        days=days,
        keep=keep_pc,
        stop=stop_pc,
        keep_line=line(keep_pc),
        stop_line=line(stop_pc),
        target=target,
        target_y=frame.y_of(target),
        axis=axis,
        summary=summary,
    )
