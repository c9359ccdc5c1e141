"""The reviewer workflow: flag an answer, triage the queue, edit the answer, learners see what changed."""

import re
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz.diffing import answer_update_for, diff_html
from quiz.models import Flag, Grade, MockInterview, Question, ReviewState
from quiz.rendering import MAX_MARKDOWN_CHARS
from quiz.views import flags as flag_views
from tests.conftest import another_user, reviewers_group

HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = reverse("quiz:review-queue")
MY_FLAGS = reverse("quiz:my-flags")
SCRIPT = '<script>alert("x")</script><b>bold</b>'


# -- people --


def make_user(name: str, *, group: str | None = None, perms: tuple[str, ...] = (), **fields):
    user = get_user_model().objects.create_user(name, password="correct horse battery", **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def other_user(db):
    return make_user("bob")


@pytest.fixture
def reviewer(db):
    return make_user("rita", group="Reviewers")


@pytest.fixture
def plain_staff(db):
    """Staff without any permission: the queue and edit page still let them in."""
    return make_user("sam", is_staff=True)


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def client_in(user):
    return signed_in(user)


@pytest.fixture
def reviewer_client(reviewer):
    return signed_in(reviewer)


# -- helpers --


def flag_url(question: Question, next_url: str | None = None) -> str:
    url = reverse("quiz:flag-answer", args=[question.pk])
    return f"{url}?next={next_url}" if next_url else url


def edit_url(question: Question) -> str:
    return reverse("quiz:answer-edit", args=[question.pk])


def dismiss_url(flag: Flag) -> str:
    return reverse("quiz:flag-dismiss", args=[flag.pk])


def accept_url(flag: Flag) -> str:
    return reverse("quiz:flag-accept", args=[flag.pk])


def flag(user, question, reason=Flag.Reason.WRONG, comment="", **fields) -> Flag:
    return Flag.objects.create(user=user, question=question, reason=reason, comment=comment, **fields)


def latest_revision(question: Question) -> int:
    return question.history.order_by("-history_date", "-history_id").first().history_id


def edit_post(question: Question, answer: str, resolves=(), **extra) -> dict:
    return {
        "answer_md": answer,
        "base_revision": latest_revision(question),
        "resolves": list(resolves),
        **extra,
    }


def login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


# -- permissions: every URL of the feature for every role --


def test_reviewers_group_has_the_two_permissions(db):
    codenames = set(Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True))
    assert codenames == {"triage_flag", "change_question"}


@pytest.fixture
def every_url(question, other_user):
    their_flag = flag(other_user, question)
    return {
        "flag": ("post", flag_url(question), {"reason": "wrong"}),
        "flag-page": ("get", flag_url(question), None),
        "my-flags": ("get", MY_FLAGS, None),
        "queue": ("get", QUEUE, None),
        "dismiss": ("post", dismiss_url(their_flag), {"note": ""}),
        "accept": ("post", accept_url(their_flag), {}),
        "edit-page": ("get", edit_url(question), None),
        "edit": ("post", edit_url(question), {"answer_md": "New."}),
    }


def request(client: Client, how: tuple):
    method, url, data = how
    return client.get(url) if method == "get" else client.post(url, data)


@pytest.mark.parametrize(
    "name", ["flag", "flag-page", "my-flags", "queue", "dismiss", "accept", "edit-page", "edit"]
)
def test_anonymous_is_sent_to_sign_in(client, every_url, name):
    assert login_redirect(request(client, every_url[name]))


@pytest.mark.parametrize("name", ["queue", "dismiss", "accept", "edit-page", "edit"])
def test_a_user_who_is_no_reviewer_gets_403(client_in, every_url, name):
    assert request(client_in, every_url[name]).status_code == 403


def what_they_see(response) -> str:
    """Where a redirect goes, or the page's heading: what the person ends up looking at."""
    if response.status_code == 302:
        return f"redirect to {response['Location'].split('?')[0]}"
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1)
    return f"{response.status_code} {heading}"


@pytest.mark.parametrize(
    ("name", "seen"),
    [
        ("flag", f"redirect to {MY_FLAGS}"),
        ("flag-page", "200 Flag this answer"),
        ("my-flags", "200 My flags"),
    ],
)
def test_any_user_can_flag_and_follow_their_flags(client_in, every_url, name, seen):
    assert what_they_see(request(client_in, every_url[name])) == seen


@pytest.mark.parametrize("who", ["reviewer", "staff_user", "plain_staff"])
@pytest.mark.parametrize("name", ["queue", "dismiss", "accept", "edit-page", "edit"])
def test_reviewers_and_staff_get_in(request_fixture, every_url, question, who, name):
    response = request(signed_in(request_fixture(who)), every_url[name])
    edit = reverse("quiz:answer-edit", args=[question.pk])
    seen = {
        "queue": "200 Review queue",
        "dismiss": f"redirect to {QUEUE}",
        "accept": f"redirect to {edit}",
        "edit-page": "200 Edit the reference answer",
        "edit": f"redirect to {QUEUE}",
    }[name]
    if who == "plain_staff" and name.startswith("edit"):
        # Editing answers takes quiz.change_question, as in the admin: being staff is not enough.
        seen = "403 You can't open this page"
    assert what_they_see(response) == seen


