"""Peer mock interviews: the invite (single use, 24 hours, revocable, not for the candidate), the two screens,
the interviewer's grade on the candidate's schedule, the polls' ETags, leaving, switching roles."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz import peers
from quiz.answer_parts import join_key_points
from quiz.models import (
    Grade,
    InterviewItem,
    MockInterview,
    PeerAssessment,
    PeerInvite,
    PracticeDay,
    ReviewState,
)
from quiz.models.peers import INVITE_LIFETIME, RUBRIC_LEVELS

HTMX = {"HX-Request": "true"}
KEY_POINTS = [
    "Accuracy hides the minority class",
    "Reweight the loss, resample the data, or move the decision threshold",
    "Report precision, recall and PR-AUC, with a stratified split",
]
NOTES = "Accuracy hides the minority class, so I would reweight the loss and report precision and recall."


@pytest.fixture
def questions(make_question):
    first = make_question(
        prompt_md="How do you train on imbalanced classes?",
        answer_md=join_key_points("Several levers, none of them accuracy.", KEY_POINTS),
    )
    follow_up = make_question(
        prompt_md="And how would you detect that drift in production?",
        answer_md=join_key_points("Monitor it.", ["Track the class balance of live predictions"]),
        parent=first,
    )
    second = make_question(prompt_md="What is a generator?", answer_md="An iterator that yields lazily.")
    return first, follow_up, second


@pytest.fixture
def interviewer(db):
    return get_user_model().objects.create_user("grace", password="x-grace-x")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def poll_etag_of(client: Client, pk: int, role: str, version: int) -> str:
    """The ETag the app would give ``client``'s session for that screen at that version."""
    return peers.poll_etag(client.cookies["sessionid"].value, pk, role, version)


@pytest.fixture
def peer(user, questions):
    """A peer interview of ``user`` over the first question (with its follow-up) and the second, 5 minutes
    a question, nobody joined yet."""
    first, follow_up, second = questions
    interview, invite = peers.start(
        user, [first, second], seconds_per_question=300, follow_ups={first.pk: [follow_up]}, setup={"x": 1}
    )
    return interview, invite


@pytest.fixture
def joined(peer, interviewer):
    interview, invite = peer
    return peers.accept(invite.token, interviewer)


def join_url(invite) -> str:
    return reverse("quiz:peer-join", args=[invite.token])


def current(interview) -> InterviewItem:
    return MockInterview.objects.get(pk=interview.pk).current_item()


# The invite


def test_invite_token_is_long_random_and_expires_in_a_day(peer):
    interview, invite = peer
    tokens = {PeerInvite.issue(interview).token for _ in range(20)} | {invite.token}
    assert len(tokens) == 21 and all(len(token) >= 40 for token in tokens)
    assert invite.expires_at - invite.created_at == INVITE_LIFETIME == timedelta(hours=24)
    assert invite.state() == PeerInvite.State.OPEN


def test_the_clock_starts_when_the_interviewer_joins_not_while_the_candidate_waits(peer, interviewer):
    interview, invite = peer
    assert interview.deadline is None  # waiting: no time runs
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        joined = peers.accept(invite.token, interviewer)
        assert joined.deadline == timezone.now() + timedelta(
            seconds=2 * 300
        )  # two questions; follow-ups share the time
        assert joined.current_item().started_at == timezone.now()
        assert not joined.is_over()


def test_join_page_asks_before_taking_the_seat_and_the_button_joins(peer, interviewer):
    interview, invite = peer
    client = client_for(interviewer)
    page = client.get(join_url(invite))
    assert page.status_code == 200 and b"Join as the interviewer" in page.content
    interview.refresh_from_db()
    assert interview.interviewer is None  # a link preview's GET takes nothing
    response = client.post(join_url(invite))
    assert response.url == reverse("quiz:peer-interview", args=[interview.pk])
    interview.refresh_from_db()
    invite.refresh_from_db()
    assert interview.interviewer == interviewer and invite.accepted_by == interviewer
    # Opening the link again later brings the interviewer back to their screen.
    assert client.get(join_url(invite)).url == reverse("quiz:peer-interview", args=[interview.pk])


