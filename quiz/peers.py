"""The rules of a peer mock interview: who may do what, and when (the models are in quiz/models/peers.py).

Every change both peers see bumps the interview's ``version`` (``bump``); a save of the candidate's notes,
which only the interviewer's screen shows, bumps ``notes_version``. What a screen shows is its
``screen_version``, the ETag it polls with: a poll with nothing new reads one row (``poll_state``) and
answers 304. The interviewer's checklist, rubric and notes are seen by nobody else until the end, so
keeping them bumps nothing.

- The candidate types notes (kept as typed, into the question asked now), may leave at any time.
- The interviewer gives hints, ticks key points, scores the rubric, writes notes, and moves on: to the
  question's next follow-up ("Ask a follow-up") or past the rest of its chain ("Next question"), grading the
  answer on the way with the grade they chose; the grade goes through ``MockInterview.grade``, the path a
  self-grade takes, so the candidate's schedule, tallies and results agree.
- Either may end the interview; what was typed, ticked and written stays.
"""

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from quiz import feedback
from quiz.answer_parts import key_point_alternatives
from quiz.models import (
    Bank,
    InterviewItem,
    MockInterview,
    PeerAssessment,
    PeerInvite,
    Question,
    Section,
    hints,
)
from quiz.models.content import answer_ceiling, suggested_grade
from quiz.models.followups import follow_ups_of
from quiz.models.peers import Criterion

CANDIDATE, INTERVIEWER = "candidate", "interviewer"


class InviteRefused(Exception):
    """An invite link that cannot make this user the interviewer; the message says why, for the page."""

    def __init__(self, message: str, status: int = 410) -> None:
        super().__init__(message)
        self.status = status


def bump(interview: MockInterview) -> None:
    MockInterview.objects.filter(pk=interview.pk).update(version=models.F("version") + 1)


def start(user, questions: list[Question], **options) -> tuple[MockInterview, PeerInvite]:
    """A peer interview with ``MockInterview.start``'s options, and its first invite link. Its clock starts
    when the interviewer joins (``accept``), not while the candidate waits: until then the time budget is
    kept in its setup and it has no deadline. The same start again within seconds (a double click) gets
    the first one back."""
    setup = options.pop("setup", {})
    now = options.pop("now", None) or timezone.now()
    recent = MockInterview.objects.for_user(user).filter(
        kind=MockInterview.Kind.PEER,
        interviewer__isnull=True,
        finished_at__isnull=True,
        created_at__gte=now - timedelta(seconds=MockInterview.DOUBLE_START_SECONDS),
    )
    if twin := next((i for i in recent if _without_budget(i.setup) == setup), None):
        return twin, twin.invites.first()
    with transaction.atomic():
        interview = MockInterview.start(
            user, questions, kind=MockInterview.Kind.PEER, setup=setup, now=now, **options
        )
        interview.setup = {**setup, "budget_seconds": interview.total_seconds}
        interview.deadline = None
        MockInterview.objects.filter(pk=interview.pk).update(setup=interview.setup, deadline=None)
        invite = PeerInvite.issue(interview, now)
    return interview, invite


def _without_budget(setup: dict) -> dict:
    return {name: value for name, value in setup.items() if name != "budget_seconds"}


def role_of(interview: MockInterview, user) -> str | None:
    if interview.user_id == user.pk:
        return CANDIDATE
    if interview.interviewer_id is not None and interview.interviewer_id == user.pk:
        return INTERVIEWER
    return None


def screen_version(role: str, version: int, notes_version: int) -> int:
    """The version of what ``role``'s screen shows: the interviewer's moves with the candidate's notes too.
    Both counters only grow, so their sum does."""
    return version + notes_version if role == INTERVIEWER else version


@dataclass(frozen=True)
class PollState:
    version: int
    role: str
    over: bool