@pytest.fixture
def request_fixture(request):
    return request.getfixturevalue


def test_triage_alone_without_change_question_cannot_edit(question):
    triager = signed_in(make_user("tom", perms=("triage_flag",)))
    assert triager.get(QUEUE).status_code == 200
    assert triager.get(edit_url(question)).status_code == 403


@pytest.mark.parametrize("name", ["flag", "dismiss", "accept", "edit"])
def test_every_post_needs_the_csrf_token(reviewer, every_url, name):
    strict = signed_in(reviewer, enforce_csrf_checks=True)
    method, url, data = every_url[name]
    assert strict.post(url, data).status_code == 403
    assert Flag.objects.filter(status=Flag.Status.OPEN).count() == 1  # nothing changed


# -- flagging an answer --


def test_flag_page_is_a_full_page_with_the_form(client_in, question):
    response = client_in.get(flag_url(question))
    assert b"<html" in response.content
    assert f'id="flag-form-{question.pk}"'.encode() in response.content
    assert b"The answer is wrong" in response.content


def test_flag_form_is_a_fragment_for_htmx(client_in, question):
    response = client_in.get(flag_url(question, "/questions/"), **HTMX)
    assert b"<html" not in response.content
    assert f'id="flag-form-{question.pk}"'.encode() in response.content
    assert b'name="next" value="/questions/"' in response.content


