"""Follow-up chains in mock interviews: asked after their question within the same time, skipped with it,
cut by time-out and ending early; grouped on results; counted as depth on progress."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quiz.models import Grade, InterviewItem, MockInterview, Question, ReviewState, Section
from quiz.models.followups import follow_ups_of

HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = timezone.now().replace(microsecond=0)

LONG_ANSWER = (
    "Use focal loss, which down-weights the easy negatives:\n\n```python\n"
    + "loss = -alpha * (1 - p) ** gamma * torch.log(p)  # a long line of code that scrolls in its own box\n"
    * 3
    + "```\n\nKey points:\n- Focal loss down-weights the easy majority examples\n"
    "- Evaluate with precision-recall, never with accuracy\n- Collect more positives if you can"
)


@pytest.fixture
def chains(db):
    """Three questions; the first has two follow-ups, the second one, the third none."""
    section = Section.objects.create(key="ml", title="ML basics", source_path="ml.md")
    questions = []
    for i in range(3):
        questions.append(
            Question.objects.create(
                key=f"ml/q{i}",
                section=section,
                position=i * 10,
                prompt_md=f"How do you train on imbalanced classes, case {i}?",
                answer_md=f"Reweight.\n\nKey points:\n- Reweight the rare class {i}\n- Report recall",
                source_path="ml.md",
            )
        )
    follow_ups = {}
    for parent, count in ((questions[0], 2), (questions[1], 1)):
        follow_ups[parent.pk] = [
            Question.objects.create(
                key=f"{parent.key}/f{n}",
                section=section,
                position=parent.position + n,
                parent=parent,
                prompt_md=f"And what if the classes are 1:1000 (follow-up {n} of {parent.key})?",
                answer_md=LONG_ANSWER,
                source_path="ml.md",
            )
            for n in (1, 2)[:count]
        ]
    return questions, follow_ups


def start(user, chains, seconds_per_question=180, total_seconds=None, now=NOW) -> MockInterview:
    questions, follow_ups = chains
    return MockInterview.start(
        user,
        questions,
        seconds_per_question=seconds_per_question,
        total_seconds=total_seconds,
        follow_ups=follow_ups,
        now=now,
    )


def asked(interview) -> list[str]:
    """What each item is, in order: q0, q0.1 (follow-up 1 of question 1)..."""
    items = interview.items.order_by("position")
    return [f"q{i.number}" + (f".{i.follow_up_step}" if i.follow_up_step else "") for i in items]


def current(interview) -> InterviewItem:
    return MockInterview.objects.get(pk=interview.pk).current_item()


def test_follow_ups_are_asked_right_after_their_question_in_order(user, chains):
    interview = start(user, chains)
    assert asked(interview) == ["q1", "q1.1", "q1.2", "q2", "q2.1", "q3"]
    assert interview.question_count == 3
    # The same time budget: three questions' worth, follow-ups or not.
    assert interview.deadline == NOW + timedelta(seconds=3 * 180)


def test_follow_ups_are_picked_from_the_bank_only_when_asked_for(client_in, chains):
    data = {"question_count": 10, "timing": "untimed", "minutes": 3, "updates_schedule": "on"}
    client_in.post(reverse("quiz:interview-new"), {**data, "follow_ups": "on"})
    with_chains = MockInterview.objects.get()
    assert with_chains.question_count == 3  # follow-ups are never picked as questions of their own
    assert with_chains.items.count() == 6
    client_in.post(reverse("quiz:interview-end", args=[with_chains.pk]))
    client_in.post(reverse("quiz:interview-new"), data)
    without = MockInterview.objects.exclude(pk=with_chains.pk).get()
    assert without.items.count() == 3 and not without.items.filter(question__parent__isnull=False).exists()


def test_setup_offers_follow_ups_ticked_by_default(client_in, chains):
    html = client_in.get(reverse("quiz:interview-new")).content.decode()
    assert 'name="follow_ups" aria-describedby="id_follow_ups_helptext" id="id_follow_ups" checked' in html
    assert "Ask follow-up questions" in html


def test_an_unanswered_follow_up_is_asked_only_with_unanswered_questions(chains):
    questions, follow_ups = chains
    follow_ups[questions[1].pk][0].answer_md = ""
    follow_ups[questions[1].pk][0].save()
    assert questions[1].pk not in follow_ups_of(questions, include_unanswered=False)
    assert len(follow_ups_of(questions, include_unanswered=True)[questions[1].pk]) == 1


def test_grading_a_question_moves_on_to_its_follow_up_whose_card_is_its_own(user, chains):
    interview = start(user, chains)
    first = current(interview)
    interview.grade(first, Grade.GOOD, now=NOW + timedelta(seconds=30))
    follow_up = current(interview)
    assert follow_up.follow_up_step == 1 and follow_up.follows_id == first.pk
    assert follow_up.started_at == NOW + timedelta(seconds=30)
    interview.grade(follow_up, Grade.PARTIAL, now=NOW + timedelta(seconds=60))
    cards = dict(ReviewState.objects.filter(user=user).values_list("question_id", "last_grade"))
    assert cards == {first.question_id: Grade.GOOD, follow_up.question_id: Grade.PARTIAL}


def test_skipping_a_question_skips_its_chain(user, chains):
    interview = start(user, chains)
    first = current(interview)
    interview.skip(first, now=NOW + timedelta(seconds=5))
    assert current(interview).number == 2 and current(interview).follow_up_step is None
    skipped = interview.items.filter(follows=first)
    assert [(i.skipped, i.started_at, i.grade) for i in skipped] == [(True, None, None)] * 2


def test_skipping_a_follow_up_ends_the_rest_of_its_chain(user, chains):
    interview = start(user, chains)
    interview.grade(current(interview), Grade.NAILED, now=NOW + timedelta(seconds=5))
    interview.skip(current(interview), now=NOW + timedelta(seconds=10))  # follow-up 1
    after = current(interview)
    assert (after.number, after.follow_up_step) == (2, None)
    second = interview.items.get(question_number=1, follow_up_step=2)
    assert second.skipped and second.started_at is None


def test_the_last_chain_skipped_completes_the_interview(user, chains):
    questions, follow_ups = chains
    interview = MockInterview.start(user, questions[:1], follow_ups=follow_ups, now=NOW)
    interview.skip(current(interview), now=NOW + timedelta(seconds=5))
    interview.refresh_from_db()
    assert interview.ending == MockInterview.Ending.COMPLETED
    assert interview.items.filter(done_at__isnull=True).count() == 0


def test_time_out_inside_a_chain_leaves_the_rest_unreached(user, chains):
    interview = start(user, chains, seconds_per_question=None, total_seconds=120)
    interview.grade(current(interview), Grade.GOOD, now=NOW + timedelta(seconds=100))
    follow_up = current(interview)
    # Graded after the whole interview's time: kept, marked over time, and the interview ends there.
    interview.grade(follow_up, Grade.GOOD, now=NOW + timedelta(seconds=130))
    interview.refresh_from_db()
    assert interview.ending == MockInterview.Ending.TIMED_OUT
    items = {(i.number, i.follow_up_step): i for i in interview.items.all()}
    assert items[(1, 1)].over_time and items[(1, 1)].grade == Grade.GOOD
    assert items[(1, 2)].started_at is None and items[(1, 2)].done_at is None


def test_a_follow_up_has_its_own_per_question_limit(user, chains):
    interview = start(user, chains, seconds_per_question=60)
    interview.grade(current(interview), Grade.GOOD, now=NOW + timedelta(seconds=50))
    assert current(interview).deadline == NOW + timedelta(seconds=110)


def test_ending_early_in_a_chain_shows_how_deep_it_went(client_in, user, chains):
    interview = start(user, chains)
    interview.grade(current(interview), Grade.GOOD)
    interview.grade(current(interview), Grade.NAILED)
    client_in.post(reverse("quiz:interview-end", args=[interview.pk]))
    html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    assert "Follow-ups: reached 2 of 2, passed 1" in html
    assert "Follow-ups: reached 0 of 1, passed 0" in html
    assert 'id="item-1-2"' in html and 'id="item-2-1"' in html
    # The score counts the three questions, not their follow-ups: one Good of three.
    interview.refresh_from_db()
    assert interview.ending == MockInterview.Ending.ENDED_EARLY
    assert interview.summary().percent == round(100 * (2 / 3) / 3)
    assert MockInterview.objects.with_scores().get(pk=interview.pk).score == pytest.approx(2 / 9)


def test_the_step_page_says_which_question_a_follow_up_follows(client_in, user, chains):
    interview = start(user, chains)
    interview.grade(current(interview), Grade.GOOD)
    html = client_in.get(reverse("quiz:interview-step", args=[interview.pk])).content.decode()
    assert "Follow-up 1 to question 1" in html
    assert "How do you train on imbalanced classes, case 0?" in html  # the question it follows, as context
    assert "Question 1 / 3" in html
    fragment = client_in.get(reverse("quiz:interview-step", args=[interview.pk]), **HTMX).content.decode()
    assert "<html" not in fragment and 'data-announce="Follow-up 1 to question 1."' in fragment


def test_a_step_in_a_chain_costs_no_more_queries_than_one_without(
    client_in, user, chains, django_assert_num_queries
):
    # session, user, the step's items with their questions and the followed-up prompt (one join), the
    # preferences, a permission for the menu: the same five on a follow-up as on a question without any.
    plain = MockInterview.start(user, chains[0], now=timezone.now())
    with django_assert_num_queries(5):
        client_in.get(reverse("quiz:interview-step", args=[plain.pk]))
    interview = start(user, chains, now=timezone.now())
    interview.grade(current(interview), Grade.GOOD)
    with django_assert_num_queries(5):
        html = client_in.get(reverse("quiz:interview-step", args=[interview.pk])).content.decode()
    assert "Follow-up 1 to question 1" in html


def test_practising_the_missed_ones_asks_a_chain_again_from_its_question(client_in, user, chains):
    interview = start(user, chains)
    interview.setup = {"follow_ups": True}
    interview.save()
    interview.grade(current(interview), Grade.NAILED)
    interview.grade(current(interview), Grade.MISSED)  # a follow-up missed
    for _ in range(4):
        interview.grade(current(interview), Grade.NAILED)
    assert [q.key for q in interview.summary().missed_questions] == ["ml/q0"]
    client_in.post(reverse("quiz:practise-missed", args=[interview.pk]))
    again = MockInterview.objects.exclude(pk=interview.pk).get()
    assert asked(again) == ["q1", "q1.1", "q1.2"]


def test_a_due_follow_up_is_a_review_card_of_its_own_shown_below_its_question(client_in, user, chains):
    follow_up = chains[1][chains[0][0].pk][0]
    ReviewState.objects.create(user=user, question=follow_up, due=timezone.now() - timedelta(hours=1))
    client_in.post(reverse("quiz:review-start"))
    review = MockInterview.objects.get(kind=MockInterview.Kind.REVIEW)
    assert [i.question_id for i in review.items.all()] == [follow_up.pk]
    html = client_in.get(reverse("quiz:interview-step", args=[review.pk])).content.decode()
    assert "A follow-up to" in html and "case 0?" in html


def test_progress_shows_the_share_of_follow_ups_reached_and_passed(client_in, user, chains):
    interview = start(user, chains)
    interview.grade(current(interview), Grade.GOOD)  # q1
    interview.grade(current(interview), Grade.NAILED)  # q1.1: passed
    interview.grade(current(interview), Grade.PARTIAL)  # q1.2: reached, not passed
    interview.end_early()
    html = client_in.get(reverse("quiz:progress")).content.decode()
    # Three follow-ups offered: two reached, one passed.
    assert "You reached <strong>67%</strong> of the follow-ups" in html
    assert "(2 of 3)" in html
    assert "You passed <strong>33%</strong> of them" in html


def test_progress_says_nothing_of_depth_before_any_follow_up(client_in, user, chains):
    interview = MockInterview.start(user, chains[0])
    interview.grade(current(interview), Grade.GOOD)
    interview.end_early()
    assert "Depth: follow-up questions" not in client_in.get(reverse("quiz:progress")).content.decode()


def test_a_running_interview_does_not_count_its_follow_ups_yet(user, chains):
    from quiz.models.followups import depth_of

    with time_machine.travel(NOW, tick=False):
        start(user, chains)
        assert depth_of(InterviewItem.objects.for_user(user), timezone.now()).offered == 0


def test_results_with_chains_and_hints_read_no_more_than_without(
    client_in, user, chains, django_assert_num_queries
):
    interview = start(user, chains)
    interview.give_hint(current(interview), 2)
    for _ in range(4):
        item = current(interview)
        interview.reveal(item, answer_text="reweight the rare class")
        interview.grade(item, Grade.GOOD)
    interview.end_early()
    # session, user, interview, its items with questions and sections, the points missed most in their
    # sections, the menu's "Review queue" check: as test_checklist pins it for an interview without chains.
    with django_assert_num_queries(6):
        html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    assert "2 hints taken" in html and "Follow-ups: reached 2 of 2, passed 2" in html


def test_a_follow_ups_page_links_the_question_it_follows_in_the_same_queries(
    client_in, chains, django_assert_num_queries
):
    questions, follow_ups = chains
    follow_up = follow_ups[questions[0].pk][0]
    # The followed-up question comes in the same read as the follow-up: as many queries as a plain page.
    with django_assert_num_queries(8):
        client_in.get(reverse("quiz:question", args=[questions[2].pk]))
    with django_assert_num_queries(8):
        html = client_in.get(reverse("quiz:question", args=[follow_up.pk])).content.decode()
    parent_url = reverse("quiz:question", args=[questions[0].pk])
    assert f'A follow-up to <a href="{parent_url}">this question</a>' in html
    assert "case 0?" in html


def test_the_history_export_says_which_question_a_follow_up_follows_and_the_hints(client_in, user, chains):
    interview = start(user, chains)
    interview.give_hint(current(interview), 1)
    interview.grade(current(interview), Grade.GOOD)
    interview.end_early()
    response = client_in.get(reverse("quiz:export"), {"format": "json"})
    items = json.loads(b"".join(response.streaming_content))["items"]
    assert [(i["question_key"], i["follows_up"], i["hints_used"]) for i in items[:3]] == [
        ("ml/q0", "", 1),
        ("ml/q0/f1", "ml/q0", 0),
        ("ml/q0/f2", "ml/q0", 0),
    ]


def test_the_setup_counts_questions_an_interview_can_pick_not_their_follow_ups(client_in, chains):
    html = client_in.get(reverse("quiz:interview-new")).content.decode()
    assert "ML basics (3)" in html  # three questions; their three follow-ups come with them