def test_the_candidate_cannot_use_their_own_link(peer, user):
    interview, invite = peer
    client = client_for(user)
    for response in (client.get(join_url(invite)), client.post(join_url(invite))):
        assert response.status_code == 403
        assert b"your own invite link" in response.content
    interview.refresh_from_db()
    assert interview.interviewer is None


def test_a_second_user_gets_a_clear_page_for_a_used_link(joined, peer):
    _, invite = peer
    third = client_for(get_user_model().objects.create_user("bob"))
    for response in (third.get(join_url(invite)), third.post(join_url(invite))):
        assert response.status_code == 410
        assert b"already been used" in response.content
    joined.refresh_from_db()
    assert joined.interviewer.username == "grace"


def test_an_expired_link_gets_a_clear_page(peer, interviewer):
    interview, invite = peer
    with time_machine.travel(invite.expires_at + timedelta(seconds=1), tick=False):
        response = client_for(interviewer).post(join_url(invite))
    assert response.status_code == 410 and b"has expired" in response.content
    interview.refresh_from_db()
    assert interview.interviewer is None


def test_a_link_still_works_a_second_before_it_expires(peer, interviewer):
    interview, invite = peer
    with time_machine.travel(invite.expires_at - timedelta(seconds=1), tick=False):
        client_for(interviewer).post(join_url(invite))
    interview.refresh_from_db()
    assert interview.interviewer == interviewer


def test_a_revoked_link_gets_a_clear_page_and_a_new_link_works(peer, user, interviewer):
    interview, invite = peer
    candidate = client_for(user)
    candidate.post(reverse("quiz:peer-invite-revoke", args=[interview.pk]))
    response = client_for(interviewer).post(join_url(invite))
    assert response.status_code == 410 and b"withdrawn" in response.content
    page = candidate.get(reverse("quiz:peer-invite", args=[interview.pk]))
    assert b"You revoked the link" in page.content
    candidate.post(reverse("quiz:peer-invite-new", args=[interview.pk]))
    new = interview.invites.first()
    assert new.token != invite.token
    client_for(interviewer).post(join_url(new))
    interview.refresh_from_db()
    assert interview.interviewer == interviewer


def test_an_unknown_link_is_a_404_page_not_an_error(interviewer, db):
    response = client_for(interviewer).get(reverse("quiz:peer-join", args=["no-such-token"]))
    assert response.status_code == 404 and b"not one we know" in response.content


def test_a_stranger_is_sent_to_sign_in_first(peer):
    _, invite = peer
    response = Client().get(join_url(invite))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_invite_page_shows_the_link_with_a_copy_button_and_no_inline_script(peer, user):
    interview, invite = peer
    page = client_for(user).get(reverse("quiz:peer-invite", args=[interview.pk]))
    html = page.content.decode()
    assert f"/peer/join/{invite.token}/" in html
    assert 'data-copy="invite-link"' in html and "Revoke the link" in html
    assert "<script>" not in html and "onclick" not in html


def test_setup_page_starts_a_peer_interview_with_the_same_options(client_in, user, questions):
    section = questions[0].section
    page = client_in.get(reverse("quiz:interview-new"))
    assert b"Start a peer interview" in page.content
    data = {
        "banks": [section.bank_id],
        "question_count": 2,
        "timing": "total",
        "minutes": 20,
        "updates_schedule": "on",
        "follow_ups": "on",
    }
    response = client_in.post(reverse("quiz:peer-new"), data)
    interview = MockInterview.objects.get(user=user)
    assert response.url == reverse("quiz:peer-invite", args=[interview.pk])
    assert interview.kind == MockInterview.Kind.PEER and interview.question_count == 2
    assert interview.setup["budget_seconds"] == 20 * 60 and interview.deadline is None
    assert interview.items.filter(follows__isnull=False).count() == 1  # the follow-up came along


