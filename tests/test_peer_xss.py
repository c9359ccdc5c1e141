"""The XSS corpus (tests/security/xss_payloads.txt) through a peer interview: the candidate's typed notes (on
the interviewer's screen, in its poll and the matcher's phrases beside each key point), the interviewer's
notes and rubric, and both sides' results. Every payload must come out as text: nothing that could run script,
restyle the page or make a request that the same page with benign text does not have."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from quiz import peers
from quiz.answer_parts import join_key_points
from quiz.models import Grade, InterviewItem, PeerAssessment
from quiz.models.peers import NOTES_MAX
from tests.test_xss import PAYLOADS, _batches, linebreaks_br, live_markup, page_nonce

HTMX = {"HX-Request": "true"}
BATCHES = _batches(PAYLOADS, NOTES_MAX)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(make_question):
    users = get_user_model().objects
    candidate, interviewer = users.create_user("ada"), users.create_user("grace")
    questions = [
        make_question(
            prompt_md=f"Question {n}?",
            answer_md=join_key_points(
                "Reference.", ["Accuracy hides the minority class", "Use a stratified split"]
            ),
        )
        for n in range(len(BATCHES))
    ]
    interview, invite = peers.start(candidate, questions)
    interview = peers.accept(invite.token, interviewer)
    return interview, client_for(candidate), client_for(interviewer)


def _screens(interview, candidate: Client, interviewer: Client) -> dict[str, object]:
    screen = reverse("quiz:peer-interview", args=[interview.pk])
    poll = reverse("quiz:peer-poll", args=[interview.pk])
    return {
        "interviewer screen": interviewer.get(screen),
        "interviewer poll": interviewer.get(poll, headers=HTMX),
        "candidate screen": candidate.get(screen),
    }


def _write(interview, item: InterviewItem, text: str) -> None:
    InterviewItem.objects.filter(pk=item.pk).update(answer_text=text)
    PeerAssessment.objects.update_or_create(item=item, defaults={"notes": text, "depth": 2})
    peers.bump(interview)


def test_payloads_in_notes_stay_inert_on_both_screens_and_results(world):
    interview, candidate, interviewer = world
    assert len(BATCHES) >= 2 and all(len(batch) <= NOTES_MAX for batch in BATCHES)
    problems = {}
    for n, batch in enumerate(BATCHES):
        item = interview.current_item()
        _write(interview, item, f"Plain notes number {n}.")
        benign = _screens(interview, candidate, interviewer)
        # Through the views the two sides post to, as a browser would.
        notes_url = reverse("quiz:peer-notes", args=[interview.pk, item.pk])
        assert candidate.post(notes_url, {"answer_text": batch}, headers=HTMX).status_code == 200
        assess_url = reverse("quiz:peer-assess", args=[interview.pk, item.pk])
        assert interviewer.post(assess_url, {"notes": batch, "depth": 2}, headers=HTMX).status_code == 200
        for label, response in _screens(interview, candidate, interviewer).items():
            html = response.content.decode()
            found = live_markup(html, benign[label].content.decode(), nonce=page_nonce(response))
            if found:
                problems[f"{label} batch {n}"] = found[:10]
            if label.startswith("interviewer"):
                assert linebreaks_br(batch) in html, f"{label}: the notes are not shown as typed"
        peers.move_on(interview, item, Grade.GOOD, follow_up=False)
    assert problems == {}
    interview.refresh_from_db()
    assert interview.is_over()
    results = reverse("quiz:peer-results", args=[interview.pk])
    hostile = {"candidate": candidate.get(results), "interviewer": interviewer.get(results)}
    for side, response in hostile.items():
        html = response.content.decode()
        for batch in BATCHES:
            assert html.count(linebreaks_br(batch)) == 2, f"{side}: typed and interviewer's notes, as written"
    for n, item in enumerate(interview.items.order_by("position")):
        _write(interview, item, f"Plain notes number {n}.")
    for side, client in (("candidate", candidate), ("interviewer", interviewer)):
        benign = client.get(results).content.decode()
        response = hostile[side]
        assert live_markup(response.content.decode(), benign, nonce=page_nonce(response)) == [], side


@pytest.mark.parametrize("field", ["correctness", "grade"])
def test_payloads_posted_as_rubric_levels_are_refused_and_shown_inert(world, field):
    interview, _, interviewer = world
    item = interview.current_item()
    url = reverse("quiz:peer-assess", args=[interview.pk, item.pk])
    benign = interviewer.post(url, {field: "nine", "action": "save"}).content.decode()
    problems = {}
    for n, payload in enumerate(PAYLOADS):
        response = interviewer.post(url, {field: payload, "action": "save"})
        assert response.status_code == 422
        if found := live_markup(response.content.decode(), benign, nonce=page_nonce(response)):
            problems[f"payload {n}"] = found[:5]
    assert problems == {}
    assert not PeerAssessment.objects.filter(item=item).exclude(**{field: None}).exists()