def test_flag_without_js_saves_and_goes_back_to_next(client_in, user, question):
    back = reverse("quiz:question", args=[question.pk])
    response = client_in.post(
        flag_url(question), {"reason": "incomplete", "comment": "Misses L2.", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    saved = Flag.objects.get(user=user, question=question)
    assert (saved.reason, saved.comment, saved.status) == ("incomplete", "Misses L2.", Flag.Status.OPEN)


def test_flag_never_redirects_off_site(client_in, question):
    response = client_in.post(flag_url(question), {"reason": "wrong", "next": "https://evil.example/"})
    assert response["Location"] == MY_FLAGS


def test_flag_with_htmx_swaps_in_the_thanks(client_in, question):
    response = client_in.post(flag_url(question), {"reason": "typo"}, **HTMX)
    assert b"<html" not in response.content
    assert b"your flag is in the reviewers' queue" in response.content
    assert b"Update my flag" in response.content


def test_flagging_again_updates_the_one_open_flag(client_in, user, question):
    client_in.post(flag_url(question), {"reason": "wrong", "comment": "first"})
    client_in.post(flag_url(question), {"reason": "typo", "comment": "second"})
    assert Flag.objects.filter(user=user, question=question).count() == 1
    assert Flag.objects.get(user=user, question=question).comment == "second"


def test_the_form_shows_the_users_open_flag(client_in, user, question):
    flag(user, question, reason=Flag.Reason.TYPO, comment="teh")
    response = client_in.get(flag_url(question), **HTMX)
    assert re.search(rb'value="typo"[^>]*checked', response.content)
    assert f'id="flag-{question.pk}-reason_5"'.encode() in response.content  # ids unique per question
    assert b"teh</textarea>" in response.content


def test_a_dismissed_flag_leaves_room_for_a_new_one(client_in, user, reviewer, question):
    flag(user, question).dismiss(reviewer, "Fine as it is.")
    client_in.post(flag_url(question), {"reason": "wrong"})
    assert Flag.objects.filter(user=user, question=question).count() == 2


def test_a_flag_comment_is_limited_to_2000_characters(client_in, question):
    response = client_in.post(flag_url(question), {"reason": "wrong", "comment": "x" * 2001}, **HTMX)
    assert b"at most 2000 characters" in response.content
    assert not Flag.objects.exists()


def test_a_flag_needs_a_reason(client_in, question):
    response = client_in.post(flag_url(question), {"comment": "?"})
    assert response.status_code == 200 and b"This field is required" in response.content
    assert not Flag.objects.exists()


def test_retired_questions_cannot_be_flagged(client_in, make_question):
    retired = make_question(retired=True)
    assert client_in.get(flag_url(retired)).status_code == 404


def test_eleventh_new_flag_in_an_hour_is_refused(client_in, user, make_question):
    for _ in range(Flag.MAX_NEW_PER_HOUR):
        flag(user, make_question(), created_at=timezone.now() - timedelta(minutes=30))
    one_more = make_question()
    response = client_in.post(flag_url(one_more), {"reason": "wrong", "comment": "kept"}, **HTMX)
    assert b"10 flags in the last hour" in response.content
    assert b"kept</textarea>" in response.content
    assert not Flag.objects.filter(question=one_more).exists()


def test_flags_older_than_an_hour_do_not_count(client_in, user, make_question):
    for _ in range(Flag.MAX_NEW_PER_HOUR):
        flag(user, make_question(), created_at=timezone.now() - timedelta(minutes=61))
    one_more = make_question()
    client_in.post(flag_url(one_more), {"reason": "wrong"})
    assert Flag.objects.filter(question=one_more).exists()


def test_the_limit_still_lets_a_user_edit_an_open_flag(user, make_question):
    first = make_question()
    flag(user, first)
    for _ in range(Flag.MAX_NEW_PER_HOUR - 1):
        flag(user, make_question())
    edited, created = Flag.raise_or_update(user, first, Flag.Reason.TYPO, "edit")
    assert not created and edited.comment == "edit"
    with pytest.raises(Flag.TooManyFlags):
        Flag.raise_or_update(user, make_question(), Flag.Reason.WRONG)


# -- where the flag form appears --


def test_question_card_offers_the_flag_form_after_reveal(client_in, user, question):
    interview = MockInterview.start(user, [question])
    item = interview.items.get()
    step = reverse("quiz:interview-step", args=[interview.pk])
    assert b"Flag this answer" not in client_in.get(step).content
    interview.reveal(item)
    content = client_in.get(step).content
    assert b"Flag this answer" in content
    assert f"{flag_url(question)}?next={step}".encode() in content


def test_results_page_offers_the_flag_form_per_question(client_in, user, question):
    interview = MockInterview.start(user, [question])
    interview.end_early()
    content = client_in.get(reverse("quiz:results", args=[interview.pk])).content
    results = reverse("quiz:results", args=[interview.pk])
    assert f"{flag_url(question)}?next={results}%23item-1".encode() in content


def test_question_page_offers_the_flag_form(client_in, question):
    content = client_in.get(reverse("quiz:question", args=[question.pk])).content
    assert f'id="flag-answer-{question.pk}"'.encode() in content


# -- my flags --


def test_my_flags_shows_what_became_of_each_flag(client_in, user, reviewer, make_question):
    waiting = flag(user, make_question(prompt_md="Still open?"))
    dismissed = flag(user, make_question(prompt_md="Dismissed?"))
    dismissed.dismiss(reviewer, "The answer is right: see section 2.")
    fixed = flag(user, make_question(prompt_md="Fixed?"))
    fixed.accept(reviewer)
    fixed.question.flags.accepted().resolve(1, reviewer)
    content = client_in.get(MY_FLAGS).content.decode()
    assert "Waiting for a reviewer" in content and f'id="flag-{waiting.pk}"' in content
    assert "The answer is right: see section 2." in content
    assert reverse("quiz:question", args=[fixed.question_id]) in content
    assert "Resolved with an edit" in content


def test_my_flags_shows_only_my_own(client_in, other_user, question):
    flag(other_user, question, comment="Bob's secret complaint")
    assert b"Bob&#x27;s secret complaint" not in client_in.get(MY_FLAGS).content
    assert b"not flagged any answer yet" in client_in.get(MY_FLAGS).content


def test_flag_text_is_shown_inert_everywhere(client_in, user, reviewer_client, reviewer, question):
    flag(user, question, comment=SCRIPT)
    pages = [client_in.get(MY_FLAGS), reviewer_client.get(QUEUE), reviewer_client.get(edit_url(question))]
    for response in pages:
        assert b"<script>alert" not in response.content
        assert b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in response.content
    Flag.objects.get().dismiss(reviewer, SCRIPT)
    assert b"<script>alert" not in client_in.get(MY_FLAGS).content


@pytest.mark.parametrize("count", [2, 20])
def test_my_flags_query_count_does_not_grow(client_in, user, make_question, count, django_assert_num_queries):
    for _ in range(count):
        flag(user, make_question())
    # session, user, whether to show "Review queue" in the menu, count, the page's flags with their questions,
    # the flags whose review is news (none here: nothing to mark seen)
    with django_assert_num_queries(6):
        client_in.get(MY_FLAGS)


# -- the review queue --


def test_queue_groups_flags_by_question_most_flagged_first(reviewer_client, user, other_user, make_question):
    once = make_question(prompt_md="Flagged once?")
    twice = make_question(prompt_md="Flagged twice?")
    flag(user, once, comment="only me")
    flag(user, twice, reason=Flag.Reason.TYPO, comment="typo in line 2")
    flag(other_user, twice, reason=Flag.Reason.WRONG, comment="plain wrong")
    content = reviewer_client.get(QUEUE).content.decode()
    assert content.index("Flagged twice?") < content.index("Flagged once?")
    assert "2 open flags" in content and "1 open flag<" in content
    for text in ["typo in line 2", "plain wrong", "only me", "Answer 2."]:  # comments and the current answer
        assert text in content


def test_queue_leaves_out_dealt_with_flags(reviewer_client, reviewer, user, question):
    flag(user, question, comment="gone").dismiss(reviewer)
    content = reviewer_client.get(QUEUE).content
    assert b"gone" not in content and b"No open flags" in content


def test_queue_shows_the_content_report_for_the_question(
    reviewer_client, user, make_question, settings, tmp_path
):
    (tmp_path / "maths.md").write_text("# Maths\n\n## [E] Given a vector , find vector of unit length?\n")
    settings.QUESTION_BANK_DIR = tmp_path
    [(key, found)] = flag_views.bank_findings().items()
    question = make_question(key=key, prompt_md="Given a vector , find vector of unit length?")
    flag(user, question)
    content = reviewer_client.get(QUEUE).content.decode()
    assert "stripped-math" in content and "looks like math went missing" in content
    assert "<strong>unanswered</strong>" not in content  # none in the markdown, but one was written here


def test_queue_lists_questions_that_need_an_answer(reviewer_client, make_question):
    unanswered = make_question(prompt_md="Nobody answered me?", answer_md="")
    content = reviewer_client.get(QUEUE).content.decode()
    assert "Needs an answer" in content and "Nobody answered me?" in content
    assert edit_url(unanswered) in content


def test_queue_fragment_for_htmx(reviewer_client, user, question):
    flag(user, question)
    response = reviewer_client.get(QUEUE, **HTMX)
    assert b"<html" not in response.content and b'id="review-queue"' in response.content


@pytest.mark.parametrize("questions,flags_each", [(1, 2), (5, 4)])
def test_queue_query_count_does_not_grow_with_flags(
    reviewer_client, make_question, questions, flags_each, django_assert_num_queries
):
    flaggers = [make_user(f"flagger{i}") for i in range(flags_each)]
    for _ in range(questions):
        question = make_question()
        for person in flaggers:
            flag(person, question, comment="see line 3")
    make_question(answer_md="")
    # session, user, the triage permission (asked once for the view and the menu), flagged questions count
    # and page, their open flags with users, unanswered questions and their count
    with django_assert_num_queries(8):
        response = reviewer_client.get(QUEUE)
    assert response.content.decode().count("see line 3") == questions * flags_each


# -- dismiss and accept --


def test_dismiss_with_a_note_without_js(reviewer_client, reviewer, user, question):
    raised = flag(user, question)
    response = reviewer_client.post(dismiss_url(raised), {"note": "It says so in the docs."})
    assert response.status_code == 302 and response["Location"] == QUEUE
    raised.refresh_from_db()
    assert raised.status == Flag.Status.DISMISSED
    assert (raised.reviewed_by, raised.reviewer_note) == (reviewer, "It says so in the docs.")


def test_dismiss_with_htmx_swaps_the_queue(reviewer_client, user, make_question):
    gone, kept = flag(user, make_question(prompt_md="Gone?")), flag(user, make_question(prompt_md="Kept?"))
    response = reviewer_client.post(dismiss_url(gone), {"note": ""}, **HTMX)
    assert b"<html" not in response.content and b'id="review-queue"' in response.content
    assert b"Dismissed flag" in response.content
    assert b"Kept?" in response.content and b"Gone?" not in response.content
    kept.refresh_from_db()
    assert kept.status == Flag.Status.OPEN


def test_dismissing_twice_keeps_the_first_decision(reviewer_client, reviewer, user, question):
    raised = flag(user, question)
    raised.dismiss(reviewer, "first")
    reviewer_client.post(dismiss_url(raised), {"note": "second"})
    raised.refresh_from_db()
    assert raised.reviewer_note == "first"


def test_accept_takes_the_reviewer_to_the_edit_page(reviewer_client, user, question):
    raised = flag(user, question)
    response = reviewer_client.post(accept_url(raised))
    assert response["Location"] == edit_url(question)
    raised.refresh_from_db()
    assert raised.status == Flag.Status.ACCEPTED


def test_accept_with_htmx_redirects_the_page(reviewer_client, user, question):
    response = reviewer_client.post(accept_url(flag(user, question)), **HTMX)
    assert response["HX-Redirect"] == edit_url(question)


# -- editing the answer --


def test_edit_page_shows_the_rendered_answer_and_the_flags(reviewer_client, user, question):
    flag(user, question, comment="generators return generator objects")
    response = reviewer_client.get(edit_url(question))
    content = response.content.decode()
    assert "<html" in content
    assert "An <strong>iterator</strong> that yields lazily." in content  # rendered current answer
    assert "generators return generator objects" in content
    assert "An **iterator** that yields lazily.</textarea>" in content


def test_saving_an_edit_resolves_the_flags_and_links_the_revision(reviewer_client, reviewer, user, question):
    raised = flag(user, question)
    raised.accept(reviewer)
    response = reviewer_client.post(
        edit_url(question), edit_post(question, "A generator object.", [raised.pk])
    )
    assert response.status_code == 302 and response["Location"] == QUEUE
    question.refresh_from_db()
    raised.refresh_from_db()
    revision = question.history.order_by("-history_id").first()
    assert question.answer_md == "A generator object."
    assert question.answer_html == "<p>A generator object.</p>"
    assert question.answer_changed_at is not None
    assert raised.status == Flag.Status.RESOLVED and raised.resolved_revision_id == revision.history_id
    assert f"#{raised.pk}" in revision.history_change_reason
    assert revision.history_user == reviewer


@pytest.mark.parametrize(
    "flags_resolved,message",
    [
        (0, "Saved the answer."),
        (1, "Saved the answer; 1 flag resolved."),
        (2, "Saved the answer; 2 flags resolved."),
    ],
)
def test_the_saved_message_counts_resolved_flags_in_words(
    reviewer_client, reviewer, question, flags_resolved, message
):
    raised = [flag(make_user(f"flagger{i}"), question) for i in range(flags_resolved)]
    for each in raised:
        each.accept(reviewer)
    post = edit_post(question, "A generator object.", [f.pk for f in raised])
    response = reviewer_client.post(edit_url(question), post, follow=True)
    assert [str(m) for m in response.context["messages"]] == [message]


def test_a_reviewers_edit_is_credited_under_the_answer(reviewer_client, reviewer, client_in, question):
    text = "A generator object.\n\nKey points:\n- Calling a generator function returns a generator object"
    reviewer_client.post(edit_url(question), edit_post(question, text))
    question.refresh_from_db()
    assert question.key_points == ["Calling a generator function returns a generator object"]
    page = client_in.get(reverse("quiz:question", args=[question.pk])).content.decode()
    assert f"Edited in review by {reviewer.username} on " in page
    assert "<li>Calling a generator function returns a generator object</li>" in page


def test_an_unticked_flag_stays_in_the_queue(reviewer_client, user, other_user, question):
    fixed, other = flag(user, question), flag(other_user, question)
    reviewer_client.post(edit_url(question), edit_post(question, "Better.", [fixed.pk]))
    fixed.refresh_from_db()
    other.refresh_from_db()
    assert fixed.status == Flag.Status.RESOLVED and other.status == Flag.Status.OPEN


def test_saving_with_htmx_redirects_to_the_queue(reviewer_client, question):
    response = reviewer_client.post(edit_url(question), edit_post(question, "Better."), **HTMX)
    assert response["HX-Redirect"] == QUEUE


def test_an_invalid_edit_with_htmx_returns_the_form(reviewer_client, question):
    response = reviewer_client.post(edit_url(question), edit_post(question, "   "), **HTMX)
    assert b"<html" not in response.content and b'id="answer-form"' in response.content
    assert b"Write an answer" in response.content


def test_preview_renders_without_saving(reviewer_client, question):
    data = edit_post(question, "*new*", preview="1")
    fragment = reviewer_client.post(edit_url(question), data, **HTMX)
    assert b"<html" not in fragment.content and b"<em>new</em>" in fragment.content
    page = reviewer_client.post(edit_url(question), data)
    assert b"<html" in page.content and b"<em>new</em>" in page.content
    question.refresh_from_db()
    assert question.answer_md == "An **iterator** that yields lazily."


def test_an_edit_made_meanwhile_is_not_overwritten(reviewer_client, question):
    stale = edit_post(question, "Mine.")
    question.answer_md = "Someone else's."
    question.save()
    response = reviewer_client.post(edit_url(question), stale)
    html = response.content.decode()
    assert "Someone changed this answer" in html
    assert "<p>Someone else's.</p>" in html  # their version, shown as the current answer
    assert "Mine.</textarea>" in html  # the reviewer's own text, kept to merge
    question.refresh_from_db()
    assert question.answer_md == "Someone else's."


def test_saving_again_after_a_conflict_goes_through(reviewer_client, question):
    stale = edit_post(question, "Mine.")
    question.answer_md = "Someone else's."
    question.save()
    form = reviewer_client.post(edit_url(question), stale).context["form"]
    assert form["base_revision"].value() == latest_revision(question)  # now based on their version
    response = reviewer_client.post(
        edit_url(question), {**stale, "base_revision": form["base_revision"].value()}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer_md == "Mine."


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two connections to one database; SQLite's test database is in memory (PostgreSQL's run has it)",
)
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_saving_at_once_cannot_both_overwrite(question, monkeypatch):
    reviewer = get_user_model().objects.create_user("rita")
    reviewer.groups.add(reviewers_group())
    # Make each save slow, so that the two submits overlap between the revision check and the commit.
    slow_render = question_rendering(monkeypatch, delay=0.3)
    started = latest_revision(question)
    outcomes = {}

    def submit(name: str) -> None:
        try:
            response = signed_in(reviewer).post(
                edit_url(question), {**edit_post(question, name), "base_revision": started}
            )
            outcomes[name] = "saved" if response.status_code == 302 else response.content.decode()
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("Mine.", "Theirs.")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(v == "saved" for v in outcomes.values()) == [False, True], outcomes
    refused = next(v for v in outcomes.values() if v != "saved")
    assert "Someone changed this answer" in refused
    question.refresh_from_db()
    assert question.answer_md in outcomes and outcomes[question.answer_md] == "saved"
    assert question.history.filter(history_id__gt=started).count() == 1
    assert slow_render.calls >= 2


def question_rendering(monkeypatch, delay: float):
    """Wrap the markdown rendering ``Question.save()`` does with a pause, counting the calls."""
    from quiz.models import content

    real = content.render_markdown

    def slowed(text: str) -> str:
        slowed.calls += 1
        time.sleep(delay)
        return real(text)

    slowed.calls = 0
    monkeypatch.setattr(content, "render_markdown", slowed)
    return slowed


def test_an_answer_that_would_break_the_markdown_is_refused(reviewer_client, question):
    # In a QnA file a "## " line starts a new topic: the answer would not come back from an export.
    response = reviewer_client.post(edit_url(question), edit_post(question, "Intro.\n## Topic\nMore."))
    assert b"markdown files could not hold this answer" in response.content


def test_writing_an_answer_for_an_unanswered_question(reviewer_client, make_question):
    empty = make_question(answer_md="")
    reviewer_client.post(edit_url(empty), edit_post(empty, "Now answered."))
    empty.refresh_from_db()
    assert empty.answer_md == "Now answered."
    assert empty.history.order_by("-history_id").first().history_change_reason == "Answer written in review"


# -- changed answers reach learners --


def review_state(user, question, last_review, due) -> ReviewState:
    return ReviewState.objects.create(user=user, question=question, last_review=last_review, due=due)


def test_an_answer_change_brings_the_question_back_for_review(user, question):
    now = timezone.now()
    later = review_state(user, question, now - timedelta(days=3), now + timedelta(days=20))
    overdue = review_state(make_user("olga"), question, now - timedelta(days=9), now - timedelta(days=1))
    question.answer_md = "A generator object, which is an iterator."
    question.save()
    later.refresh_from_db()
    overdue.refresh_from_db()
    assert later.due == question.answer_changed_at
    assert overdue.due == now - timedelta(days=1)  # already due: keeps its place in the queue


def test_a_whitespace_only_edit_changes_no_schedule(user, question):
    due = timezone.now() + timedelta(days=20)
    state = review_state(user, question, timezone.now() - timedelta(days=3), due)
    question.answer_md = question.answer_md + "\n"
    question.save()
    state.refresh_from_db()
    assert state.due == due and question.answer_changed_at is None


def graded_earlier(user, question, days_ago: int = 5) -> None:
    past = MockInterview.start(user, [question], now=timezone.now() - timedelta(days=days_ago))
    past.grade(past.items.get(), Grade.GOOD, now=timezone.now() - timedelta(days=days_ago))


def test_question_card_says_the_answer_changed_since_last_seen(client_in, user, question):
    graded_earlier(user, question)
    question.answer_md = "An iterator object that yields lazily."
    question.save()
    interview = MockInterview.start(user, [question])
    interview.reveal(interview.items.get())
    content = client_in.get(reverse("quiz:interview-step", args=[interview.pk])).content.decode()
    assert "Answer updated since you last saw it" in content
    update = content[content.index("answer-diff-rendered") :]
    # Rendered as the answer is, not as markdown source: the old block struck, the new one marked added.
    removed, added = update.index("diff-removed"), update.index("diff-added")
    assert "An <strong>iterator</strong> that yields lazily." in update[removed:added]
    assert "<p>An iterator object that yields lazily.</p>" in update[added:]
    assert "**" not in update[: update.index("</section>")]


def test_an_answer_update_shows_headings_code_and_tables_rendered(client_in, user, question):
    graded_earlier(user, question)
    question.answer_md = (
        "An **iterator** that yields lazily.\n\n#### Example\n\n```python\ndef gen():\n\n    yield 1\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |"
    )
    question.save()
    content = client_in.get(reverse("quiz:question", args=[question.pk])).content.decode()
    update = content[
        content.index("answer-diff-rendered") : content.index("</section>", content.index("answer-diff"))
    ]
    assert "<h4>Example</h4>" in update and "<table>" in update and 'class="highlight"' in update
    assert "####" not in update and "```" not in update and "|---|" not in update
    assert (
        update.count("diff-added") == 3
    )  # the heading, the whole code block (its blank line too), the table


def test_a_first_answer_is_shown_as_the_answer_not_as_a_diff(client_in, user, make_question):
    unanswered = make_question(prompt_md="What is a leech?", answer_md="")
    graded_earlier(user, unanswered)
    unanswered.answer_md = "A card you keep forgetting."
    unanswered.save()
    content = client_in.get(reverse("quiz:question", args=[unanswered.pk])).content.decode()
    assert "Answer updated since you last saw it" in content and "It had no reference answer then" in content
    assert "answer-diff-rendered" not in content and content.count("A card you keep forgetting.") == 1


def test_no_change_notice_for_a_first_sight(client_in, user, question):
    question.answer_md = "Changed before this user ever saw it."
    question.save()
    interview = MockInterview.start(user, [question])
    interview.reveal(interview.items.get())
    assert b"Answer updated" not in client_in.get(reverse("quiz:interview-step", args=[interview.pk])).content


def test_question_page_says_the_answer_changed(client_in, user, question):
    graded_earlier(user, question)
    question.answer_md = "Rewritten."
    question.save()
    content = client_in.get(reverse("quiz:question", args=[question.pk])).content.decode()
    assert "Answer updated since you last saw it" in content


def test_no_notice_once_the_user_reviewed_the_new_answer(user, question):
    graded_earlier(user, question, days_ago=5)
    question.answer_md = "Rewritten."
    question.save()
    graded_earlier(user, question, days_ago=0)
    assert answer_update_for(question, user) is None


def test_answer_never_changed_costs_no_query(user, question, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert answer_update_for(question, user) is None


def test_diff_marks_words_escapes_and_cuts_long_unchanged_runs():
    old = "\n".join(["same"] * 10 + ["The <b>old</b> word here."])
    new = "\n".join(["same"] * 10 + ["The <b>new</b> word here."])
    html = str(diff_html(old, new))
    assert "<del>old</del><ins>new</ins>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert html.count("diff-same") == 2 and "diff-gap" in html


# -- admin --


def test_admin_shows_open_flags_on_the_question(admin_client, user, question):
    flag(user, question, comment=SCRIPT)
    content = admin_client.get(reverse("admin:quiz_question_change", args=[question.pk])).content
    assert b"Open flags" in content and b"&lt;script&gt;" in content and b"<script>alert" not in content


def test_admin_history_links_to_a_diff_of_any_two_revisions(admin_client, question):
    first = latest_revision(question)
    question.answer_md = "Second <version>."
    question.save()
    history = admin_client.get(reverse("admin:quiz_question_history", args=[question.pk])).content.decode()
    diff_url = reverse("admin:quiz_question_answer_diff", args=[question.pk])
    assert diff_url in history
    response = admin_client.get(diff_url, {"from": first, "to": latest_revision(question)})
    content = response.content.decode()
    assert response.status_code == 200
    assert "<del>" in content and "&lt;version&gt;" in content


def test_admin_diff_needs_staff(client_in, question):
    url = reverse("admin:quiz_question_answer_diff", args=[question.pk])
    assert client_in.get(url).status_code == 302


def test_an_admin_edit_resolves_accepted_flags(admin_client, staff_user, user, question):
    raised = flag(user, question)
    raised.accept(staff_user)
    url = reverse("admin:quiz_question_change", args=[question.pk])
    response = admin_client.post(url, {"answer_md": "Fixed in admin.", "_save": "Save"})
    assert response.status_code == 302
    raised.refresh_from_db()
    assert raised.status == Flag.Status.RESOLVED and raised.resolved_revision_id == latest_revision(question)


# -- the menu --


def test_menu_shows_the_review_queue_to_reviewers_and_staff(client_in, reviewer_client, question):
    assert b"Review queue" in reviewer_client.get(MY_FLAGS).content
    assert b"Review queue" in signed_in(make_user("stan", is_staff=True)).get(MY_FLAGS).content
    assert b"Review queue" not in client_in.get(MY_FLAGS).content


def test_menu_link_follows_a_change_of_role_without_signing_out(question):
    person = make_user("newbie")
    client = signed_in(person)
    assert b"Review queue" not in client.get(MY_FLAGS).content
    person.groups.add(Group.objects.get(name="Reviewers"))
    assert b"Review queue" in client.get(MY_FLAGS).content  # on the next page, without signing in again
    person.groups.clear()
    assert client.get(QUEUE).status_code == 403
    assert b"Review queue" not in client.get(MY_FLAGS).content


# -- markdown the renderer refuses (issue 16.1, 16.2): a form error, never a 500, nothing saved

TOO_LONG = "x" * (MAX_MARKDOWN_CHARS + 1)
TOO_DEEP = "- " * 600 + "x"


@pytest.mark.parametrize(("answer", "message"), [(TOO_LONG, b"at most"), (TOO_DEEP, b"nested more than")])
def test_an_answer_the_renderer_refuses_is_a_form_error(reviewer_client, question, answer, message):
    response = reviewer_client.post(edit_url(question), edit_post(question, answer))
    assert response.status_code == 200 and message in response.content
    question.refresh_from_db()
    assert question.answer_md == "An **iterator** that yields lazily."


@pytest.mark.parametrize("answer", [TOO_LONG, TOO_DEEP])
def test_a_preview_the_renderer_refuses_says_why(reviewer_client, question, answer):
    fragment = reviewer_client.post(edit_url(question), edit_post(question, answer, preview="1"), **HTMX)
    assert fragment.status_code == 200 and b'class="form-errors"' in fragment.content
    page = reviewer_client.post(edit_url(question), edit_post(question, answer, preview="1"))
    assert page.status_code == 200 and b'class="form-errors"' in page.content


def test_answers_saved_after_a_refused_one_keep_their_paragraphs(reviewer_client, question):
    reviewer_client.post(edit_url(question), edit_post(question, TOO_DEEP, preview="1"))
    reviewer_client.post(edit_url(question), edit_post(question, "First.\n\nSecond."))
    question.refresh_from_db()
    assert question.answer_html == "<p>First.</p>\n<p>Second.</p>"


def test_an_answer_at_the_limit_posted_with_crlf_line_breaks_is_saved(reviewer_client, question):
    lines = ["x" * 99] * (MAX_MARKDOWN_CHARS // 100)  # exactly the limit with "\n", over it with "\r\n"
    response = reviewer_client.post(edit_url(question), edit_post(question, "\r\n".join(lines)))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer_md == "\n".join(lines)


# Who reviewed a flag, and what the flagger reads back


def test_accepting_a_flag_records_the_reviewer(user, six_questions):
    reviewer = another_user("rita")
    raised = Flag.objects.create(user=user, question=six_questions[0], reason=Flag.Reason.WRONG)
    assert raised.accept(reviewer)
    raised.refresh_from_db()
    assert (raised.status, raised.reviewed_by) == (Flag.Status.ACCEPTED, reviewer)


def test_a_flag_dismissed_without_a_note_tells_the_flagger_so(client_in, user, six_questions):
    raised = Flag.objects.create(user=user, question=six_questions[0], reason=Flag.Reason.WRONG)
    raised.dismiss(another_user("rita"))
    html = client_in.get(reverse("quiz:my-flags")).content.decode()
    assert "without a note" in html
    assert "The reviewer's note" not in html


def test_a_second_reviewer_dismissing_a_dismissed_flag_is_told_and_changes_nothing(user, six_questions):
    raised = Flag.objects.create(user=user, question=six_questions[0], reason=Flag.Reason.WRONG)
    first, second = another_user("rita"), another_user("sam")
    assert Flag.objects.get(pk=raised.pk).dismiss(first, "Right as it is.")
    assert not Flag.objects.get(pk=raised.pk).dismiss(second, "Changed my mind.")
    raised.refresh_from_db()
    assert (raised.reviewed_by, raised.reviewer_note) == (first, "Right as it is.")


def test_a_flag_resolved_by_an_edit_records_who_resolved_it_and_when(client_in, user, six_questions):
    editor = another_user("rita")
    raised = Flag.objects.create(user=user, question=six_questions[0], reason=Flag.Reason.WRONG)
    raised.accept(editor)
    when = timezone.now() + timedelta(days=2)
    with time_machine.travel(when, tick=False):
        resolved = six_questions[0].replace_answer("Better.", by=editor, base_revision=None, reason="fix")
    raised.refresh_from_db()
    assert resolved == 1
    assert (raised.status, raised.reviewed_by, raised.reviewed_at) == (Flag.Status.RESOLVED, editor, when)
    assert raised.updated_at == when
    html = client_in.get(reverse("quiz:my-flags")).content.decode()
    assert f"Resolved with an edit on {when:%-d %b %Y}" in html


def test_the_account_menu_links_my_flags_on_every_page(client_in):
    for url in ["/", "/history/", "/account/"]:
        assert f'href="{reverse("quiz:my-flags")}"' in client_in.get(url).content.decode(), url


def test_home_tells_the_flagger_once_what_reviewers_made_of_their_flags(
    client_in, user, question, make_question
):
    reviewer = get_user_model().objects.create_user("rita-reviewer")
    other = make_question()
    accepted = Flag.objects.create(user=user, question=question, reason=Flag.Reason.WRONG)
    dismissed = Flag.objects.create(user=user, question=other, reason=Flag.Reason.TYPO)
    home = client_in.get(reverse("quiz:home")).content.decode()
    assert "News of your flags" not in home  # nothing reviewed yet
    accepted.accept(reviewer)
    dismissed.dismiss(reviewer, "It reads correctly.")
    home = client_in.get(reverse("quiz:home")).content.decode()
    assert "News of your flags" in home
    assert '<li data-status="accepted"><strong>Accepted</strong>' in home
    assert '<li data-status="dismissed"><strong>Dismissed</strong>' in home and "with a note" in home
    my_flags = client_in.get(reverse("quiz:my-flags")).content.decode()
    assert my_flags.count('<span class="badge badge-new">New</span>') == 2
    assert "News of your flags" not in client_in.get(reverse("quiz:home")).content.decode()
    assert "badge-new" not in client_in.get(reverse("quiz:my-flags")).content.decode()
    # A later review (the accepted flag resolved by an edit) is news again.
    Flag.objects.filter(pk=accepted.pk).resolve(revision_id=None, by=reviewer)
    home = client_in.get(reverse("quiz:home")).content.decode()
    assert '<li data-status="resolved"><strong>Fixed</strong>' in home


def test_another_users_reviewed_flags_are_not_my_news(client_in, question):
    someone = get_user_model().objects.create_user("someone")
    flag = Flag.objects.create(user=someone, question=question, reason=Flag.Reason.WRONG)
    flag.dismiss(someone)
    assert "News of your flags" not in client_in.get(reverse("quiz:home")).content.decode()


POINTS = [
    "Bias is error from wrong assumptions",
    "Variance is sensitivity to the sample",
    "More data cuts variance",
    "Regularisation trades variance for bias",
    "Cross-validation measures the balance",
]


def test_one_key_point_added_shows_as_one_added_line(client_in, user, question):
    question.answer_md = "Simple models underfit. Flexible ones overfit.\n\nKey points:\n" + "\n".join(
        f"- {point}" for point in POINTS
    )
    question.save()
    graded_earlier(user, question, days_ago=1)
    question.answer_md = "Simple models underfit. Flexible ones overfit, badly.\n\nKey points:\n" + "\n".join(
        f"- {point}" for point in [*POINTS, "Ensembles average away variance"]
    )
    question.save()
    content = client_in.get(reverse("quiz:question", args=[question.pk])).content.decode()
    update = content[
        content.index("answer-diff-rendered") : content.index("</section>", content.index("answer-diff"))
    ]
    assert update.count("diff-added") == 2 and update.count("diff-removed") == 1  # one point, one sentence
    assert "Ensembles average away variance" in update
    assert not any(point in update for point in POINTS)
    removed = update[update.index("diff-removed") : update.index("diff-added")]
    assert "Flexible ones overfit." in removed and "Simple models underfit." not in removed