# The screens


def test_interviewer_screen_shows_answer_key_points_with_suggestions_rubric_and_controls(joined, interviewer):
    item = current(joined)
    peers.save_notes(joined, item, NOTES)
    html = client_for(interviewer).get(reverse("quiz:peer-interview", args=[joined.pk])).content.decode()
    assert "Several levers, none of them accuracy." in html  # the reference answer
    for point in KEY_POINTS:
        assert point in html
    assert "Matcher: covered" in html  # from the candidate's notes
    assert NOTES in html
    for levels in RUBRIC_LEVELS.values():
        for meaning in levels.values():
            assert meaning in html
    for control in ("Give a hint", "Ask a follow-up", "Next question", "End the interview"):
        assert control in html


def test_candidate_screen_shows_prompt_clock_and_box_but_not_the_answer(joined, user):
    html = client_for(user).get(reverse("quiz:peer-interview", args=[joined.pk])).content.decode()
    assert "How do you train on imbalanced classes?" in html
    assert 'class="countdown-value"' in html and 'id="answer-text"' in html
    assert "Several levers" not in html
    for point in KEY_POINTS:
        assert point not in html


def test_candidate_waiting_for_an_interviewer_is_shown_the_invite(peer, user):
    interview, _ = peer
    response = client_for(user).get(reverse("quiz:peer-interview", args=[interview.pk]))
    assert response.url == reverse("quiz:peer-invite", args=[interview.pk])


def test_candidates_notes_are_saved_and_shown_to_the_interviewer(joined, user, interviewer):
    item = current(joined)
    url = reverse("quiz:peer-notes", args=[joined.pk, item.pk])
    response = client_for(user).post(url, {"answer_text": NOTES}, headers=HTMX)
    assert response.status_code == 200 and b"Saved" in response.content
    poll = client_for(interviewer).get(reverse("quiz:peer-poll", args=[joined.pk]), headers=HTMX)
    assert NOTES.encode() in poll.content


def test_notes_without_javascript_redirect_back_to_the_screen(joined, user):
    item = current(joined)
    response = client_for(user).post(
        reverse("quiz:peer-notes", args=[joined.pk, item.pk]), {"answer_text": "x"}
    )
    assert response.url == reverse("quiz:peer-interview", args=[joined.pk])
    item.refresh_from_db()
    assert item.answer_text == "x"


def test_notes_into_a_question_the_interviewer_moved_on_from_are_refused_with_a_reason(joined, user):
    item = current(joined)
    peers.move_on(joined, item, Grade.GOOD, follow_up=False)
    response = client_for(user).post(
        reverse("quiz:peer-notes", args=[joined.pk, item.pk]), {"answer_text": "late"}, headers=HTMX
    )
    assert response.status_code == 409 and b"moved on" in response.content


def test_hint_from_the_interviewer_reaches_the_candidate_and_caps_the_suggestion(joined, interviewer, user):
    item = current(joined)
    client_for(interviewer).post(reverse("quiz:peer-assess", args=[joined.pk, item.pk]), {"action": "hint"})
    item.refresh_from_db()
    assert item.hints_used == 1
    html = client_for(user).get(reverse("quiz:peer-interview", args=[joined.pk])).content.decode()
    assert "Accuracy hides the minority class" in html  # the first hint's gist
    ticks = [0, 1, 2]
    assert (
        peers.suggested(item, ticks, peers.suggestions(item, ticks)) == Grade.GOOD
    )  # all ticked, but hinted


def test_notes_that_contradict_a_point_suggest_partial_at_most_to_the_interviewer(joined, interviewer):
    item = current(joined)
    points = item.question.key_points
    peers.save_notes(joined, item, "Accuracy never hides the minority class, so just report accuracy.")
    item.refresh_from_db()
    ticks = list(range(len(points)))
    shown = peers.suggestions(item, ticks)
    assert "contradicted" in {row.state for row in shown}
    assert peers.suggested(item, ticks, shown) == Grade.PARTIAL  # every point ticked, one said otherwise
    html = client_for(interviewer).get(reverse("quiz:peer-interview", args=[joined.pk])).content.decode()
    assert "Matcher: says otherwise" in html


