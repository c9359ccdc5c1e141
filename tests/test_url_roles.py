"""Who may open what: every URL pattern in the URLconf, requested by each role, answers as the table says.

Roles: anonymous; the user who owns the interviews, notes and flags; another user; a reviewer (the
"Reviewers" group); staff (a superuser); a bank clerk (staff holding only the permission to add banks); the
interviewer of the user's peer interview. A row of five answers gives the clerk the other user's; a row of six
says what the clerk gets. The interviewer gets the other user's answer unless a row of seven says otherwise:
they see the peer interview they conduct and nothing else of the user's. GET for every page;
for views that only take POST, GET must answer 405 (or send a stranger to sign in first) and POST is checked
too, each POST rolled back afterwards. A URL in the URLconf that is missing from the table fails the test: no
page is forgotten when one is added.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from quiz import peers
from quiz.models import (
    Bank,
    BankUpload,
    Flag,
    Grade,
    InterviewPlan,
    KeyPointOverride,
    MockInterview,
    PeerInvite,
    Question,
    ReviewState,
    Section,
)
from quiz.tasks import import_upload

ROLES = ["anonymous", "user", "other user", "reviewer", "staff", "bank clerk", "interviewer"]
LOGIN = "/accounts/login/?next="  # a redirect to the sign-in page
ADMIN_LOGIN = "/admin/login/?next="
HOME = "/"
ELSEWHERE = "a redirect, not to sign in"  # e.g. back to the page a form was posted from

# Shorthands for a row of expected answers, one per role in ROLES order.
EVERYONE = (200,) * 5
SIGNED_IN = (LOGIN, 200, 200, 200, 200)
REVIEWERS = (LOGIN, 403, 403, 200, 200, 200)  # staff triage (quiz.models.flags.can_triage), the clerk too
OWNER = (LOGIN, 200, 404, 404, 404)
POST_ONLY = (LOGIN, 405, 405, 405, 405)
OWNER_POST = (LOGIN, ELSEWHERE, 404, 404, 404)
BANK_IMPORTERS = (LOGIN, 403, 403, 403, 200, 200)
# A peer interview: its candidate (the user) and its interviewer, nobody else.
PEER_SIDES = (LOGIN, 200, 404, 404, 404, 404, 200)
PEER_CANDIDATE_POST = (LOGIN, ELSEWHERE, 404, 404, 404, 404, 404)
PEER_INTERVIEWER_POST = (LOGIN, 404, 404, 404, 404, 404, ELSEWHERE)
PEER_EITHER_POST = (LOGIN, ELSEWHERE, 404, 404, 404, 404, ELSEWHERE)


def staff(status, clerk=403) -> tuple:
    """An admin page: everyone but staff is sent to the admin's sign-in page; the clerk, staff with only
    the permission to add banks, is refused what that permission does not cover."""
    return (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, status, clerk)


def open_peer_interview(
    candidate, interviewer, questions: list[Question]
) -> tuple[MockInterview, PeerInvite]:
    """A running peer interview of ``candidate``, joined by ``interviewer`` through its link. Started with
    nothing else of the candidate's open, as ``MockInterview.start`` ends any other: call it first, then
    reopen it (``reopen_peer_interview``) once the other interviews are started."""
    interview, invite = peers.start(candidate, questions)
    return peers.accept(invite.token, interviewer), invite


def reopen_peer_interview(interview: MockInterview) -> None:
    """Starting another interview ended this one; the table needs both open, as two tabs could have them."""
    MockInterview.objects.filter(pk=interview.pk).update(finished_at=None, ending="")
    interview.refresh_from_db()


@dataclass(frozen=True)
class Row:
    url: Callable[[dict], str]  # the objects -> the URL to request
    get: tuple
    post: tuple | None = None  # only for views that take POST alone
    data: dict | None = None


def admin_model(app: str, model: str, key: str, *, add=200, delete=200, change=200) -> dict[str, Row]:
    """The six URLs every ModelAdmin adds, for the object ``objects[key]``."""
    base = f"/admin/{app}/{model}/"

    def at(suffix: str) -> Callable[[dict], str]:
        return lambda o: f"{base}{o[key].pk}/{suffix}"

    return {
        f"admin:{app}_{model}_changelist": Row(lambda o: base, staff(200)),
        f"admin:{app}_{model}_add": Row(lambda o: f"{base}add/", staff(add)),
        f"admin:{app}_{model}_history": Row(at("history/"), staff(200)),
        f"admin:{app}_{model}_delete": Row(at("delete/"), staff(delete)),
        f"admin:{app}_{model}_change": Row(at("change/"), staff(change)),
        # The old object URL redirects first; the change page it leads to refuses the clerk.
        f"admin/{app}/{model}/<path:object_id>/": Row(at(""), staff(at("change/"), clerk=at("change/"))),
    }


def _quiz(path: str) -> Callable[[dict], str]:
    """``path`` with {question}, {flag}, {running}, {item}, {finished} filled in from the objects."""
    return lambda o: path.format(**{name: getattr(obj, "pk", obj) for name, obj in o.items()})


TABLE: dict[str, Row] = {
    "favicon": Row(_quiz("/favicon.ico"), (ELSEWHERE,) * 5),
    # -- accounts
    "signup": Row(_quiz("/accounts/signup/"), (200, HOME, HOME, HOME, HOME)),
    "login": Row(_quiz("/accounts/login/"), EVERYONE),
    "logout": Row(_quiz("/accounts/logout/"), (405,) * 5, post=(HOME,) * 5),
    "password_change": Row(_quiz("/accounts/password_change/"), SIGNED_IN),
    "password_change_done": Row(_quiz("/accounts/password_change/done/"), SIGNED_IN),
    "password_reset": Row(_quiz("/accounts/password_reset/"), EVERYONE),
    "password_reset_done": Row(_quiz("/accounts/password_reset/done/"), EVERYONE),
    "password_reset_confirm": Row(_quiz("/accounts/reset/MQ/not-a-token/"), EVERYONE),
    "password_reset_complete": Row(_quiz("/accounts/reset/done/"), EVERYONE),
    # -- pages
    "quiz:home": Row(_quiz("/"), EVERYONE),
    "quiz:healthz": Row(_quiz("/healthz"), EVERYONE),
    "quiz:history": Row(_quiz("/history/"), SIGNED_IN),
    "quiz:progress": Row(_quiz("/progress/"), SIGNED_IN),
    "quiz:account": Row(_quiz("/account/"), SIGNED_IN),
    "quiz:account-delete": Row(_quiz("/account/delete/"), SIGNED_IN),
    "quiz:export": Row(_quiz("/account/export/?format=csv"), SIGNED_IN),
    # The bank is open to visitors (settings.BANK_OPEN_TO_VISITORS): its questions, never anyone's data.
    "quiz:questions": Row(_quiz("/questions/"), EVERYONE),
    "quiz:question": Row(_quiz("/questions/{question}/"), EVERYONE),
    "quiz:try": Row(_quiz("/try/"), EVERYONE),
    "quiz:questions-export": Row(_quiz("/questions/export/?format=csv"), SIGNED_IN),
    "quiz:banks": Row(_quiz("/banks/"), SIGNED_IN),
    # Adding a bank: staff with the permission to add banks (the superuser here) only.
    "quiz:bank-upload": Row(_quiz("/banks/upload/"), BANK_IMPORTERS),
    "quiz:bank-upload-detail": Row(_quiz("/banks/uploads/{upload}/"), BANK_IMPORTERS),
    "quiz:bank-upload-import": Row(
        _quiz("/banks/uploads/{upload}/import/"),
        (LOGIN, 403, 403, 403, 405, 405),
        (LOGIN, 403, 403, 403, ELSEWHERE, ELSEWHERE),
    ),
    "quiz:bank-upload-files": Row(
        _quiz("/banks/uploads/{upload}/files/"),
        (LOGIN, 403, 403, 403, 405, 405),
        (LOGIN, 403, 403, 403, ELSEWHERE, ELSEWHERE),
        {"files": "a.md"},
    ),
    # Notes and bookmarks belong to whoever saves them: anyone signed in may keep one on any question.
    "quiz:question-note": Row(
        _quiz("/questions/{question}/note/"), POST_ONLY, (LOGIN, *(ELSEWHERE,) * 4), {"text": "x"}
    ),
    "quiz:question-bookmark": Row(
        _quiz("/questions/{question}/bookmark/"), POST_ONLY, (LOGIN, *(ELSEWHERE,) * 4), {"bookmarked": "on"}
    ),
    "quiz:flag-answer": Row(_quiz("/questions/{question}/flag/"), SIGNED_IN),
    # A review card is its user's own: suspending, burying or resetting another's is a 404.
    "quiz:question-schedule": Row(
        _quiz("/questions/{question}/schedule/"), POST_ONLY, OWNER_POST, {"action": "suspend"}
    ),
    "quiz:question-reset": Row(_quiz("/questions/{question}/reset/"), OWNER),
    "quiz:suspended": Row(_quiz("/account/suspended/"), SIGNED_IN),
    "quiz:my-flags": Row(_quiz("/my-flags/"), SIGNED_IN),
    # -- reviewing: reviewers and staff; the permission check comes before the method check
    "quiz:review-queue": Row(_quiz("/review-queue/"), REVIEWERS),
    "quiz:flag-dismiss": Row(
        _quiz("/review-queue/flags/{flag}/dismiss/"),
        (LOGIN, 403, 403, 405, 405, 405),
        (LOGIN, 403, 403, ELSEWHERE, ELSEWHERE, ELSEWHERE),
    ),
    "quiz:flag-accept": Row(
        _quiz("/review-queue/flags/{flag}/accept/"),
        (LOGIN, 403, 403, 405, 405, 405),
        (LOGIN, 403, 403, ELSEWHERE, ELSEWHERE, ELSEWHERE),
    ),
    # Editing an answer needs the permission to change questions, which the clerk lacks.
    "quiz:answer-edit": Row(_quiz("/review-queue/questions/{question}/answer/"), (*REVIEWERS[:5], 403)),
    "quiz:key-point-overrides": Row(_quiz("/review-queue/key-points/"), REVIEWERS),
    "quiz:key-point-phrasing": Row(
        _quiz("/review-queue/key-points/overrides/{override}/phrasing/"),
        (LOGIN, 403, 403, 405, 405, 405),
        (LOGIN, 403, 403, ELSEWHERE, ELSEWHERE, ELSEWHERE),
    ),
    # -- interviews: only their owner sees them; the method is checked before the owner
    "quiz:interview-new": Row(_quiz("/interviews/new/"), SIGNED_IN),
    "quiz:review-start": Row(_quiz("/review/"), POST_ONLY, (LOGIN, HOME, HOME, HOME, HOME)),
    "quiz:interview-step": Row(_quiz("/interviews/{running}/"), OWNER),
    "quiz:interview-end": Row(_quiz("/interviews/{running}/end/"), POST_ONLY, OWNER_POST),
    "quiz:results": Row(_quiz("/interviews/{finished}/results/"), OWNER),
    "quiz:practise-missed": Row(_quiz("/interviews/{finished}/practise-missed/"), POST_ONLY, OWNER_POST),
    "quiz:item-reveal": Row(_quiz("/interviews/{running}/items/{item}/reveal/"), POST_ONLY, OWNER_POST),
    "quiz:item-grade": Row(
        _quiz("/interviews/{running}/items/{item}/grade/"), POST_ONLY, OWNER_POST, {"grade": Grade.GOOD}
    ),
    "quiz:item-skip": Row(_quiz("/interviews/{running}/items/{item}/skip/"), POST_ONLY, OWNER_POST),
    "quiz:item-mark": Row(_quiz("/interviews/{running}/items/{item}/mark/"), POST_ONLY, OWNER_POST),
    "quiz:item-hint": Row(
        _quiz("/interviews/{running}/items/{item}/hint/"), POST_ONLY, OWNER_POST, {"hint": 1}
    ),
    "quiz:item-answer": Row(
        _quiz("/interviews/{running}/items/{item}/answer/"), POST_ONLY, OWNER_POST, {"answer_text": "x"}
    ),
    # -- interview dates: only their owner sees them; the method is checked before the owner
    "quiz:plans": Row(_quiz("/plans/"), SIGNED_IN),
    "quiz:plan-new": Row(_quiz("/plans/new/"), SIGNED_IN),
    "quiz:plan-edit": Row(_quiz("/plans/{plan}/"), OWNER),
    "quiz:plan-delete": Row(_quiz("/plans/{plan}/delete/"), POST_ONLY, OWNER_POST),
    "quiz:plan-start": Row(_quiz("/plans/{plan}/start/"), POST_ONLY, OWNER_POST),
    # -- peer interviews: the candidate and the interviewer, each their own side
    "quiz:peer-new": Row(_quiz("/peer/new/"), POST_ONLY, (LOGIN, 422, 422, 422, 422)),
    # The link was used by the interviewer: the candidate is told it is theirs, anyone else that it is used.
    "quiz:peer-join": Row(
        lambda o: f"/peer/join/{o['invite'].token}/", (LOGIN, 403, 410, 410, 410, 410, ELSEWHERE)
    ),
    "quiz:peer-interview": Row(_quiz("/peer/{peer}/"), PEER_SIDES),
    "quiz:peer-poll": Row(_quiz("/peer/{peer}/poll/"), PEER_SIDES),
    "quiz:peer-invite": Row(_quiz("/peer/{peer}/invite/"), PEER_CANDIDATE_POST),  # joined: on to the screen
    "quiz:peer-invite-revoke": Row(_quiz("/peer/{peer}/invite/revoke/"), POST_ONLY, PEER_CANDIDATE_POST),
    "quiz:peer-invite-new": Row(_quiz("/peer/{peer}/invite/new/"), POST_ONLY, PEER_CANDIDATE_POST),
    "quiz:peer-notes": Row(
        _quiz("/peer/{peer}/items/{peer_item}/notes/"), POST_ONLY, PEER_CANDIDATE_POST, {"answer_text": "x"}
    ),
    "quiz:peer-assess": Row(
        _quiz("/peer/{peer}/items/{peer_item}/assess/"), POST_ONLY, PEER_INTERVIEWER_POST, {"notes": "x"}
    ),
    "quiz:peer-leave": Row(_quiz("/peer/{peer}/leave/"), POST_ONLY, PEER_EITHER_POST),
    "quiz:peer-results": Row(
        _quiz("/peer/{peer}/results/"), (LOGIN, ELSEWHERE, 404, 404, 404, 404, ELSEWHERE)
    ),
    "quiz:peer-switch": Row(_quiz("/peer/{peer}/switch/"), POST_ONLY, PEER_EITHER_POST),
    # -- admin: staff only. Questions, sections and interviews are never added or deleted there.
    "admin:index": Row(_quiz("/admin/"), staff(200, clerk=200)),
    "admin:login": Row(_quiz("/admin/login/"), (200, 200, 200, 200, "/admin/", "/admin/")),
    # POST only; a signed-out or non-staff GET is sent to the admin index (and from there to sign in).
    "admin:logout": Row(_quiz("/admin/logout/"), (*("/admin/",) * 4, 405, 405)),
    "admin:password_change": Row(_quiz("/admin/password_change/"), staff(200, clerk=200)),
    "admin:password_change_done": Row(_quiz("/admin/password_change/done/"), staff(200, clerk=200)),
    "admin:autocomplete": Row(_quiz("/admin/autocomplete/"), staff(403)),  # no field named: refused
    "admin:jsi18n": Row(_quiz("/admin/jsi18n/"), staff(200, clerk=200)),
    "admin:view_on_site": Row(
        lambda o: f"/admin/r/{o['question_type'].pk}/{o['question'].pk}/", staff(404, clerk=404)
    ),
    "admin:app_list": Row(_quiz("/admin/quiz/"), staff(200, clerk=404)),  # no quiz model the clerk may see
    "admin/(?P<url>.*)$": Row(_quiz("/admin/no-such-page/"), staff(404, clerk=404)),
    "admin:auth_user_password_change": Row(
        lambda o: f"/admin/auth/user/{o['owner'].pk}/password/", staff(200)
    ),
    **admin_model("auth", "group", "group"),
    **admin_model("auth", "user", "owner"),
    **admin_model("axes", "accessattempt", "attempt", add=403),
    **admin_model("axes", "accesslog", "access_log", add=403),
    **admin_model("axes", "accessfailurelog", "failure_log", add=403),
    **admin_model("quiz", "section", "section", add=403, delete=403),
    **admin_model("quiz", "mockinterview", "finished", add=403, delete=403),
    **admin_model("quiz", "question", "question", add=403, delete=403),
    **admin_model("quiz", "bank", "bank", add=403, delete=403),
    **admin_model("django_tasks_database", "dbtaskresult", "task", add=403, delete=403),
    "admin:quiz_question_preview": Row(_quiz("/admin/quiz/question/preview/"), staff(405, clerk=405)),
    "admin:quiz_question_answer_diff": Row(_quiz("/admin/quiz/question/{question}/answer-diff/"), staff(200)),
    "admin:quiz_question_simple_history": Row(
        _quiz("/admin/quiz/question/{question}/history/{revision}/"), staff(200)
    ),
}


def url_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> list[str]:
    """Every pattern of the URLconf: its namespaced name, or its full route when it has no name."""
    resolver = resolver or get_resolver()
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
            found += url_patterns(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            found.append(":".join(filter(None, [namespace, pattern.name])) if pattern.name else route)
    return found


def test_every_url_in_the_urlconf_has_a_row_in_the_table():
    patterns = url_patterns()
    assert len(patterns) == len(set(patterns)), "two patterns share a name"
    assert sorted(set(patterns) - set(TABLE)) == [], "add these URLs to TABLE with who may open them"
    assert sorted(set(TABLE) - set(patterns)) == [], "these rows name URLs the URLconf no longer has"


@pytest.fixture
def objects(db, make_question) -> dict:
    users = get_user_model().objects
    owner = users.create_user("ada")
    reviewer = users.create_user("rita")
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    interviewer = users.create_user("ivan")
    peer, invite = open_peer_interview(owner, interviewer, [make_question()])
    question = make_question()
    question.answer_md = "Edited once, so the question has two revisions."
    question.save()
    finished = MockInterview.start(owner, [make_question()])
    finished.end_early()
    upload = BankUpload.stash(owner, "team", {"a.md": b"# A\n\n### Why?\nBecause.\n"})
    running = MockInterview.start(owner, [question])  # started last: starting one ends any left open
    ReviewState.record(owner.pk, question.pk, Grade.GOOD, timezone.now())  # the owner's card, to suspend
    reopen_peer_interview(peer)
    clerk = users.create_user("clara", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="add_bank"))
    access = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "ada", "http_accept": "*/*"}
    return {
        "users": {
            "user": owner,
            "other user": users.create_user("bob"),
            "reviewer": reviewer,
            "staff": users.create_superuser("grace"),
            "bank clerk": clerk,
            "interviewer": interviewer,
        },
        "owner": owner,
        "peer": peer,
        "peer_item": peer.current_item(),
        "invite": invite,
        "question": question,
        "question_type": ContentType.objects.get_for_model(Question),
        "revision": question.history.order_by("history_date").first().history_id,
        "section": Section.objects.get(),
        "flag": Flag.objects.create(user=owner, question=question, reason=Flag.Reason.WRONG),
        "override": KeyPointOverride.objects.create(
            item=running.current_item(),
            question=question,
            index=0,
            key_point="A point",
            state="covered",
            score=0.9,
            ticked=False,
            phrase="shared words",
        ),
        "running": running,
        "item": running.current_item(),
        "finished": finished,
        "group": Group.objects.get(name="Reviewers"),
        "attempt": AccessAttempt.objects.create(**access, failures_since_start=1),
        "access_log": AccessLog.objects.create(**access),
        "failure_log": AccessFailureLog.objects.create(**access),
        "bank": Bank.objects.get(),
        "upload": upload,
        "task": DBTaskResult.objects.get(id=import_upload.enqueue(upload.pk).id),
        "plan": InterviewPlan.objects.create(user=owner, date=timezone.now().date() + timedelta(days=30)),
    }


def _outcome(response) -> int | str:
    """The status, or for a redirect where it goes (a sign-in page without its ?next= value)."""
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    return next((login for login in (LOGIN, ADMIN_LOGIN) if location.startswith(login)), location)


def _matches(got: int | str, want, objects: dict) -> bool:
    if want == ELSEWHERE:
        return isinstance(got, str) and got not in (LOGIN, ADMIN_LOGIN)
    return got == (want(objects) if callable(want) else want)


def expected(answers: tuple, role: str):
    """A row's answer for ``role``; a row of five gives the bank clerk the other user's, a row of five or six
    gives the interviewer the other user's."""
    if role == "bank clerk" and len(answers) == 5:
        return answers[ROLES.index("other user")]
    if role == "interviewer" and len(answers) < len(ROLES):
        return answers[ROLES.index("other user")]
    return answers[ROLES.index(role)]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_from_every_url(role, objects):
    client = Client()
    if role != "anonymous":
        client.force_login(objects["users"][role])
    wrong = []
    for name, row in TABLE.items():
        url = row.url(objects)
        got, want = _outcome(client.get(url)), expected(row.get, role)
        if not _matches(got, want, objects):
            wrong.append(f"GET {url} ({name}): {got}, expected {want}")
        if row.post is None:
            continue
        cookies = copy.deepcopy(client.cookies)  # signing out empties the session cookie; restored after
        with transaction.atomic():
            got = _outcome(client.post(url, row.data or {}))
            transaction.set_rollback(True)
        client.cookies = cookies
        want = expected(row.post, role)
        if not _matches(got, want, objects):
            wrong.append(f"POST {url} ({name}): {got}, expected {want}")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_template_comment(role, objects):
    """A multi-line ``{# #}`` is printed as text; no page of the table, as any role, may show one."""
    finished = objects["finished"]
    finished.items.update(grade=Grade.GOOD)  # progress draws its trend and calibration charts
    client = Client()
    if role != "anonymous":
        client.force_login(objects["users"][role])
    shown = []
    for name, row in TABLE.items():
        response = client.get(row.url(objects))
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        shown += [f"{name}: {html[html.index(mark) - 60 :][:160]!r}" for mark in ("{#", "#}") if mark in html]
    assert shown == []


def test_no_template_opens_a_comment_it_does_not_close_on_the_same_line():
    """Partials the table never reaches (shown only with some data) are covered by reading the templates."""

    unclosed = [
        f"{path}:{number}"
        for folder in settings.TEMPLATES[0]["DIRS"]
        for path in Path(folder).rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert unclosed == []
