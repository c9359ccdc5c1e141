"""What candidates tell the key-point checker (issue 24): every untick of a pre-ticked point and every tick of
one it did not tick is stored at the grade; reviewers see the points corrected most, with the typed words only
of candidates who chose to share them, and can add a phrasing that the checker then accepts."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from quiz.answer_parts import join_key_points, key_point_alternatives
from quiz.feedback import TICK, key_point_coverage
from quiz.models import Grade, KeyPointOverride, MockInterview, Preferences
from tests import test_checklist
from tests.conftest import reviewers_group
from tests.test_checklist import ANSWER, KEY_POINTS, UNSURE_ANSWER

OVERRIDES = reverse("quiz:key-point-overrides")


regularisation = test_checklist.regularisation  # the question the checklist's tests answer


@pytest.fixture
def reviewer(db):
    rita = get_user_model().objects.create_user("rita")
    rita.groups.add(reviewers_group())
    return rita


def graded(user, question, answer, ticks):
    interview = MockInterview.start(user, [question])
    item = interview.current_item()
    interview.reveal(item, answer_text=answer)
    item.refresh_from_db()
    interview.grade(item, Grade.GOOD, ticks=ticks)
    return item


def test_unticking_a_pre_ticked_point_is_stored_without_the_words_by_default(user, regularisation):
    item = graded(user, regularisation, ANSWER, ticks=[2])  # the checker ticked 0 and 2
    override = KeyPointOverride.objects.get()
    assert (override.item, override.index, override.key_point) == (item, 0, KEY_POINTS[0])
    assert (override.state, override.ticked) == (KeyPointOverride.State.COVERED, False)
    assert override.phrase == ""  # sharing is off by default
    assert Preferences.for_user(user).share_phrases is False


def test_confirming_an_unsure_point_is_stored_with_the_words_when_shared(user, regularisation):
    Preferences.objects.create(user=user, share_phrases=True)
    graded(user, regularisation, UNSURE_ANSWER, ticks=[0, 1, 2])
    override = KeyPointOverride.objects.get()
    assert (override.index, override.state, override.ticked) == (1, KeyPointOverride.State.UNSURE, True)
    assert "L2 does something to the weights" in override.phrase


def test_ticks_that_agree_with_the_checker_store_nothing(user, regularisation):
    graded(user, regularisation, ANSWER, ticks=[0, 2])
    assert not KeyPointOverride.objects.exists()


def test_the_reviewer_view_ranks_points_by_rate_and_shows_only_shared_words(
    client, user, intruder, reviewer, regularisation
):
    Preferences.objects.create(user=intruder, share_phrases=True)
    graded(user, regularisation, ANSWER + " Private words of ada.", ticks=[2])  # unticks point 0
    graded(intruder, regularisation, UNSURE_ANSWER, ticks=[0, 1, 2])  # ticks point 1
    graded(intruder, regularisation, ANSWER, ticks=[0, 2])  # agrees
    client.force_login(reviewer)
    rows = client.get(OVERRIDES).context["rows"]
    assert [(r["key_point"], r["overrides"], r["shown"]) for r in rows] == [
        (KEY_POINTS[0], 1, 3),
        (KEY_POINTS[1], 1, 3),
    ]
    html = client.get(OVERRIDES).content.decode()
    assert "<strong>33%</strong> of 3 graded answers corrected it" in html
    assert "L2 does something to the weights" in html
    assert "Private words of ada" not in html


def test_candidates_cannot_open_the_reviewer_view(client_in):
    assert client_in.get(OVERRIDES).status_code == 403


def test_the_reviewer_view_runs_the_same_queries_however_many_corrections(
    client, user, reviewer, regularisation, django_assert_num_queries
):
    client.force_login(reviewer)
    graded(user, regularisation, ANSWER, ticks=[2])
    with django_assert_num_queries(5) as one:
        client.get(OVERRIDES)
    for _ in range(3):
        graded(user, regularisation, UNSURE_ANSWER, ticks=[0, 1, 2])
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(OVERRIDES)


def test_this_phrasing_says_it_adds_an_alternative_the_checker_then_accepts(
    client, user, reviewer, regularisation
):
    Preferences.objects.create(user=user, share_phrases=True)
    graded(user, regularisation, UNSURE_ANSWER, ticks=[0, 1, 2])
    override = KeyPointOverride.objects.get()
    phrasing = "L2 does something to the weights"
    # Before: an answer in those words leaves the point unsure.
    assert key_point_coverage(KEY_POINTS, UNSURE_ANSWER)[1] < TICK
    client.force_login(reviewer)
    url = reverse("quiz:key-point-phrasing", args=[override.pk])
    response = client.post(url, {f"o{override.pk}-phrase": phrasing})
    assert response.status_code == 302
    regularisation.refresh_from_db()
    assert key_point_alternatives(regularisation.answer_md) == [[], [phrasing], []]
    assert regularisation.key_points == KEY_POINTS
    assert f"- {KEY_POINTS[1]}\n  - also: {phrasing}" in regularisation.answer_md
    # After: the next candidate who says it that way gets it ticked.
    later = graded(reviewer, regularisation, UNSURE_ANSWER, ticks=None)
    assert later.matcher_states()[1] == "covered"
    assert "Added" in client.get(OVERRIDES).content.decode()


@pytest.fixture
def post_phrasing(client, user, reviewer, regularisation):
    """Post a phrasing for the correction of a candidate who shares their words (response after redirects)."""
    Preferences.objects.create(user=user, share_phrases=True)
    graded(user, regularisation, UNSURE_ANSWER, ticks=[0, 1, 2])
    override = KeyPointOverride.objects.get()
    client.force_login(reviewer)
    url = reverse("quiz:key-point-phrasing", args=[override.pk])
    return lambda phrase: client.post(url, {f"o{override.pk}-phrase": phrase}, follow=True)


def test_a_phrasing_for_a_reworded_point_is_refused_with_a_message(post_phrasing, regularisation):
    regularisation.answer_md = join_key_points("Rewritten.", ["Something else entirely"])
    regularisation.save()
    assert "has been reworded since" in post_phrasing("anything").content.decode()
    regularisation.refresh_from_db()
    assert "also:" not in regularisation.answer_md


def test_an_empty_phrasing_is_a_message_not_an_edit(post_phrasing, regularisation):
    assert "Not added" in post_phrasing("   ").content.decode()
    regularisation.refresh_from_db()
    assert "also:" not in regularisation.answer_md


def test_a_phrasing_already_there_is_not_added_twice(post_phrasing, regularisation):
    post_phrasing("L2 does something to the weights")
    assert (
        "already an alternative phrasing"
        in post_phrasing("L2 does something to the weights").content.decode()
    )
    regularisation.refresh_from_db()
    assert regularisation.answer_md.count("also:") == 1
