"""Hints before Reveal: one key point's gist at a time, kept with the item, shown on results, capping the
suggested grade; the step works without JavaScript (a form post) and with htmx (a swap that says the hint)."""

import re

import pytest
from django.urls import reverse

from quiz.answer_parts import join_key_points
from quiz.models import Grade, InterviewItem, MockInterview
from quiz.models.content import suggested_grade
from quiz.models.hints import HINTED_GRADE_CAP, ceiling, gist

HTMX = {"HTTP_HX_REQUEST": "true"}
# The bank's own kind of key points, long ones included.
KEY_POINTS = [
    "Accuracy hides the minority class",
    "Reweight the loss, resample the data, or move the decision threshold",
    "Report precision, recall and PR-AUC, with a stratified split",
]


@pytest.fixture
def imbalance(make_question):
    return make_question(
        prompt_md="How do you train on imbalanced classes?",
        answer_md=join_key_points("Several levers, none of them accuracy.", KEY_POINTS),
    )


@pytest.fixture
def interview(user, imbalance, make_question):
    return MockInterview.start(user, [imbalance, make_question()], seconds_per_question=300)


def first_item(interview) -> InterviewItem:
    return interview.items.order_by("position").first()


def hint_url(item) -> str:
    return reverse("quiz:item-hint", args=[item.interview_id, item.pk])


def step_url(interview) -> str:
    return reverse("quiz:interview-step", args=[interview.pk])


# The gist


@pytest.mark.parametrize(
    ("point", "shown"),
    [
        ("Accuracy hides the minority class", "Accuracy hides the minority class"),
        ("Reweight the loss, resample the data, or move the decision threshold", "Reweight the loss…"),
        (
            "Report precision, recall and PR-AUC, with a stratified split",
            "Report precision, recall and PR-AUC…",
        ),
        (
            "Compare the predicted positive rate with the training prior",
            "Compare the predicted positive rate…",
        ),
        ("Use `shift(1)` before rolling so the target day does not leak", "Use `shift(1)` before rolling…"),
    ],
)
def test_a_hint_is_a_key_points_gist_not_the_whole_point(point, shown):
    assert gist(point) == shown


# The suggested grade's cap


def test_a_hinted_answer_is_suggested_good_at_most():
    every, some = [True] * 4, [True, False, False, False]
    assert suggested_grade(every, "typed", ceiling=ceiling(1)) == Grade.GOOD == HINTED_GRADE_CAP
    assert suggested_grade(some, "typed", ceiling=ceiling(2)) == suggested_grade(some, "typed")
    assert suggested_grade(every, "typed", ceiling=ceiling(0)) == Grade.NAILED
    assert suggested_grade([False, False], "", ceiling=ceiling(1)) is None


def test_reveal_after_a_hint_suggests_good_even_with_every_point_covered(interview):
    item = first_item(interview)
    assert interview.give_hint(item, 1)
    interview.reveal(item, answer_text="x")
    item.confirm_ticks([0, 1, 2])
    assert item.suggested_grade == Grade.GOOD
    interview.grade(item, Grade.NAILED, ticks=[0, 1, 2])
    item.refresh_from_db()
    # The candidate still chooses: the grade is theirs, the suggestion was capped.
    assert (item.grade, item.suggested_grade, item.hints_used) == (Grade.NAILED, Grade.GOOD, 1)


def test_the_checklist_tells_the_browser_the_cap(client_in, interview):
    item = first_item(interview)
    client_in.post(hint_url(item), {"hint": 1, "answer_text": ""})
    client_in.post(reverse("quiz:item-reveal", args=[interview.pk, item.pk]), {"answer_text": "x"})
    html = client_in.get(step_url(interview)).content.decode()
    assert f'data-grade-cap="{Grade.GOOD.value}"' in html
    assert "You took a hint, so the suggestion is Good at most." in html


# The step: no JS, htmx, idempotence, access


def test_without_javascript_a_hint_posts_and_the_step_shows_it_with_the_text_kept(client_in, interview):
    item = first_item(interview)
    html = client_in.get(step_url(interview)).content.decode()
    assert re.search(r'name="hint" value="1"\s+formaction="' + re.escape(hint_url(item)), html)
    response = client_in.post(hint_url(item), {"hint": 1, "answer_text": "Accuracy is misleading"})
    assert response.status_code == 302 and response.url == step_url(interview)
    html = client_in.get(step_url(interview)).content.decode()
    assert "<li>Accuracy hides the minority class</li>" in html
    assert "Accuracy is misleading</textarea>" in html
    assert 'name="hint" value="2"' in html and "(2 left)" in html