def poll_state(user, pk: int, now: datetime | None = None) -> PollState | None:
    """What a poll needs, in one query: the version, the user's role, whether the interview is over. None
    when the user has no part in peer interview ``pk``.

    Plain SQL: building the same query with the ORM (``for_peer(user).filter(pk=pk).values_list(...)``) took
    0.7 ms of CPU, most of a poll's budget of 2 ms (docs/bench-results.md, bench_peer.py)."""
    if not 0 < pk < 2**63:
        return None
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_poll_sql(), [now, pk, MockInterview.Kind.PEER, user.pk, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    version, notes_version, candidate_id, over = row
    role = CANDIDATE if candidate_id == user.pk else INTERVIEWER
    return PollState(screen_version(role, version, notes_version), role, bool(over))


def poll_etag(session_key: str, pk: int, role: str, version: int) -> str:
    """The ETag a screen polls with: the version it shows, signed for the session it was shown to, so that
    ``unchanged_since`` can answer that session's next poll without loading the session or the user."""
    return f'"peer-{pk}-{role}-{version}-{_poll_mac(session_key, pk, role, version)}"'


def _poll_mac(session_key: str, pk: int, role: str, version: int) -> str:
    return salted_hmac(
        "quiz.peers.poll_etag", f"{session_key}:{pk}:{role}:{version}", algorithm="sha256"
    ).hexdigest()[:24]


_POLL_ETAG_RE = re.compile(r'"peer-(\d{1,19})-(candidate|interviewer)-(\d{1,19})-([0-9a-f]{24})"')


def unchanged_since(etag: str, session_key: str, pk: int, now: datetime | None = None) -> bool:
    """Whether the interview is still, and not over, at the version of ``etag``, an ETag this app gave to
    the session ``session_key``: then a poll is answered 304 after one read of one row, with no session or
    user loaded (quiz.middleware.PeerPollMiddleware). The signature stands for the permission checked when
    the ETag was issued; a signed-out session learns at most that nothing changed, and the first change
    sends it through the whole stack, to the sign-in page."""
    match = _POLL_ETAG_RE.fullmatch(etag)
    if match is None or int(match[1]) != pk:
        return False
    role, version = match[2], int(match[3])
    if not constant_time_compare(match[4], _poll_mac(session_key, pk, role, version)):
        return False
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [now, pk, MockInterview.Kind.PEER])
        row = cursor.fetchone()
    return row is not None and screen_version(role, row[0], row[1]) == version and not row[2]


# Whether a peer interview is over, as MockInterview.is_over says, in SQL: its one parameter is now.
_OVER_SQL = "CASE WHEN finished_at IS NOT NULL OR (deadline IS NOT NULL AND deadline <= %s) THEN 1 ELSE 0 END"


@functools.cache
def _version_sql() -> str:
    table = connection.ops.quote_name(MockInterview._meta.db_table)
    # The model's own table name, quoted; every value is a parameter.
    return f"SELECT version, notes_version, {_OVER_SQL} FROM {table} WHERE id = %s AND kind = %s"  # noqa: S608


@functools.cache
def _poll_sql() -> str:
    table = connection.ops.quote_name(MockInterview._meta.db_table)
    # The model's own table name, quoted; every value is a parameter.
    return (
        f"SELECT version, notes_version, user_id, {_OVER_SQL} FROM {table} "  # noqa: S608
        "WHERE id = %s AND kind = %s AND (user_id = %s OR interviewer_id = %s)"
    )


def check_invite(invite: PeerInvite | None, user, now: datetime | None = None) -> None:
    """Raise ``InviteRefused`` (with the reason, for the page) unless ``user`` may join with ``invite``: not
    the candidate's own link, nor one used, revoked or expired, nor an interview that is over. The user who
    already joined with it passes (opening the link again takes them back to their screen)."""
    if invite is None:
        raise InviteRefused("This invite link is not one we know. Check that it was copied whole.", 404)
    if invite.interview.user_id == user.pk:
        raise InviteRefused(
            "This is your own invite link: send it to the person who will interview you.", 403
        )
    if invite.accepted_by_id is not None and invite.accepted_by_id == user.pk:
        return
    state = invite.state(now)
    if state == PeerInvite.State.USED:
        raise InviteRefused("This invite link has already been used: someone else is the interviewer.")
    if state == PeerInvite.State.REVOKED:
        raise InviteRefused("This invite link was withdrawn by the candidate. Ask them for a new one.")
    if state == PeerInvite.State.EXPIRED:
        raise InviteRefused("This invite link has expired (links last 24 hours). Ask for a new one.")
    if invite.interview.is_over(now):
        raise InviteRefused("This interview has already ended.")


