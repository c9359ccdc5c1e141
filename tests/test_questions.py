"""The question bank (search, filters, pagination) and a question's own page (history, note, bookmark)."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz.models import (
    Bookmark,
    Difficulty,
    Grade,
    MockInterview,
    Provenance,
    Question,
    QuestionNote,
    ReviewState,
    Section,
)
from quiz.views.questions import ANSWERS_PER_PAGE

HTMX = {"HTTP_HX_REQUEST": "true"}
QUESTIONS = reverse("quiz:questions")


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user("bob", password="correct horse battery")


@pytest.fixture
def other_client(other_user):
    # A second client, so the two users' sessions never mix.
    other = Client()
    other.force_login(other_user)
    return other


def question_url(question: Question) -> str:
    return reverse("quiz:question", args=[question.pk])


def note_url(question: Question) -> str:
    return reverse("quiz:question-note", args=[question.pk])


def bookmark_url(question: Question) -> str:
    return reverse("quiz:question-bookmark", args=[question.pk])


def listed(response) -> list[str]:
    """The prompts on a bank page, in order."""
    return [q.prompt_md for q in response.context["page"].object_list]


def review(user, question, *, grade: int, due_in: timedelta) -> ReviewState:
    return ReviewState.objects.create(
        user=user, question=question, last_grade=grade, due=timezone.now() + due_in, reviews=1
    )


# The bank: search


def test_bank_full_page_lists_active_questions_with_count(client_in, make_question):
    make_question(prompt_md="What is **overfitting**?", difficulty=Difficulty.HARD)
    make_question(prompt_md="Gone", retired=True)
    response = client_in.get(QUESTIONS)
    html = response.content.decode()
    assert "<html" in html
    assert "<strong>overfitting</strong>" in html  # the cached rendered prompt, not the markdown
    assert "Gone" not in html
    assert "<strong>1</strong> question\n" in html
    assert 'method="get" action="/questions/"' in html  # works without JavaScript
    assert 'hx-get="/questions/"' in html and 'hx-target="#results"' in html and 'hx-push-url="true"' in html


def test_answer_source_filter_lists_answers_of_that_provenance(client_in, make_question):
    make_question(prompt_md="Written here?", provenance=Provenance.WRITTEN)
    make_question(prompt_md="Machine-written?")
    make_question(prompt_md="No answer yet?", answer_md="", provenance=Provenance.WRITTEN)
    assert listed(client_in.get(QUESTIONS, {"provenance": "written"})) == ["Written here?"]
    assert listed(client_in.get(QUESTIONS, {"provenance": "upstream"})) == ["Machine-written?"]


def test_search_finds_a_word_in_the_reference_answer(client_in, make_question):
    make_question(prompt_md="Explain bagging.", answer_md="Bootstrap samples, then average the models.")
    make_question(prompt_md="Explain boosting.", answer_md="Fit each learner to the residuals.")
    response = client_in.get(QUESTIONS, {"q": "BOOTSTRAP"})
    assert listed(response) == ["Explain bagging."]


def test_search_results_quote_the_answer_around_the_word_found(client_in, make_question):
    filler = "Boosting builds trees one after another on what the last ones got wrong. " * 3
    make_question(
        prompt_md="What is XGBoost?",
        answer_md=filler
        + "It fits each tree to the **gradient** of the loss <script>alert(1)</script>. "
        + filler,
    )
    html = client_in.get(QUESTIONS, {"q": "Gradient"}).content.decode()
    (excerpt,) = re.findall(r'<div class="excerpt">(.*?)</div>', html)
    assert "<strong><mark>gradient</mark></strong> of the loss" in excerpt  # rendered, as in the answer
    assert excerpt.startswith("… ") and excerpt.endswith(" …")  # a window, not the whole answer
    assert "**" not in excerpt and "<script>" not in html
    assert len(re.sub(r"<[^>]+>", "", excerpt)) < 300


def test_search_results_quote_nothing_when_only_the_prompt_matches(client_in, make_question):
    make_question(prompt_md="What is a gradient?", answer_md="The vector of partial derivatives.")
    html = client_in.get(QUESTIONS, {"q": "gradient"}).content.decode()
    assert "What is a gradient?" in html and 'class="excerpt"' not in html
    assert 'class="excerpt"' not in client_in.get(QUESTIONS).content.decode()  # nor without a search


def test_search_lists_questions_with_every_word_first(client_in, make_question):
    make_question(prompt_md="What is a Python decorator?", answer_md="A function wrapping a function.")
    make_question(prompt_md="What is a Python generator?", answer_md="An iterator.")
    make_question(prompt_md="What is an iterator?", answer_md="Has __next__.")
    make_question(prompt_md="What is a tensor?", answer_md="An array.")
    response = client_in.get(QUESTIONS, {"q": "python   iterator"})
    assert listed(response)[0] == "What is a Python generator?"
    assert sorted(listed(response)[1:]) == ["What is a Python decorator?", "What is an iterator?"]
    assert "<strong>1</strong> with every word" in response.content.decode()


def test_search_questions_with_blank_text_keeps_everything(make_question):
    make_question()
    assert Question.objects.all().search("   ").count() == 1


def test_search_finds_a_name_inside_code(client_in, make_question):
    make_question(prompt_md="Drop missing rows?", answer_md="Use `df.dropna()`.")
    make_question(prompt_md="Fit a classifier?", answer_md="`sklearn.linear_model.LogisticRegression`")
    assert listed(client_in.get(QUESTIONS, {"q": "dropna"})) == ["Drop missing rows?"]
    assert listed(client_in.get(QUESTIONS, {"q": "logisticregression"})) == ["Fit a classifier?"]
    assert listed(client_in.get(QUESTIONS, {"q": "sklearn.linear_model"})) == ["Fit a classifier?"]


def test_search_matches_word_forms_phrases_and_without(client_in, make_question):
    make_question(prompt_md="What does a Python generator return?", answer_md="An iterator, yielding lazily.")
    make_question(prompt_md="What is a decorator?", answer_md="A function that wraps another function.")
    assert listed(client_in.get(QUESTIONS, {"q": "generators yields"})) == [
        "What does a Python generator return?"
    ]
    assert listed(client_in.get(QUESTIONS, {"q": '"wraps another"'})) == ["What is a decorator?"]
    assert listed(client_in.get(QUESTIONS, {"q": '"another wraps"'})) == []
    assert len(listed(client_in.get(QUESTIONS, {"q": "generator or decorator"}))) == 2
    assert listed(client_in.get(QUESTIONS, {"q": "function -python"})) == ["What is a decorator?"]


def test_no_match_says_so(client_in, make_question):
    make_question()
    html = client_in.get(QUESTIONS, {"q": "zebra"}).content.decode()
    assert "No question matches" in html
    assert "<strong>0</strong> questions" in html


# The bank: filters


def test_section_filter_includes_subsections(client_in, section, make_question):
    topic = Section.objects.create(key="python-qna/pandas", title="Pandas", parent=section, source_path="p")
    other = Section.objects.create(key="ml", title="ML", source_path="m")
    make_question(prompt_md="In the root")
    make_question(prompt_md="In the topic", section=topic)
    make_question(prompt_md="Elsewhere", section=other)
    assert listed(client_in.get(QUESTIONS, {"section": section.pk})) == ["In the root", "In the topic"]
    assert listed(client_in.get(QUESTIONS, {"section": topic.pk})) == ["In the topic"]


def test_difficulty_filter(client_in, make_question):
    make_question(prompt_md="Easy one", difficulty=Difficulty.EASY)
    make_question(prompt_md="Hard one", difficulty=Difficulty.HARD)
    assert listed(client_in.get(QUESTIONS, {"difficulty": "hard"})) == ["Hard one"]


def test_answered_filter_splits_questions_with_and_without_reference_answer(client_in, make_question):
    make_question(prompt_md="Has answer")
    make_question(prompt_md="No answer", answer_md="")
    assert listed(client_in.get(QUESTIONS, {"answered": "yes"})) == ["Has answer"]
    assert listed(client_in.get(QUESTIONS, {"answered": "no"})) == ["No answer"]


def test_missed_filter_keeps_questions_last_graded_missed_or_partial(client_in, user, make_question):
    missed, partial, good, _never = (make_question(prompt_md=p) for p in ["M", "P", "G", "N"])
    review(user, missed, grade=Grade.MISSED, due_in=timedelta(days=1))
    review(user, partial, grade=Grade.PARTIAL, due_in=timedelta(days=1))
    review(user, good, grade=Grade.GOOD, due_in=timedelta(days=1))
    response = client_in.get(QUESTIONS, {"missed": "on"})
    assert listed(response) == ["M", "P"]
    html = response.content.decode()
    assert "Missed last time" in html and "Partial last time" in html


def test_due_filter_keeps_reviews_due_now(client_in, user, make_question):
    overdue, later = make_question(prompt_md="Overdue"), make_question(prompt_md="Later")
    review(user, overdue, grade=Grade.GOOD, due_in=timedelta(hours=-1))
    review(user, later, grade=Grade.GOOD, due_in=timedelta(days=3))
    response = client_in.get(QUESTIONS, {"due": "on"})
    assert listed(response) == ["Overdue"]
    assert "Due now" in response.content.decode()


def test_bookmarked_filter_and_badge(client_in, user, make_question):
    marked = make_question(prompt_md="Marked")
    make_question(prompt_md="Plain")
    Bookmark.objects.create(user=user, question=marked)
    response = client_in.get(QUESTIONS, {"bookmarked": "on"})
    assert listed(response) == ["Marked"]
    assert 'class="badge badge-bookmark">Bookmarked' in response.content.decode()


def test_my_filters_ignore_other_users_rows(client_in, other_user, make_question):
    theirs = make_question(prompt_md="Theirs")
    Bookmark.objects.create(user=other_user, question=theirs)
    review(other_user, theirs, grade=Grade.MISSED, due_in=timedelta(hours=-1))
    for flag in ("bookmarked", "missed", "due"):
        assert listed(client_in.get(QUESTIONS, {flag: "on"})) == []
    html = client_in.get(QUESTIONS).content.decode()
    assert 'class="badge badge-bookmark"' not in html and 'class="badge badge-due"' not in html
    assert "Missed last time" not in html


def test_unknown_filter_value_is_left_out_with_a_notice(client_in, make_question):
    make_question(prompt_md="Still listed")
    response = client_in.get(QUESTIONS, {"section": "999999", "difficulty": "impossible"})
    assert listed(response) == ["Still listed"]
    assert "Some filters were not understood" in response.content.decode()


def test_shareable_url_renders_the_filtered_list_and_fills_the_form(client_in, user, make_question):
    wanted = make_question(prompt_md="Gradient descent step", difficulty=Difficulty.HARD)
    make_question(prompt_md="Gradient boosting", difficulty=Difficulty.EASY)
    Bookmark.objects.create(user=user, question=wanted)
    url = f"{QUESTIONS}?{urlencode({'q': 'gradient', 'difficulty': 'hard', 'bookmarked': 'on'})}"
    response = client_in.get(url)
    assert listed(response) == ["Gradient descent step"]
    html = response.content.decode()
    assert 'value="gradient"' in html
    assert '<option value="hard" selected>' in html
    assert 'name="bookmarked" id="id_bookmarked" checked' in html


# The bank: htmx and pagination


def test_htmx_request_returns_only_the_results_fragment(client_in, make_question):
    make_question(prompt_md="Only me")
    response = client_in.get(QUESTIONS, {"q": "only"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert "Only me" in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_request_gets_the_full_page(client_in, make_question):
    make_question()
    response = client_in.get(QUESTIONS, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_pages_hold_25_and_page_links_keep_the_filters(client_in, make_question):
    for i in range(30):
        make_question(prompt_md=f"Tree question {i:02d}", difficulty=Difficulty.EASY)
    make_question(prompt_md="Tree but hard", difficulty=Difficulty.HARD)
    response = client_in.get(QUESTIONS, {"q": "tree", "difficulty": "easy"})
    assert len(listed(response)) == 25
    html = response.content.decode()
    assert "<strong>30</strong> questions" in html
    assert 'href="?q=tree&amp;difficulty=easy&amp;page=2"' in html
    assert 'hx-get="/questions/?q=tree&amp;difficulty=easy&amp;page=2"' in html
    second = client_in.get(QUESTIONS, {"q": "tree", "difficulty": "easy", "page": 2}, **HTMX)
    assert listed(second) == [f"Tree question {i}" for i in range(25, 30)]
    assert 'href="?q=tree&amp;difficulty=easy&amp;page=1"' in second.content.decode()


def test_bank_query_count_does_not_grow_with_questions_or_history(
    client_in, user, section, make_question, django_assert_num_queries
):
    def add_rows(n: int) -> None:
        for _ in range(n):
            q = make_question()
            Bookmark.objects.create(user=user, question=q)
            review(user, q, grade=Grade.MISSED, due_in=timedelta(hours=-1))

    params = {"q": "question", "section": section.pk, "missed": "on", "due": "on", "bookmarked": "on"}
    add_rows(2)
    # session, user, section choice check, section subtree; the search: the words' vocabulary, the bank's
    # spelling of a word it does not know, the matches, the best of them (ranked), which of them
    # pass the filters, their prompts for the order; the page's rows, bank and section options for the
    # selects, the menu's "Review queue" check
    with django_assert_num_queries(14):
        client_in.get(QUESTIONS, params)
    add_rows(40)
    with django_assert_num_queries(14):
        response = client_in.get(QUESTIONS, params)
    assert len(listed(response)) == 25


# The question page


def test_question_page_shows_prompt_answer_section_path_and_source(client_in, section, make_question):
    topic = Section.objects.create(key="python-qna/gen", title="Generators", parent=section, source_path="p")
    question = make_question(section=topic, answer_md="Uses `yield`.", difficulty=Difficulty.MEDIUM)
    html = client_in.get(question_url(question)).content.decode()
    assert question.prompt_html in html
    assert "<code>yield</code>" in html
    assert "Python QnA" in html and "Generators" in html
    assert f"?section={topic.pk}" in html
    assert f"{question.source_path}:{question.source_line}" in html
    assert "Medium" in html
    assert "Not in your review schedule yet" in html


def test_question_page_shows_my_history_and_review_state(client_in, user, question):
    interview = MockInterview.start(user, [question], seconds_per_question=60)
    item = interview.items.get()
    interview.grade(item, Grade.PARTIAL, answer_text="Something about iterators")
    html = client_in.get(question_url(question)).content.decode()
    assert "Something about iterators" in html
    assert "Partial" in html
    assert reverse("quiz:results", args=[interview.pk]) in html
    state = ReviewState.objects.get(user=user, question=question)
    assert f"{state.due:%a %-d %b %Y, %H:%M} UTC" in html
    assert "Reviews</dt><dd>1</dd>" in html


def test_question_page_does_not_show_another_users_history_note_or_bookmark(client_in, other_user, question):
    theirs = MockInterview.start(other_user, [question])
    theirs.grade(theirs.items.get(), Grade.MISSED, answer_text="their secret answer")
    QuestionNote.objects.create(user=other_user, question=question, text="their private note")
    Bookmark.objects.create(user=other_user, question=question)
    html = client_in.get(question_url(question)).content.decode()
    assert "their secret answer" not in html
    assert "their private note" not in html
    assert ">Bookmark</button>" in html
    assert "not met this question in an interview yet" in html


def test_unknown_question_is_404(client_in, db):
    assert client_in.get(reverse("quiz:question", args=[999])).status_code == 404


def test_retired_question_page_works_for_users_with_history(client_in, user, question):
    MockInterview.start(user, [question])
    Question.objects.filter(pk=question.pk).update(retired=True)
    response = client_in.get(question_url(question))
    assert response.status_code == 200
    assert "retired from the bank" in response.content.decode()
    assert listed(client_in.get(QUESTIONS)) == []


def test_retired_question_is_404_for_users_without_history(other_client, question):
    Question.objects.filter(pk=question.pk).update(retired=True)
    assert other_client.get(question_url(question)).status_code == 404
    assert other_client.post(bookmark_url(question), {"bookmarked": "on"}).status_code == 404
    assert not Bookmark.objects.exists()


def test_question_page_query_count_does_not_grow_with_history(
    client_in, user, question, django_assert_num_queries
):
    def answer_it(times: int) -> None:
        for _ in range(times):
            interview = MockInterview.start(user, [question])
            interview.grade(interview.items.get(), Grade.GOOD, answer_text="again")

    answer_it(1)
    QuestionNote.objects.create(user=user, question=question, text="note")
    # session, user, question (+ bookmark), section path, review state, note, the answers counted and a
    # page of them, the menu's "Review queue" check
    with django_assert_num_queries(9):
        client_in.get(question_url(question))
    answer_it(15)
    with django_assert_num_queries(9):
        response = client_in.get(question_url(question))
    html = response.content.decode()
    # 16 answers: a page of the newest, the count, and the way to the older ones.
    assert html.count('class="history-item"') == ANSWERS_PER_PAGE < 16
    assert '<span class="count">16</span>' in html
    assert 'href="?page=2#history-heading" rel="next">Older</a>' in html
    older = client_in.get(question_url(question), {"page": 2}).content.decode()
    assert older.count('class="history-item"') == 16 - ANSWERS_PER_PAGE
    assert f'start="{ANSWERS_PER_PAGE + 1}"' in older


# Notes


def test_note_save_with_htmx_returns_the_form_saying_saved(client_in, user, question):
    response = client_in.post(note_url(question), {"text": "Remember: lazy."}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<form id="note-form"')
    assert "Saved" in html
    assert QuestionNote.objects.get(user=user, question=question).text == "Remember: lazy."


def test_note_save_without_javascript_redirects_back_and_shows_it(client_in, user, question):
    response = client_in.post(note_url(question), {"text": "first"})
    assert response.status_code == 302
    assert response.url == question_url(question) + "#note-form"
    client_in.post(note_url(question), {"text": "second"})
    assert QuestionNote.objects.get(user=user, question=question).text == "second"
    html = client_in.get(question_url(question)).content.decode()
    assert "second</textarea>" in html
    assert "Note saved." in html


def test_note_too_long_shows_an_error_and_keeps_the_old_note(client_in, user, question):
    QuestionNote.objects.create(user=user, question=question, text="kept")
    response = client_in.post(note_url(question), {"text": "x" * 10001}, **HTMX)
    html = response.content.decode()
    assert "at most 10000 characters" in html
    assert "Saved" not in html
    full = client_in.post(note_url(question), {"text": "x" * 10001})
    assert full.status_code == 200
    assert "<html" in full.content.decode() and "at most 10000 characters" in full.content.decode()
    assert QuestionNote.objects.get(user=user, question=question).text == "kept"


def test_note_with_markup_is_shown_escaped(client_in, user, question):
    client_in.post(note_url(question), {"text": "<script>alert(1)</script>"})
    html = client_in.get(question_url(question)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_another_users_note_post_only_touches_their_own_note(client_in, other_client, user, question):
    QuestionNote.objects.create(user=user, question=question, text="mine")
    other_client.post(note_url(question), {"text": "theirs"})
    assert QuestionNote.objects.get(user=user, question=question).text == "mine"
    assert "mine" not in other_client.get(question_url(question)).content.decode()


# Bookmarks


def test_bookmark_with_htmx_swaps_the_button(client_in, user, question):
    response = client_in.post(bookmark_url(question), {"bookmarked": "on"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="bookmark-button"')
    assert "Remove bookmark" in html
    assert Bookmark.objects.filter(user=user, question=question).exists()


def test_bookmark_without_javascript_redirects_back(client_in, question):
    response = client_in.post(bookmark_url(question), {"bookmarked": "on"})
    assert response.url == question_url(question)
    assert "Remove bookmark" in client_in.get(response.url).content.decode()


def test_bookmark_sets_the_state_asked_for_so_double_clicks_agree(client_in, user, question):
    client_in.post(bookmark_url(question), {"bookmarked": "on"}, **HTMX)
    client_in.post(bookmark_url(question), {"bookmarked": "on"}, **HTMX)
    assert Bookmark.objects.filter(user=user, question=question).count() == 1
    client_in.post(bookmark_url(question), {"bookmarked": ""})
    response = client_in.post(bookmark_url(question), {"bookmarked": ""}, **HTMX)
    assert not Bookmark.objects.exists()
    assert ">Bookmark</button>" in response.content.decode()


def test_another_users_bookmark_post_only_touches_their_own(client_in, other_client, user, question):
    Bookmark.objects.create(user=user, question=question)
    other_client.post(bookmark_url(question), {"bookmarked": ""})
    assert Bookmark.objects.filter(user=user, question=question).exists()
    other_client.post(bookmark_url(question), {"bookmarked": "on"})
    assert Bookmark.objects.count() == 2
    assert listed(other_client.get(QUESTIONS, {"bookmarked": "on"})) == [question.prompt_md]


# Access


@pytest.mark.parametrize("name", ["quiz:question-note", "quiz:question-bookmark"])
def test_anonymous_is_sent_to_sign_in(client, question, name):
    response = client.post(reverse(name, args=[question.pk]), {"text": "x", "bookmarked": "on"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not QuestionNote.objects.exists() and not Bookmark.objects.exists()


def test_anonymous_bank_is_sent_to_sign_in_when_closed_to_visitors(client, question, settings):
    # Open to visitors by default (tests/test_visitors.py); DJANGO_BANK_OPEN_TO_VISITORS=0 closes it.
    settings.BANK_OPEN_TO_VISITORS = False
    for url in (QUESTIONS, question_url(question)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_posts_need_post(client_in, question):
    assert client_in.get(note_url(question)).status_code == 405
    assert client_in.get(bookmark_url(question)).status_code == 405


def test_results_page_links_each_question_to_its_page(client_in, user, question):
    interview = MockInterview.start(user, [question])
    interview.grade(interview.items.get(), Grade.GOOD)
    html = client_in.get(reverse("quiz:results", args=[interview.pk])).content.decode()
    assert f'href="{question_url(question)}"' in html


def test_nav_links_to_the_bank(client_in, db):
    assert f'href="{QUESTIONS}">Questions</a>' in client_in.get(QUESTIONS).content.decode()


# Sections: the tree in one query, counts without retired questions


def test_filtering_by_section_reads_the_tree_in_one_query(six_questions, django_assert_num_queries):
    section = six_questions[0].section
    for i in range(3):
        Section.objects.create(
            key=f"ml/t{i}", title=f"T{i}", parent=section, position=i + 1, source_path="ml.md"
        )
    with django_assert_num_queries(2):
        assert len(Question.objects.in_sections([section])) == len(six_questions)


def test_section_counts_leave_retired_questions_out(six_questions):
    six_questions[0].retired = True
    six_questions[0].save()
    (section,) = Section.objects.with_totals()
    assert (section.question_count, section.total_count) == (len(six_questions) - 1, len(six_questions) - 1)