def test_with_htmx_the_card_comes_back_saying_the_hint_and_focusing_it(client_in, interview):
    item = first_item(interview)
    client_in.post(hint_url(item), {"hint": 1, "answer_text": ""}, **HTMX)
    response = client_in.post(hint_url(item), {"hint": 2, "answer_text": "reweight"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-announce="Hint 2: Reweight the loss…"' in html
    assert '<li tabindex="-1" data-focus-target>Reweight the loss…</li>' in html
    assert html.count("data-focus-target") == 1  # the question heading gives way to the new hint
    assert 'id="announcer"' not in html  # the live region stays outside the swapped card


def test_a_double_click_shows_one_hint(client_in, interview):
    item = first_item(interview)
    for _ in range(2):
        client_in.post(hint_url(item), {"hint": 1, "answer_text": ""}, **HTMX)
    item.refresh_from_db()
    assert item.hints_used == 1


def test_no_more_hints_than_key_points_and_none_after_reveal(client_in, interview):
    item = first_item(interview)
    client_in.post(hint_url(item), {"hint": 99, "answer_text": ""})
    item.refresh_from_db()
    assert item.hints_used == len(KEY_POINTS)
    assert "Another hint" not in client_in.get(step_url(interview)).content.decode()
    other = interview.items.order_by("position")[1]
    interview.grade(item, Grade.GOOD)
    interview.reveal(other)
    client_in.post(hint_url(other), {"hint": 1, "answer_text": ""})
    other.refresh_from_db()
    assert other.hints_used == 0


def test_a_question_without_key_points_offers_no_hint(client_in, user, make_question):
    interview = MockInterview.start(user, [make_question(answer_md="No rubric yet.")])
    assert 'name="hint"' not in client_in.get(step_url(interview)).content.decode()


def test_a_hint_for_a_question_not_asked_now_changes_nothing(client_in, interview):
    second = interview.items.order_by("position")[1]
    client_in.post(hint_url(second), {"hint": 1, "answer_text": ""})
    second.refresh_from_db()
    assert second.hints_used == 0


def test_a_hint_post_without_a_number_is_a_form_error(client_in, interview):
    response = client_in.post(hint_url(first_item(interview)), {"answer_text": "kept"})
    assert response.status_code == 422
    assert "Say which hint." in response.content.decode() and "kept</textarea>" in response.content.decode()


def test_another_user_gets_404_and_a_visitor_the_sign_in_page(client, intruder, interview):
    url = hint_url(first_item(interview))
    assert client.post(url, {"hint": 1}).url.startswith(reverse("login"))
    client.force_login(intruder)
    assert client.post(url, {"hint": 1}).status_code == 404
    assert first_item(interview).hints_used == 0


def test_a_hint_costs_a_fixed_number_of_queries(client_in, interview, django_assert_num_queries):
    # session, user; the step's items in one read; the hint and the typed text in one conditional UPDATE.
    # The card that comes back reads nothing more.
    url = hint_url(first_item(interview))
    with django_assert_num_queries(4):
        client_in.post(url, {"hint": 1, "answer_text": "x"}, **HTMX)


def test_results_show_the_hints_taken(client_in, interview):
    item = first_item(interview)
    interview.give_hint(item, 2)
    interview.end_early()
    html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    assert "2 hints taken" in html
    assert "<li>Accuracy hides the minority class</li><li>Reweight the loss…</li>" in html


def test_a_hint_is_text_never_markup(client_in, user, make_question):
    payload = "<img src=x onerror=alert(1)> is a payload, not a picture"
    question = make_question(answer_md=join_key_points("Body.", [payload, "Second point here"]))
    interview = MockInterview.start(user, [question])
    item = interview.items.get()
    client_in.post(hint_url(item), {"hint": 1, "answer_text": ""})
    html = client_in.get(step_url(interview)).content.decode()
    assert "<img src=x" not in html
    assert "<li>&lt;img src=x onerror=alert…</li>" in html