def accept(token: str, user, now: datetime | None = None) -> MockInterview:
    """Make ``user`` the interviewer of the interview the link ``token`` is for (``check_invite`` says when
    not), and start its clock."""
    now = now or timezone.now()
    invite = PeerInvite.objects.select_related("interview").filter(token=token).first()
    check_invite(invite, user, now)
    interview = invite.interview
    if invite.accepted_by_id == user.pk:
        return interview
    with transaction.atomic():
        # Conditional writes: of two people opening the link at once, one becomes the interviewer.
        taken = PeerInvite.objects.filter(
            pk=invite.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_by=user, accepted_at=now)
        joined = taken and MockInterview.objects.filter(
            pk=interview.pk, interviewer__isnull=True, finished_at__isnull=True
        ).update(interviewer=user, version=models.F("version") + 1)
        if not joined:
            transaction.set_rollback(True)
            raise InviteRefused("This invite link has already been used: someone else is the interviewer.")
        _start_clock(interview, now)
    interview.refresh_from_db()
    return interview


def _start_clock(interview: MockInterview, now: datetime) -> None:
    """The time budget runs from the interviewer's arrival: the wait for them is not the candidate's."""
    if budget := interview.setup.get("budget_seconds"):
        interview.deadline = now + timedelta(seconds=budget)
        MockInterview.objects.filter(pk=interview.pk).update(deadline=interview.deadline)
    first = interview.items.filter(done_at__isnull=True).order_by("position").values_list("pk", flat=True)
    InterviewItem.objects.filter(pk__in=list(first[:1])).update(started_at=now)


def issue_invite(interview: MockInterview, now: datetime | None = None) -> PeerInvite | None:
    """A fresh link for an interview nobody has joined yet (after a revoke or an expiry)."""
    if interview.interviewer_id is not None or interview.is_over(now):
        return None
    return PeerInvite.issue(interview, now)


def save_notes(interview: MockInterview, item: InterviewItem, text: str) -> bool:
    """The candidate's notes as typed, into the question asked now only."""
    saved = interview.save_answer(item, text)
    if saved:
        MockInterview.objects.filter(pk=interview.pk).update(notes_version=models.F("notes_version") + 1)
    return saved


def give_hint(interview: MockInterview, item: InterviewItem) -> bool:
    """The interviewer gives the next key point's gist; a double click gives no second one."""
    given = interview.give_hint(item, item.hints_used + 1)
    if given:
        bump(interview)
    return given


def assessment_of(item: InterviewItem) -> PeerAssessment:
    return PeerAssessment.objects.filter(item=item).first() or PeerAssessment(item=item)


def save_assessment(interview: MockInterview, item: InterviewItem, fields: dict) -> PeerAssessment:
    """Keep what the interviewer ticked, scored, chose and wrote for ``item`` (any item of the interview:
    notes on an earlier answer may be finished later)."""
    assessment, _ = PeerAssessment.objects.update_or_create(item=item, defaults=fields)
    return assessment


def move_on(
    interview: MockInterview, item: InterviewItem, grade: int, *, follow_up: bool, now: datetime | None = None
) -> bool:
    """Grade ``item`` with the interviewer's grade and ticks, then ask the next follow-up of its chain
    (``follow_up``) or the next question (the rest of the chain is left unasked). False when ``item`` is no
    longer the question asked now (a double click, a second tab)."""
    now = now or timezone.now()
    assessment = assessment_of(item)
    with transaction.atomic():
        if not follow_up:
            _close_rest_of_chain(item, now)
        # Scored against the key points as the candidate's notes stand, as a self-graded reveal is.
        interview.reveal(item, now=now)
        taken = interview.grade(item, grade, now=now, ticks=assessment.ticks)
        if not taken:
            transaction.set_rollback(True)
            return False
    bump(interview)
    return True


def _close_rest_of_chain(item: InterviewItem, now: datetime) -> None:
    """The follow-ups after ``item`` in its chain, closed as skipped and never asked."""
    root = item.follows_id or item.pk
    InterviewItem.objects.filter(
        interview_id=item.interview_id, follows_id=root, position__gt=item.position, done_at__isnull=True
    ).update(skipped=True, done_at=now, done_day=now.astimezone(UTC).date())


