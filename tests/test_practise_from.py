"""Practise from anywhere (issue 27, part 3): an interview or a review session started from a search, a
filter, a section, bookmarks, what was missed or marked for later, or one question. The setup page's URL
names the selection, and the interview asks exactly those questions."""

import pytest
from django.urls import reverse
from django.utils import timezone

from quiz.models import Bookmark, Grade, MockInterview, Preferences, Question, ReviewState, Section
from tests.conftest import another_user

NEW = reverse("quiz:interview-new")


@pytest.fixture
def bank(db) -> list[Question]:
    """Two sections; the attention questions come with long answers, as the bundled banks' do."""
    nlp = Section.objects.create(key="nlp", title="Transformers", position=0, source_path="nlp.md")
    cv = Section.objects.create(key="cv", title="Vision", position=1, source_path="cv.md")
    long_answer = "Scaled dot-product attention weighs values by query-key similarity. " * 40
    questions = []
    for i in range(8):
        questions.append(
            Question.objects.create(
                key=f"q{i}",
                section=nlp if i < 5 else cv,
                position=i,
                prompt_md=f"Explain multi-head attention, variant {i}?"
                if i % 2
                else f"What is a CNN kernel {i}?",
                answer_md=long_answer if i % 2 else "A small learned filter slid over the image.",
                source_path="nlp.md",
            )
        )
    return questions


def _asked(interview) -> list[int]:
    return list(interview.items.order_by("position").values_list("question", flat=True))


def test_a_search_result_is_practised_exactly_from_a_url_that_names_it(client_in, user, bank):
    listing = client_in.get(reverse("quiz:questions"), {"q": "attention"})
    shown = [q.pk for q in listing.context["page"]]
    html = listing.content.decode()
    assert f'href="{NEW}?q=attention"' in html and f"Practise these {len(shown)}" in html
    page = client_in.get(NEW, {"q": "attention"}).content.decode()
    assert "Questions matching “attention”" in page
    assert f'data-testid="selection-count">{len(shown)}<' in page
    response = client_in.post(f"{NEW}?q=attention", {"timing": "per_question", "minutes": "2"})
    interview = MockInterview.objects.get()
    assert response.url == reverse("quiz:interview-step", args=[interview.pk])
    assert _asked(interview) == shown
    assert interview.kind == MockInterview.Kind.INTERVIEW and interview.seconds_per_question == 120
    assert interview.setup["selection"] == "q=attention"


def test_a_sections_page_starts_a_review_session_of_that_section(client_in, user, bank):
    vision = Section.objects.get(key="cv")
    listing = client_in.get(reverse("quiz:questions"), {"section": vision.pk}).content.decode()
    assert f'href="{NEW}?section={vision.pk}&amp;kind=review"' in listing
    page = client_in.get(NEW, {"section": vision.pk, "kind": "review"}).content.decode()
    assert "Review these questions" in page and "Questions in Vision" in page
    assert f'action="{NEW}?section={vision.pk}&amp;kind=review"' in page
    assert f'href="{NEW}?section={vision.pk}">Make it a timed mock interview instead' in page
    interview_page = client_in.get(NEW, {"section": vision.pk}).content.decode()
    assert f'action="{NEW}?section={vision.pk}"' in interview_page
    assert f'href="{NEW}?section={vision.pk}&amp;kind=review">Review them untimed instead' in interview_page
    form = {"updates_schedule": "on", "timing": "untimed", "minutes": "3"}  # the page's hidden timing
    client_in.post(f"{NEW}?section={vision.pk}&kind=review", form)
    review = MockInterview.objects.get()
    assert review.kind == MockInterview.Kind.REVIEW and review.deadline is None and review.updates_schedule
    assert _asked(review) == [q.pk for q in bank[5:]]


def test_one_question_from_its_page(client_in, user, bank):
    question = bank[3]
    page = client_in.get(reverse("quiz:question", args=[question.pk])).content.decode()
    assert f'href="{NEW}?question={question.pk}"' in page
    client_in.post(f"{NEW}?question={question.pk}", {"timing": "untimed", "minutes": "3"})
    assert _asked(MockInterview.objects.get()) == [question.pk]