def test_interviewers_grade_feeds_the_candidates_schedule_and_tallies(joined, interviewer, user):
    item = current(joined)
    client_for(interviewer).post(
        reverse("quiz:peer-assess", args=[joined.pk, item.pk]),
        {
            "ticks": [0, 2],
            "correctness": 3,
            "depth": 2,
            "communication": 4,
            "grade": Grade.GOOD,
            "notes": "Good on metrics.",
            "action": "next",
        },
    )
    item.refresh_from_db()
    assert item.grade == Grade.GOOD and item.ticks == [True, False, True]
    card = ReviewState.objects.get(user=user, question=item.question)
    assert card.last_review is not None
    assert not ReviewState.objects.filter(user=interviewer).exists()
    tally = PracticeDay.objects.get(user=user, grade=Grade.GOOD)
    assert tally.done == 1 and tally.ticked == 1
    assessment = PeerAssessment.objects.get(item=item)
    assert (assessment.correctness, assessment.depth, assessment.communication) == (3, 2, 4)
    # "Next question" passed over the follow-up: the second question is asked now, the follow-up unasked.
    now = current(joined)
    assert now.question.prompt_md == "What is a generator?"
    follow_up = joined.items.get(follows=item)
    assert follow_up.skipped and follow_up.started_at is None


def test_ask_a_follow_up_asks_the_chains_next_question(joined, interviewer):
    item = current(joined)
    client_for(interviewer).post(
        reverse("quiz:peer-assess", args=[joined.pk, item.pk]),
        {"grade": Grade.PARTIAL, "action": "follow_up"},
    )
    assert current(joined).follows_id == item.pk


def test_moving_on_without_a_grade_is_refused_and_keeps_the_rest(joined, interviewer):
    item = current(joined)
    response = client_for(interviewer).post(
        reverse("quiz:peer-assess", args=[joined.pk, item.pk]),
        {"notes": "Kept.", "depth": 3, "action": "next"},
    )
    assert response.status_code == 422 and b"Choose a grade" in response.content
    assert current(joined).pk == item.pk
    assert PeerAssessment.objects.get(item=item).notes == "Kept."


def test_a_double_click_on_next_grades_once(joined, interviewer):
    item = current(joined)
    client = client_for(interviewer)
    url = reverse("quiz:peer-assess", args=[joined.pk, item.pk])
    client.post(url, {"grade": Grade.GOOD, "action": "next"})
    second = current(joined)
    client.post(url, {"grade": Grade.MISSED, "action": "next"})
    item.refresh_from_db()
    assert item.grade == Grade.GOOD and current(joined).pk == second.pk


def test_interviewer_autosave_keeps_rubric_and_notes(joined, interviewer):
    item = current(joined)
    response = client_for(interviewer).post(
        reverse("quiz:peer-assess", args=[joined.pk, item.pk]),
        {"notes": "So far so good", "ticks": [1]},
        headers=HTMX,
    )
    assert response.status_code == 200 and b"Saved" in response.content
    assessment = PeerAssessment.objects.get(item=item)
    assert assessment.notes == "So far so good" and assessment.ticks == [1]


@pytest.mark.parametrize("who", ["candidate", "interviewer"])
def test_either_side_can_leave_and_nothing_is_lost(joined, user, interviewer, who):
    item = current(joined)
    peers.save_notes(joined, item, NOTES)
    peers.save_assessment(joined, item, {"notes": "Half way", "depth": 2, "ticks": [0]})
    client = client_for(user if who == "candidate" else interviewer)
    response = client.post(reverse("quiz:peer-leave", args=[joined.pk]))
    assert response.url == reverse("quiz:peer-results", args=[joined.pk])
    joined.refresh_from_db()
    assert joined.ending == MockInterview.Ending.ENDED_EARLY
    for side in (user, interviewer):
        html = client_for(side).get(reverse("quiz:peer-results", args=[joined.pk])).content.decode()
        assert NOTES in html and "Half way" in html and "2 / 4: " + RUBRIC_LEVELS["depth"][2] in html