def has_follow_up(item: InterviewItem) -> bool:
    """Is a follow-up left in ``item``'s chain to ask?"""
    return InterviewItem.objects.filter(
        interview_id=item.interview_id,
        follows_id=item.follows_id or item.pk,
        position__gt=item.position,
        done_at__isnull=True,
    ).exists()


def leave(interview: MockInterview, now: datetime | None = None) -> None:
    """Either side ends the interview: the question on screen stays ungraded, everything typed is kept."""
    interview.end_early(now)


@dataclass(frozen=True)
class Suggestion:
    index: int
    point: str
    state: str  # "covered", "unsure", "contradicted" or "missing", as the matcher read the candidate's notes
    phrase: str
    ticked: bool


def suggestions(item: InterviewItem, ticks: list[int]) -> list[Suggestion]:
    """The key points as a checklist, with what the matcher makes of the candidate's notes so far beside
    each one: a suggestion for the interviewer, who ticks."""
    points = item.question.key_points
    if not points:
        return []
    reading = feedback.key_point_feedback(
        points, item.answer_text, key_point_alternatives(item.question.answer_md)
    )
    return [
        Suggestion(i, point, feedback.coverage_state(score, contradicted), phrase, i in ticks)
        for i, (point, score, phrase, contradicted) in enumerate(zip(points, *reading, strict=False))
    ]


def suggested(item: InterviewItem, ticks: list[int], shown: list[Suggestion]) -> int | None:
    """The grade the interviewer's ticks suggest: a hinted answer is at most Good, notes that contradict a
    key point (as ``shown`` beside the checklist) at most Partial."""
    marks = [i in ticks for i in range(len(item.question.key_points))]
    contradicted = any(suggestion.state == "contradicted" for suggestion in shown)
    return suggested_grade(
        marks, item.answer_text, ceiling=answer_ceiling(hints.ceiling(item.hints_used), contradicted)
    )


def mirror_of(interview: MockInterview) -> MockInterview | None:
    return MockInterview.objects.filter(kind=MockInterview.Kind.PEER, setup__mirror_of=interview.pk).first()


def switch_roles(interview: MockInterview, questions: list[Question], follow_ups, now=None) -> MockInterview:
    """The mirror interview: the interviewer becomes the candidate and the candidate the interviewer, with
    the same setup; asked twice (both press it), the first one made."""
    with transaction.atomic():
        if (mirror := mirror_of(interview)) is not None:
            return mirror
        seconds_per_question, total_seconds = interview.chosen_limits()
        mirror, _ = start(
            interview.interviewer,
            questions,
            seconds_per_question=seconds_per_question,
            total_seconds=total_seconds,
            updates_schedule=interview.updates_schedule,
            setup={**_without_budget(interview.setup), "mirror_of": interview.pk},
            follow_ups=follow_ups,
            now=now,
        )
        # The two are here already: the mirror's link counts as used by the one who was the candidate.
        mirror.invites.update(accepted_by=interview.user_id, accepted_at=now or timezone.now())
        MockInterview.objects.filter(pk=mirror.pk).update(interviewer=interview.user_id)
        mirror.refresh_from_db()
        _start_clock(mirror, now or timezone.now())
        bump(interview)  # the other side's results page offers the mirror
    mirror.refresh_from_db()
    return mirror


RUBRIC_FIELDS = [name for name, _ in Criterion.choices]


def pick_questions(user, setup: dict) -> tuple[list[Question], dict[int, list[Question]] | None]:
    """The questions (and their follow-ups, when asked for) the setup choices give ``user``, fresh ones first:
    what a peer interview and its mirror ask."""
    questions = Question.objects.active().filter(parent=None)
    questions = questions.in_banks(Bank.objects.filter(slug__in=setup.get("banks", [])))
    questions = questions.in_sections(list(Section.objects.filter(key__in=setup.get("sections", []))))
    if setup.get("difficulties"):
        questions = questions.filter(difficulty__in=setup["difficulties"])
    if not setup.get("include_unanswered"):
        questions = questions.answered()
    picked = list(questions.fresh_first_for(user)[: setup.get("question_count", 10)])
    chains = (
        follow_ups_of(picked, setup.get("include_unanswered", False)) if setup.get("follow_ups") else None
    )
    return picked, chains
