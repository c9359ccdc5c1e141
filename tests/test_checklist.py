"""The key points' checklist after Reveal (issue 13): what is stored at reveal, the card (page, htmx fragment,
no-JS post of the ticks), the suggested grade, and the snapshot a reviewer's later edit leaves alone."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quiz.answer_parts import join_key_points
from quiz.charts import calibration_chart
from quiz.feedback import TICK, UNSURE, key_point_coverage
from quiz.models import GRADE_CUTOFFS, Grade, InterviewItem, MockInterview, PracticeDay, ReviewState

HTMX = {"HTTP_HX_REQUEST": "true"}

KEY_POINTS = [
    "L1 regularisation gives sparse weights",
    "L2 shrinks weights smoothly towards zero",
    "Regularisation reduces overfitting",
]
# Says the first and the last point in its own words, and nothing of the second.
ANSWER = (
    "L1 makes the weights sparse: many coefficients end up at exactly zero.\n"
    "Any regularisation reduces overfitting, which matters when data is scarce."
)


@pytest.fixture
def regularisation(make_question):
    return make_question(
        prompt_md="Compare L1 and L2 regularisation.",
        answer_md=join_key_points("Both add a penalty on the weights to the loss.", KEY_POINTS),
    )


@pytest.fixture
def interview(user, regularisation, make_question):
    return MockInterview.start(user, [regularisation, make_question()], seconds_per_question=300)


def item_url(name, item):
    return reverse(f"quiz:item-{name}", args=[item.interview_id, item.pk])


def first_item(interview):
    return interview.items.order_by("position").first()


def covered_by_matcher(answer=ANSWER) -> list[bool]:
    return [score >= TICK for score in key_point_coverage(KEY_POINTS, answer)]


def expected_grade(ticked: int, total: int) -> Grade:
    return next(grade for grade, percent in GRADE_CUTOFFS if 100 * ticked >= percent * total)


# Stored at reveal


def test_reveal_keeps_the_points_shown_their_coverage_and_pre_ticks_the_covered_ones(interview):
    item = first_item(interview)
    assert interview.reveal(item, answer_text=ANSWER)
    item.refresh_from_db()
    assert item.key_points_shown == KEY_POINTS
    assert item.coverage == key_point_coverage(KEY_POINTS, ANSWER)
    assert item.ticks == covered_by_matcher()
    assert item.suggested_grade == expected_grade(sum(item.ticks), len(KEY_POINTS))
    # The phrases shown are the candidate's own words, where a point is covered or unsure.
    for state, phrase in zip(item.matcher_states(), item.matched_phrases, strict=True):
        assert bool(phrase) == (state != "missing")
        assert phrase in ANSWER


def test_the_fixture_answer_covers_two_of_three_points():
    # The browser test and the tests below rely on the matcher reading ANSWER this way.
    assert covered_by_matcher() == [True, False, True]


# Says the first and last points, and only touches the second: the matcher asks about it.
UNSURE_ANSWER = ANSWER + "\nL2 does something to the weights as well."


def test_the_unsure_fixture_answer_leaves_the_second_point_unsure():
    scores = key_point_coverage(KEY_POINTS, UNSURE_ANSWER)
    assert scores[0] >= TICK and scores[2] >= TICK
    assert UNSURE <= scores[1] < TICK


def test_an_unsure_point_is_asked_about_unticked_and_left_out_of_the_suggestion(client, user, interview):
    item = first_item(interview)
    interview.reveal(item, answer_text=UNSURE_ANSWER)
    item.refresh_from_db()
    assert item.matcher_states() == ["covered", "unsure", "covered"]
    assert item.ticks == [True, False, True]
    assert item.suggested_grade == expected_grade(2, 3)
    client.force_login(user)
    html = client.get(reverse("quiz:interview-step", args=[interview.pk])).content.decode()
    row = re.search(r'<li class="is-unsure">.*?</li>', html, re.DOTALL).group(0)
    assert 'id="tick-1"' in row and "checked" not in row
    assert 'aria-describedby="unsure-1"' in row
    assert "Unsure" in row and "is it what the point says?" in row
    assert "L2 does something to the weights" in row
    assert "<mark>" not in row  # only what the matcher vouches for is highlighted as said


def test_confirming_an_unsure_point_counts_it_towards_the_suggestion_without_js(client, user, interview):
    item = first_item(interview)
    interview.reveal(item, answer_text=UNSURE_ANSWER)
    client.force_login(user)
    client.post(
        item_url("grade", item),
        {"grade": Grade.NAILED, "answer": UNSURE_ANSWER, "ticks_shown": "1", "ticks": [0, 1, 2]},
    )
    item.refresh_from_db()
    assert item.ticks == [True, True, True]
    assert item.suggested_grade == Grade.NAILED


def test_nothing_typed_ticks_nothing_and_suggests_nothing(interview):
    item = first_item(interview)
    interview.reveal(item, answer_text="   ")
    item.refresh_from_db()
    assert item.ticks == [False] * len(KEY_POINTS)
    assert item.suggested_grade is None


def test_a_reviewer_edit_of_the_key_points_does_not_rewrite_past_coverage(interview, regularisation):
    item = first_item(interview)
    interview.reveal(item, answer_text=ANSWER)
    regularisation.answer_md = join_key_points("Rewritten.", ["Something else entirely"])
    regularisation.save()
    interview.grade(item, Grade.GOOD, ticks=[0])
    item.refresh_from_db()
    assert item.key_points_shown == KEY_POINTS
    assert item.coverage == key_point_coverage(KEY_POINTS, ANSWER)
    assert item.ticks == [True, False, False]


def test_coverage_is_taken_once_a_second_reveal_changes_nothing(interview):
    item = first_item(interview)
    interview.reveal(item, answer_text=ANSWER)
    interview.reveal(item, answer_text="something else entirely")
    item.refresh_from_db()
    assert item.coverage == key_point_coverage(KEY_POINTS, ANSWER)


def test_grading_records_the_confirmed_ticks_and_their_suggestion(interview):
    item = first_item(interview)
    interview.reveal(item, answer_text=ANSWER)
    interview.grade(item, Grade.PARTIAL, ticks=[0])
    item.refresh_from_db()
    assert item.ticks == [True, False, False]
    assert item.suggested_grade == expected_grade(1, 3)
    assert item.grade == Grade.PARTIAL
    assert item.points_covered == KEY_POINTS[:1] and item.points_missed == KEY_POINTS[1:]


# The card


def test_revealed_card_shows_the_checklist_pre_ticked_with_the_matched_phrase(client_in, interview):
    item = first_item(interview)
    response = client_in.post(item_url("reveal", item), {"answer_text": ANSWER}, **HTMX)
    html = response.content.decode()
    assert html.count('class="key-point-tick"') == len(KEY_POINTS)
    assert html.count(" checked>") == sum(covered_by_matcher())
    item.refresh_from_db()
    for phrase in filter(None, item.matched_phrases):
        assert f"<mark>{phrase}</mark>" in html
    suggested = expected_grade(sum(covered_by_matcher()), len(KEY_POINTS))
    assert f'class="grade grade-{suggested.value} is-suggested"' in html
    assert html.count("is-suggested") == 1
    assert "90% or more Nailed" in html  # the cut-offs, on the page


def test_full_page_after_reveal_has_the_same_checklist(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("reveal", item), {"answer_text": ANSWER})
    html = client_in.get(reverse("quiz:interview-step", args=[interview.pk])).content.decode()
    assert html.count('class="key-point-tick"') == len(KEY_POINTS)
    assert 'name="ticks_shown"' in html


def test_the_matched_phrase_is_escaped(client_in, interview):
    item = first_item(interview)
    answer = (
        "<script>alert(1)</script> Lasso (L1) drives coefficients to exactly zero: sparse <b>weights</b>."
    )
    client_in.post(item_url("reveal", item), {"answer_text": answer}, **HTMX)
    html = client_in.get(reverse("quiz:interview-step", args=[interview.pk]), **HTMX).content.decode()
    assert "<script>alert(1)" not in html and "<b>weights</b>" not in html
    assert "<mark>" in html


def test_nothing_typed_shows_no_tick_and_no_suggestion(client_in, interview):
    item = first_item(interview)
    html = client_in.post(item_url("reveal", item), {"answer_text": ""}, **HTMX).content.decode()
    assert html.count('class="key-point-tick"') == len(KEY_POINTS)
    assert " checked>" not in html and "is-suggested" not in html


def test_ticks_post_with_the_grade_without_javascript(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("reveal", item), {"answer_text": ANSWER})
    response = client_in.post(
        item_url("grade", item),
        {"answer_text": ANSWER, "grade": Grade.PARTIAL, "ticks_shown": "1", "ticks": ["2"]},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.ticks == [False, False, True] and item.grade == Grade.PARTIAL
    assert item.suggested_grade == expected_grade(1, 3)


def test_all_boxes_unticked_are_recorded_as_unticked(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("reveal", item), {"answer_text": ANSWER})
    client_in.post(
        item_url("grade", item), {"answer_text": ANSWER, "grade": Grade.MISSED, "ticks_shown": "1"}, **HTMX
    )
    item.refresh_from_db()
    assert item.ticks == [False, False, False]


def test_a_grade_posted_without_the_checklist_keeps_the_ticks_of_the_reveal(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("reveal", item), {"answer_text": ANSWER})
    client_in.post(item_url("grade", item), {"grade": Grade.GOOD})
    item.refresh_from_db()
    assert item.ticks == covered_by_matcher()


def test_a_tick_of_a_point_that_is_not_there_is_refused_with_a_message(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("reveal", item), {"answer_text": ANSWER})
    response = client_in.post(
        item_url("grade", item), {"grade": Grade.GOOD, "ticks_shown": "1", "ticks": ["x"]}, **HTMX
    )
    assert "That key point is not on this question." in response.content.decode()
    item.refresh_from_db()
    assert item.grade is None


def test_an_index_past_the_points_shown_is_ignored(client_in, interview):
    item = first_item(interview)
    client_in.post(item_url("reveal", item), {"answer_text": ANSWER})
    client_in.post(item_url("grade", item), {"grade": Grade.GOOD, "ticks_shown": "1", "ticks": ["0", "7"]})
    item.refresh_from_db()
    assert item.ticks == [True, False, False]


def test_reveal_and_revealed_card_query_counts(client_in, interview, django_assert_num_queries):
    item = first_item(interview)
    # session, user, the interview with the item and its question (key points included); savepoint, the one
    # conditional update that stores the coverage, release. The card needs nothing more.
    with django_assert_num_queries(6):
        client_in.post(item_url("reveal", item), {"answer_text": ANSWER}, **HTMX)
    # the stored coverage is read, never computed again: session, user, the interview with its current item
    with django_assert_num_queries(3):
        client_in.get(reverse("quiz:interview-step", args=[interview.pk]), **HTMX)


# Results


def test_results_show_the_points_covered_and_missed_per_question(client_in, interview):
    item = first_item(interview)
    interview.reveal(item, answer_text=ANSWER)
    interview.grade(item, Grade.PARTIAL, ticks=[0])
    interview.end_early()
    html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    assert f"Key points covered: 1 of {len(KEY_POINTS)}" in html
    assert html.count('class="is-covered"') == 1
    assert html.count('class="is-missed"') == len(KEY_POINTS) - 1


def test_results_list_the_points_i_keep_missing_across_interviews(client_in, user, regularisation):
    earlier = MockInterview.start(user, [regularisation])
    earlier.reveal(first_item(earlier), answer_text=ANSWER)
    earlier.grade(first_item(earlier), Grade.PARTIAL, ticks=[0, 2])
    interview = MockInterview.start(user, [regularisation])  # one at a time: after the earlier one ended
    item = first_item(interview)
    interview.reveal(item, answer_text=ANSWER)
    interview.grade(item, Grade.PARTIAL, ticks=[0])
    interview.end_early()
    html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    missing = html.split("The points I keep missing")[1]
    # The second point was missed both times, the third once; the first never.
    assert missing.index(KEY_POINTS[1]) < missing.index(KEY_POINTS[2])
    assert "missed 2 of 2" in missing and "missed 1 of 2" in missing
    assert KEY_POINTS[0] not in missing.split("</ul>")[0]


def test_points_missed_most_read_the_latest_answers_only(user, regularisation):
    start = datetime(2026, 9, 10, 12, tzinfo=UTC)
    grade_with_ticks(user, regularisation, Grade.PARTIAL, [0, 2], start)  # missed the second point
    grade_with_ticks(user, regularisation, Grade.PARTIAL, [0, 1], start + timedelta(days=1))  # the third
    history = InterviewItem.objects.for_user(user)
    everything = history.points_missed_most([regularisation.section_id])
    assert [point for point, _, _ in everything[0][1]] == [KEY_POINTS[1], KEY_POINTS[2]]
    latest = history.points_missed_most([regularisation.section_id], latest=1)
    assert latest == [(regularisation.section.title, [(KEY_POINTS[2], 1, 1)])]


def test_points_missed_are_the_users_own(client, intruder, user, regularisation, interview):
    other = MockInterview.start(intruder, [regularisation])
    other.reveal(first_item(other), answer_text="")
    other.grade(first_item(other), Grade.MISSED, ticks=[])
    item = first_item(interview)
    interview.reveal(item, answer_text=ANSWER)
    interview.grade(item, Grade.NAILED, ticks=[0, 1, 2])
    rows = interview.items.model.objects.for_user(user).points_missed_most([regularisation.section_id])
    assert rows == []


# Calibration on the progress page


def grade_with_ticks(user, question, grade, ticks, when):
    with time_machine.travel(when, tick=False):
        session = MockInterview.start(user, [question])
        item = first_item(session)
        session.reveal(item, answer_text=ANSWER)
        session.grade(item, grade, ticks=ticks)


def test_progress_says_what_share_of_points_each_grade_stands_for(client_in, user, regularisation):
    start = datetime(2026, 9, 10, 12, tzinfo=UTC)
    grade_with_ticks(user, regularisation, Grade.GOOD, [0, 1], start)
    grade_with_ticks(user, regularisation, Grade.GOOD, [0], start + timedelta(days=40))
    grade_with_ticks(user, regularisation, Grade.NAILED, [0, 1, 2], start + timedelta(days=41))
    html = client_in.get(reverse("quiz:progress")).content.decode()
    good = round(100 * (2 / 3 + 1 / 3) / 2)
    assert f"You grade <strong>Good</strong> when you covered\n          <strong>{good}%</strong>" in html
    assert "<strong>Nailed</strong> when you covered\n          <strong>100%</strong>" in html
    assert "<strong>Missed</strong> when" not in html  # never chosen
    # Over time: one point per grade and month, Good in both months.
    assert html.count('<g class="calibration-series series-grade-3">') == 1
    chart = html.split('class="calibration-chart"')[1].split("</svg>")[0]
    assert chart.count("<circle") == 3
    assert "Sep 2026" in chart and "Oct 2026" in chart
    # Per section: a cell per grade, a dash where that grade was never given.
    row = re.search(rf'<tr><th scope="row">{regularisation.section.title}</th>(.*?)</tr>', html).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells == [
        "–",
        "–",
        f'{good}% <span class="muted">(2)</span>',
        '100% <span class="muted">(1)</span>',
    ]


def test_section_titles_in_the_calibration_table_are_escaped(client_in, user, regularisation):
    regularisation.section.title = "<b>Regularisation</b> & <script>alert(1)</script>"
    regularisation.section.save()
    grade_with_ticks(user, regularisation, Grade.GOOD, [0], datetime(2026, 9, 10, 12, tzinfo=UTC))
    html = client_in.get(reverse("quiz:progress")).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;b&gt;Regularisation&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_calibration_leaves_out_items_without_key_points_and_other_users(
    client_in, user, intruder, regularisation
):
    grade_with_ticks(intruder, regularisation, Grade.MISSED, [], datetime(2026, 9, 1, tzinfo=UTC))
    session = MockInterview.start(user, [regularisation])
    session.grade(first_item(session), Grade.GOOD)  # graded without a reveal: no checklist was shown
    html = client_in.get(reverse("quiz:progress")).content.decode()
    assert "You grade" not in html
    assert "confirm the key points you covered" in html


def test_calibration_chart_puts_each_grade_on_its_own_line():
    months = [
        (date(2026, 9, 1), [(3, "Good", 50, 2)]),
        (date(2026, 10, 1), [(3, "Good", 40, 1), (4, "Nailed", 100, 1)]),
    ]
    chart = calibration_chart(months)
    assert [line.label for line in chart.series] == ["Good", "Nailed"]
    good = chart.series[0].points
    assert good[0].y < good[1].y  # 50% is drawn higher than 40%
    assert good[0].x < good[1].x
    assert "Good 40%; Nailed 100%" in chart.summary
    assert calibration_chart([]) is None


def test_a_review_session_shows_the_same_checklist(client_in, user, regularisation):
    ReviewState.objects.create(user=user, question=regularisation, due=timezone.now() - timedelta(hours=1))
    response = client_in.post(reverse("quiz:review-start"))
    review = MockInterview.objects.get(kind=MockInterview.Kind.REVIEW)
    assert response.url == reverse("quiz:interview-step", args=[review.pk])
    item = first_item(review)
    html = client_in.post(item_url("reveal", item), {"answer_text": ANSWER}, **HTMX).content.decode()
    assert html.count('class="key-point-tick"') == len(KEY_POINTS)
    assert html.count(" checked>") == sum(covered_by_matcher())
    client_in.post(item_url("grade", item), {"grade": Grade.GOOD, "ticks_shown": "1", "ticks": ["0", "2"]})
    item.refresh_from_db()
    assert item.ticks == [True, False, True] and item.grade == Grade.GOOD


@pytest.mark.parametrize("earlier_sessions", [0, 20])
def test_results_query_count_does_not_grow_with_ticks_history(
    client_in, user, regularisation, interview, earlier_sessions, django_assert_num_queries
):
    for _ in range(earlier_sessions):
        earlier = MockInterview.start(user, [regularisation])
        earlier.reveal(first_item(earlier), answer_text=ANSWER)
        earlier.grade(first_item(earlier), Grade.PARTIAL, ticks=[0])
    interview.end_early()
    # session, user, interview, its items with questions and sections, the points missed most in their
    # sections, the menu's "Review queue" check
    with django_assert_num_queries(6):
        client_in.get(reverse("quiz:results", args=[interview.pk]))


def test_calibration_reads_the_latest_graded_items_only(user, regularisation):
    start = datetime(2026, 9, 10, 12, tzinfo=UTC)
    grade_with_ticks(user, regularisation, Grade.MISSED, [], start)  # oldest: left out below
    grade_with_ticks(user, regularisation, Grade.GOOD, [0, 1], start + timedelta(days=1))
    grade_with_ticks(user, regularisation, Grade.GOOD, [0], start + timedelta(days=33))
    calibration = PracticeDay.objects.for_user(user).calibration(limit=2)
    assert [(c.grade, c.count) for c in calibration.overall] == [(Grade.GOOD, 2)]
    assert [month for month, _ in calibration.by_month] == [date(2026, 9, 1), date(2026, 10, 1)]
    assert [title for title, _ in calibration.by_section] == [regularisation.section.title]


# Says the first two points and the contrary of the third: the card says so, and the suggestion is capped.
CONTRADICTING_ANSWER = (
    "L1 makes the weights sparse: many coefficients end up at exactly zero.\n"
    "L2 shrinks every weight smoothly towards zero.\n"
    "Regularisation increases overfitting."
)


def test_an_answer_that_contradicts_a_point_is_told_so_and_suggested_partial_at_most(client, user, interview):
    item = first_item(interview)
    interview.reveal(item, answer_text=CONTRADICTING_ANSWER)
    item.refresh_from_db()
    assert item.matcher_states() == ["covered", "covered", "contradicted"]
    assert item.contradicted == [False, False, True]
    assert expected_grade(2, 3) >= Grade.GOOD  # what the ticks alone would suggest
    assert item.suggested_grade == Grade.PARTIAL
    client.force_login(user)
    html = client.get(reverse("quiz:interview-step", args=[interview.pk])).content.decode()
    row = re.search(r'<li class="is-contradicted">.*?</li>', html, re.DOTALL).group(0)
    assert "checked" not in row and 'aria-describedby="contradicted-2"' in row
    assert "Says otherwise?" in row and "Regularisation increases overfitting" in row
    assert f'data-grade-cap="{Grade.PARTIAL.value}"' in html
    assert "seems to contradict a key point, so the suggestion is Partial at most" in html
    # Ticking every point (the candidate meant it after all) still suggests Partial at most.
    client.post(
        item_url("grade", item),
        {"grade": Grade.GOOD, "answer": CONTRADICTING_ANSWER, "ticks_shown": "1", "ticks": [0, 1, 2]},
    )
    item.refresh_from_db()
    assert item.ticks == [True, True, True] and item.suggested_grade == Grade.PARTIAL
    assert item.grade == Grade.GOOD  # the candidate's own grade stands
    # The candidate overrode the checker there: the reviewers' view of corrections counts it.
    override = item.overrides.get()
    assert (override.index, override.state, override.ticked) == (2, "contradicted", True)
    assert override.get_state_display() == "Read as saying otherwise"


def test_a_correct_answer_contradicts_nothing(interview):
    item = first_item(interview)
    interview.reveal(item, answer_text=ANSWER)
    item.refresh_from_db()
    assert item.contradicted == [False, False, False]
    assert item.grade_cap is None