def test_end_with_a_grade_chosen_grades_then_ends(joined, interviewer):
    item = current(joined)
    client_for(interviewer).post(
        reverse("quiz:peer-assess", args=[joined.pk, item.pk]), {"grade": Grade.NAILED, "action": "end"}
    )
    item.refresh_from_db()
    joined.refresh_from_db()
    assert item.grade == Grade.NAILED and joined.is_finished


def test_results_show_rubric_ticks_and_notes_per_question_to_both(joined, user, interviewer):
    item = current(joined)
    peers.save_notes(joined, item, NOTES)
    peers.save_assessment(
        joined,
        item,
        {"ticks": [0], "correctness": 4, "depth": 1, "communication": 3, "notes": "Probe depth."},
    )
    peers.move_on(joined, item, Grade.PARTIAL, follow_up=False)
    peers.leave(joined)
    for side in (user, interviewer):
        html = client_for(side).get(reverse("quiz:peer-results", args=[joined.pk])).content.decode()
        assert "Covered:</span> Accuracy hides the minority class" in html
        assert "Missed:</span> Report precision" in html
        assert "4 / 4: " + RUBRIC_LEVELS["correctness"][4] in html
        assert "Probe depth." in html and "Several levers" in html and "Switch roles" in html


def test_switch_roles_starts_the_mirror_with_the_same_two_people_once(joined, user, interviewer, questions):
    peers.leave(joined)
    first = client_for(interviewer).post(reverse("quiz:peer-switch", args=[joined.pk]))
    second = client_for(user).post(reverse("quiz:peer-switch", args=[joined.pk]))
    mirror = MockInterview.objects.get(setup__mirror_of=joined.pk)
    assert first.url == second.url == reverse("quiz:peer-interview", args=[mirror.pk])
    assert (mirror.user, mirror.interviewer) == (interviewer, user)
    assert mirror.kind == MockInterview.Kind.PEER and mirror.deadline is not None
    # Each lands on their new role's screen.
    assert b"You are the candidate" in client_for(interviewer).get(first.url).content
    assert b"You are interviewing" in client_for(user).get(first.url).content


def test_the_solo_loop_refuses_a_peer_interviews_steps(joined, user):
    item = current(joined)
    client = client_for(user)
    assert client.get(reverse("quiz:interview-step", args=[joined.pk])).url == reverse(
        "quiz:peer-interview", args=[joined.pk]
    )
    for name in ("item-reveal", "item-skip"):
        assert client.post(reverse(f"quiz:{name}", args=[joined.pk, item.pk])).status_code == 404
    response = client.post(reverse("quiz:item-grade", args=[joined.pk, item.pk]), {"grade": Grade.NAILED})
    assert response.status_code == 404  # the candidate cannot grade themselves
    item.refresh_from_db()
    assert item.grade is None


# Polling