def test_my_bookmarks_and_nobody_elses(client_in, user, bank):
    Bookmark.objects.create(user=user, question=bank[1])
    Bookmark.objects.create(user=user, question=bank[6])
    Bookmark.objects.create(user=another_user(), question=bank[2])
    assert "your bookmarks" in client_in.get(NEW).content.decode()
    client_in.post(f"{NEW}?bookmarked=on", {"timing": "untimed", "minutes": "3"})
    assert _asked(MockInterview.objects.get()) == [bank[1].pk, bank[6].pk]


def test_what_i_missed_and_what_i_marked_for_later(client_in, user, bank):
    earlier = MockInterview.start(user, bank[:4])
    items = list(earlier.items.order_by("position"))
    earlier.grade(items[0], Grade.MISSED)
    earlier.grade(items[1], Grade.NAILED)
    earlier.mark(items[2], True)
    earlier.grade(items[2], Grade.PARTIAL)
    earlier.mark(items[3], True)
    earlier.end_early()
    client_in.post(f"{NEW}?missed=on", {"timing": "untimed", "minutes": "3"})
    missed = MockInterview.objects.order_by("-pk").first()
    assert _asked(missed) == [bank[0].pk, bank[2].pk]
    client_in.post(f"{NEW}?marked=on", {"timing": "untimed", "minutes": "3"})
    marked = MockInterview.objects.order_by("-pk").first()
    assert _asked(marked) == [bank[2].pk, bank[3].pk]


def test_picked_questions_come_even_when_suspended_or_past_the_new_limit(client_in, user, bank):
    ReviewState.record(user.pk, bank[0].pk, Grade.GOOD, timezone.now()).suspend()
    Preferences.objects.create(user=user, new_per_day=0)
    client_in.post(f"{NEW}?section={bank[0].section_id}", {"timing": "untimed", "minutes": "3"})
    assert _asked(MockInterview.objects.get()) == [q.pk for q in bank[:5]]


def test_more_than_an_interview_holds_takes_the_first_fifty_and_says_so(
    client_in, user, section, make_question
):
    questions = [make_question(prompt_md=f"Gradient question {i}?") for i in range(53)]
    page = client_in.get(NEW, {"section": section.pk}).content.decode()
    assert "The page showed 53: an interview holds 50 at most" in page
    listing = client_in.get(reverse("quiz:questions"), {"section": section.pk}).content.decode()
    assert "Practise the first 50 of these 53" in listing
    client_in.post(f"{NEW}?section={section.pk}", {"timing": "untimed", "minutes": "3"})
    assert _asked(MockInterview.objects.get()) == [q.pk for q in questions[:50]]


@pytest.mark.parametrize("query", ["question=999999", "question=abc", "question=99999999999999999999999"])
def test_a_selection_of_nothing_says_so_and_starts_nothing(client_in, user, bank, query):
    page = client_in.get(f"{NEW}?{query}")
    assert page.status_code == 200 and "No question matches this selection." in page.content.decode()
    response = client_in.post(f"{NEW}?{query}", {"timing": "untimed", "minutes": "3"})
    assert "No question matches this selection any more" in response.content.decode()
    assert not MockInterview.objects.exists()


def test_a_retired_question_is_not_offered(client_in, user, bank):
    Question.objects.filter(pk=bank[0].pk).update(retired=True)
    page = client_in.get(f"{NEW}?question={bank[0].pk}").content.decode()
    assert "No question matches this selection." in page


def test_a_bad_timing_is_a_form_error_and_starts_nothing(client_in, user, bank):
    response = client_in.post(f"{NEW}?q=attention", {"timing": "per_question", "minutes": "45"})
    assert "Per question, 30 minutes is the most." in response.content.decode()
    assert not MockInterview.objects.exists()


def test_the_bank_alone_still_ticks_that_bank_in_the_full_setup_form(client_in, user, bank):
    page = client_in.get(NEW, {"bank": "anything"}).content.decode()
    assert "Sections" in page and "selection-count" not in page


def test_no_practise_link_without_a_filter(client_in, user, bank):
    assert 'data-testid="practise-these"' not in client_in.get(reverse("quiz:questions")).content.decode()


@pytest.mark.parametrize("count", [3, 40])
def test_the_setup_page_reads_the_same_queries_however_many_questions(
    client_in, user, section, make_question, count, django_assert_num_queries
):
    for i in range(count):
        make_question(prompt_md=f"Gradient question {i}?")
    # session, user; the section named (the filter form) and the section tree (its topics); the count, the
    # questions with their sections; the interview in progress; the menu's review-queue check
    with django_assert_num_queries(8):
        client_in.get(NEW, {"section": section.pk})