def test_a_poll_with_nothing_new_is_a_304_after_one_query(joined, interviewer, django_assert_num_queries):
    client = client_for(interviewer)
    url = reverse("quiz:peer-poll", args=[joined.pk])
    first = client.get(url, headers=HTMX)
    etag = first["ETag"]
    with django_assert_num_queries(1):  # the interview's version: no session, no user
        again = client.get(url, headers={**HTMX, "If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    assert "no-store" in again["Cache-Control"] and "private" in again["Cache-Control"]


def test_a_poll_etag_holds_only_for_the_session_it_was_sent_to(joined, interviewer):
    """Another session (another browser, or someone who copied the ETag) sending it goes through the whole
    stack, where the view checks who may see what: the interviewer's second browser gets the screen anew."""
    url = reverse("quiz:peer-poll", args=[joined.pk])
    etag = client_for(interviewer).get(url, headers=HTMX)["ETag"]
    response = client_for(interviewer).get(url, headers={**HTMX, "If-None-Match": etag})
    assert response.status_code == 200 and response["ETag"] != etag
    stranger = client_for(get_user_model().objects.create_user("stranger", password="pw-stranger-1"))
    assert stranger.get(url, headers={**HTMX, "If-None-Match": etag}).status_code == 404


def test_a_signed_out_session_gets_nothing_once_the_interview_changes(joined, user, interviewer):
    client = client_for(interviewer)
    url = reverse("quiz:peer-poll", args=[joined.pk])
    etag = client.get(url, headers=HTMX)["ETag"]
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    peers.save_notes(joined, current(joined), "typed after sign-out")
    response = replay.get(url, headers={**HTMX, "If-None-Match": etag})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert b"typed after sign-out" not in response.content


def test_a_poll_etag_with_a_forged_signature_goes_to_the_view(joined, interviewer):
    client = client_for(interviewer)
    url = reverse("quiz:peer-poll", args=[joined.pk])
    etag = client.get(url, headers=HTMX)["ETag"]
    forged = etag[:-25] + "0" * 24 + '"'
    response = client.get(url, headers={**HTMX, "If-None-Match": forged})
    assert response.status_code == 200 and response["ETag"] == etag


def test_a_change_changes_the_etag_and_the_poll_brings_it(joined, user, interviewer):
    client = client_for(interviewer)
    url = reverse("quiz:peer-poll", args=[joined.pk])
    etag = client.get(url, headers=HTMX)["ETag"]
    reading_etag = client.get(url + "?part=reading", headers=HTMX)["ETag"]
    peers.save_notes(joined, current(joined), "typed just now")
    fresh = client.get(url, headers={**HTMX, "If-None-Match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag and b"typed just now" in fresh.content
    assert b"suggestion-0" not in fresh.content  # the matcher's reading is polled apart, less often
    reading = client.get(url + "?part=reading", headers={**HTMX, "If-None-Match": reading_etag})
    assert reading.status_code == 200 and b'id="peer-reading"' in reading.content
    assert b'id="suggestion-0" class="matched' in reading.content and b'hx-swap-oob="true"' in reading.content
    again = client.get(url + "?part=reading", headers={**HTMX, "If-None-Match": reading["ETag"]})
    assert again.status_code == 304


def test_only_the_interviewer_polls_the_matchers_reading(joined, user):
    url = reverse("quiz:peer-poll", args=[joined.pk])
    assert client_for(user).get(url + "?part=reading", headers=HTMX).status_code == 404
    assert client_for(user).get(url + "?part=anything", headers=HTMX).status_code == 404


def test_a_screen_is_not_redrawn_for_what_only_the_other_side_sees(joined, user, interviewer):
    """The candidate's typing redraws the interviewer's screen, not the candidate's own; the interviewer's
    ticks and notes redraw neither (the candidate sees them at the end), and are kept."""
    item = current(joined)
    candidate, watcher = client_for(user), client_for(interviewer)
    url = reverse("quiz:peer-poll", args=[joined.pk])
    candidate_url = url + f"?item={item.pk}&hints=0"
    candidate_etag = candidate.get(candidate_url, headers=HTMX)["ETag"]
    watcher_etag = watcher.get(url, headers=HTMX)["ETag"]

    candidate.post(
        reverse("quiz:peer-notes", args=[joined.pk, item.pk]), {"answer_text": "typed"}, headers=HTMX
    )
    assert candidate.get(candidate_url, headers={**HTMX, "If-None-Match": candidate_etag}).status_code == 304
    seen = watcher.get(url, headers={**HTMX, "If-None-Match": watcher_etag})
    assert seen.status_code == 200 and b"typed" in seen.content
    watcher_etag = seen["ETag"]

    watcher.post(
        reverse("quiz:peer-assess", args=[joined.pk, item.pk]),
        {"ticks": [0], "notes": "Clear on the basics", "correctness": 3},
        headers=HTMX,
    )
    assert candidate.get(candidate_url, headers={**HTMX, "If-None-Match": candidate_etag}).status_code == 304
    assert watcher.get(url, headers={**HTMX, "If-None-Match": watcher_etag}).status_code == 304
    assert peers.assessment_of(item).notes == "Clear on the basics"

    peers.give_hint(joined, item)  # both see a hint
    assert candidate.get(candidate_url, headers={**HTMX, "If-None-Match": candidate_etag}).status_code == 200
    assert watcher.get(url, headers={**HTMX, "If-None-Match": watcher_etag}).status_code == 200


def test_candidate_poll_announces_a_new_question_and_swaps_in_a_new_notes_box(joined, user):
    item = current(joined)
    client = client_for(user)
    url = reverse("quiz:peer-poll", args=[joined.pk]) + f"?item={item.pk}&hints=0"
    peers.move_on(joined, item, Grade.GOOD, follow_up=True)
    html = client.get(url, headers=HTMX).content.decode()
    assert 'data-announce="Follow-up 1 to question 1."' in html
    assert 'id="peer-answer"' in html and 'hx-swap-oob="true"' in html and "data-focus-target" in html


def test_candidate_poll_for_a_change_they_made_announces_nothing_and_keeps_the_box(joined, user):
    item = current(joined)
    client = client_for(user)
    url = reverse("quiz:peer-poll", args=[joined.pk]) + f"?item={item.pk}&hints=0"
    peers.save_notes(joined, item, "mine")
    html = client.get(url, headers=HTMX).content.decode()
    assert "data-announce" not in html and 'id="peer-answer"' not in html and "data-focus-target" not in html


def test_polls_send_both_sides_to_results_when_it_ends(joined, user, interviewer):
    peers.leave(joined)
    for side in (user, interviewer):
        response = client_for(side).get(reverse("quiz:peer-poll", args=[joined.pk]), headers=HTMX)
        assert response["HX-Redirect"] == reverse("quiz:peer-results", args=[joined.pk])


def test_a_poll_after_time_ran_out_goes_to_results_without_a_write(joined, interviewer):
    with time_machine.travel(joined.deadline + timedelta(seconds=1), tick=False):
        response = client_for(interviewer).get(reverse("quiz:peer-poll", args=[joined.pk]), headers=HTMX)
    assert response["HX-Redirect"] == reverse("quiz:peer-results", args=[joined.pk])


def test_waiting_room_poll_moves_the_candidate_on_when_the_interviewer_joins(peer, user, interviewer):
    interview, invite = peer
    client = client_for(user)
    url = reverse("quiz:peer-poll", args=[interview.pk]) + "?waiting=1"
    etag = client.get(reverse("quiz:peer-invite", args=[interview.pk])).content.decode()
    before = client.get(
        url, headers={**HTMX, "If-None-Match": poll_etag_of(client, interview.pk, "candidate", 0)}
    )
    assert before.status_code == 304 and etag
    peers.accept(invite.token, interviewer)
    after = client.get(
        url, headers={**HTMX, "If-None-Match": poll_etag_of(client, interview.pk, "candidate", 0)}
    )
    assert after["HX-Redirect"] == reverse("quiz:peer-interview", args=[interview.pk])


# Access


def test_the_interviewer_sees_that_interview_and_nothing_else_of_the_candidates(
    joined, user, interviewer, questions
):
    solo = MockInterview.start(user, [questions[2]])
    client = client_for(interviewer)
    assert client.get(reverse("quiz:results", args=[joined.pk])).status_code == 404
    assert client.get(reverse("quiz:interview-step", args=[solo.pk])).status_code == 404
    assert client.get(reverse("quiz:peer-interview", args=[solo.pk])).status_code == 404
    assert (
        client.get(reverse("quiz:peer-invite", args=[joined.pk])).status_code == 404
    )  # the candidate's page
    history = client.get(reverse("quiz:history")).content.decode()
    assert "imbalanced" not in history


def test_the_interviewer_cannot_type_the_candidates_notes_nor_the_candidate_grade(joined, user, interviewer):
    item = current(joined)
    notes = client_for(interviewer).post(
        reverse("quiz:peer-notes", args=[joined.pk, item.pk]), {"answer_text": "x"}
    )
    grade = client_for(user).post(
        reverse("quiz:peer-assess", args=[joined.pk, item.pk]), {"grade": Grade.NAILED, "action": "next"}
    )
    assert notes.status_code == grade.status_code == 404
    item.refresh_from_db()
    assert item.answer_text == "" and item.grade is None


def test_a_third_user_sees_nothing_of_the_peer_interview(joined):
    stranger = client_for(get_user_model().objects.create_user("mallory"))
    item = current(joined)
    for url in (
        reverse("quiz:peer-interview", args=[joined.pk]),
        reverse("quiz:peer-poll", args=[joined.pk]),
        reverse("quiz:peer-results", args=[joined.pk]),
    ):
        assert stranger.get(url).status_code == 404
    assert stranger.post(reverse("quiz:peer-leave", args=[joined.pk])).status_code == 404
    assert (
        stranger.post(reverse("quiz:peer-assess", args=[joined.pk, item.pk]), {"action": "end"}).status_code
        == 404
    )


def test_results_page_offers_the_mirror_to_the_side_that_did_not_switch(joined, user, interviewer):
    peers.leave(joined)
    client = client_for(user)
    page = client.get(reverse("quiz:peer-results", args=[joined.pk])).content.decode()
    assert "?part=next" in page and "Switch roles" in page
    url = reverse("quiz:peer-poll", args=[joined.pk]) + "?part=next"
    etag = poll_etag_of(client, joined.pk, "candidate", MockInterview.objects.get(pk=joined.pk).version)
    assert client.get(url, headers={**HTMX, "If-None-Match": etag}).status_code == 304
    client_for(interviewer).post(reverse("quiz:peer-switch", args=[joined.pk]))
    html = client.get(url, headers={**HTMX, "If-None-Match": etag}).content.decode()
    assert "Go to the mirror interview" in html
    assert 'data-announce="Roles switched: the mirror interview has started."' in html
    assert "hx-trigger" not in html  # the polls stop once it is there


def test_a_double_click_on_start_gives_one_peer_interview_and_one_link(user, questions):
    first, _ = peers.start(user, [questions[0]], setup={"question_count": 1})
    again, invite = peers.start(user, [questions[0]], setup={"question_count": 1})
    assert again.pk == first.pk and MockInterview.objects.filter(user=user).count() == 1
    assert PeerInvite.objects.filter(interview=first).count() == 1 and invite.state() == PeerInvite.State.OPEN


def test_starting_a_peer_interview_later_is_a_new_one(user, questions):
    first, _ = peers.start(user, [questions[0]], setup={"question_count": 1})
    with time_machine.travel(timezone.now() + timedelta(seconds=MockInterview.DOUBLE_START_SECONDS + 1)):
        second, _ = peers.start(user, [questions[0]], setup={"question_count": 1})
    first.refresh_from_db()
    assert second.pk != first.pk and first.ending == MockInterview.Ending.ENDED_EARLY


def test_the_interviewers_poll_after_the_candidate_typed_reads_only_what_it_redraws(
    joined, interviewer, django_assert_num_queries
):
    """The middleware's version check, session, user, the view's version and role, the interview, the
    question asked now: the ticks, rubric and follow-ups are not read again for a redraw of the notes, and
    the matcher does not run (its reading is polled apart)."""
    client = client_for(interviewer)
    url = reverse("quiz:peer-poll", args=[joined.pk])
    etag = client.get(url, headers=HTMX)["ETag"]
    peers.save_notes(joined, current(joined), "typed just now")
    with django_assert_num_queries(6):
        fresh = client.get(url, headers={**HTMX, "If-None-Match": etag})
    assert b"typed just now" in fresh.content and b"Matcher:" not in fresh.content
