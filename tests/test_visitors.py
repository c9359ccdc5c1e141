"""Signed-out visitors may browse the bank and try a sample question before signing up (issue 21, item 10):
the question list and the questions' pages, never anyone's answers, notes, bookmarks or schedule. A setting
(DJANGO_BANK_OPEN_TO_VISITORS) closes the bank to them. Home's section names open the bank filtered by them,
and its two-column list keeps each chapter with its topics."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from quiz import throttles
from quiz.answer_parts import join_key_points
from quiz.models import Bookmark, InterviewItem, MockInterview, QuestionNote, ReviewState, Section
from quiz.views.pages import chapters

QUESTIONS = reverse("quiz:questions")
TRY = reverse("quiz:try")


@pytest.fixture
def someones_data(question):
    """A user's note, bookmark and typed answer on ``question``: what no visitor may see."""
    ada = get_user_model().objects.create_user("ada")
    QuestionNote.objects.create(user=ada, question=question, text="Ada's private note")
    Bookmark.objects.create(user=ada, question=question)
    interview = MockInterview.start(ada, [question])
    InterviewItem.objects.filter(interview=interview).update(answer_text="Ada's typed answer")
    return ada


def test_a_visitor_browses_the_question_list(client, make_question):
    make_question(prompt_md="What is **overfitting**?")
    make_question(prompt_md="What does dropout do?")
    response = client.get(QUESTIONS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>overfitting</strong>" in html and "What does dropout do?" in html
    assert "browsing as a visitor" in html and f'href="{TRY}"' in html
    # Nothing of "Mine" (no history to filter by) and no exports (they are for accounts).
    assert "I missed it" not in html and "Bookmarked" not in html
    assert "format=apkg" not in html


def test_a_visitors_own_filters_are_ignored_not_an_error(client, make_question):
    make_question(prompt_md="Kept")
    response = client.get(QUESTIONS, {"bookmarked": "on", "missed": "on", "due": "on"})
    assert response.status_code == 200
    assert [q.prompt_md for q in response.context["page"].object_list] == ["Kept"]


def test_a_visitor_searches_the_bank(client, make_question):
    make_question(prompt_md="Why use a generator?", answer_md="It yields lazily.")
    make_question(prompt_md="Unrelated")
    response = client.get(QUESTIONS, {"q": "lazily"})
    assert [q.prompt_md for q in response.context["page"].object_list] == ["Why use a generator?"]


def test_a_visitor_sees_a_question_and_its_reference_answer_but_nobodys_data(client, question, someones_data):
    response = client.get(reverse("quiz:question", args=[question.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "What does a Python generator return?" in html
    assert "<strong>iterator</strong>" in html  # the reference answer
    for private in ("Ada's private note", "Ada's typed answer", "Bookmarked", "Your answers", "Private note"):
        assert private not in html
    assert "Your review schedule" not in html and 'name="csrfmiddlewaretoken"' not in html
    assert "Sign up to practise" in html


def test_a_visitor_cannot_open_a_retired_question(client, question):
    question.retired = True
    question.save()
    assert client.get(reverse("quiz:question", args=[question.pk])).status_code == 404


def test_a_visitor_cannot_note_bookmark_flag_or_export(client, question):
    for name in ("quiz:question-note", "quiz:question-bookmark", "quiz:flag-answer"):
        response = client.post(reverse(name, args=[question.pk]), {"text": "x", "bookmarked": "on"})
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.get(reverse("quiz:questions-export"), {"format": "csv"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not QuestionNote.objects.exists() and not Bookmark.objects.exists()


def test_closed_to_visitors_the_bank_and_the_sample_ask_to_sign_in(client, question, settings):
    settings.BANK_OPEN_TO_VISITORS = False
    for url in (QUESTIONS, reverse("quiz:question", args=[question.pk]), TRY):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    home = client.get("/").content.decode()
    assert f'href="{QUESTIONS}?section=' not in home and f'href="{TRY}"' not in home


def test_the_setting_comes_from_the_environment():
    check = "from django.conf import settings; print(settings.BANK_OPEN_TO_VISITORS)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "interview.settings"}
    for value, expected in ((None, "True"), ("0", "False"), ("1", "True")):
        run_env = {k: v for k, v in env.items() if k != "DJANGO_BANK_OPEN_TO_VISITORS"}
        if value is not None:
            run_env["DJANGO_BANK_OPEN_TO_VISITORS"] = value
        result = subprocess.run(
            [sys.executable, "-c", check],
            cwd=django_settings.BASE_DIR,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == expected, result.stderr


# The sample question


@pytest.fixture
def sample(make_question):
    points = ["high bias means underfitting", "high variance means overfitting"]
    make_question(prompt_md="No key points", answer_md="Nothing to check.")
    make_question(prompt_md="In a group", answer_md=join_key_points("x", points), group_title="Shared")
    return make_question(
        prompt_md="What is the **bias-variance** trade-off?",
        answer_md=join_key_points("Simple models underfit, complex ones overfit.", points),
    )


def test_the_sample_question_stands_on_its_own_and_has_key_points(client, sample):
    response = client.get(TRY)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>bias-variance</strong>" in html
    assert "No key points" not in html and "In a group" not in html
    assert "Simple models underfit" not in html  # the answer waits for Reveal


def test_a_visitor_answers_the_sample_and_sees_what_it_covers_and_nothing_is_kept(client, sample):
    answer = "A model with high variance is overfitting the training data."
    response = client.post(TRY, {"answer_text": answer})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Simple models underfit, complex ones overfit." in html
    covered = re.search(r'<li class="is-covered">high variance means overfitting', html)
    assert covered and "You said:" in html
    assert re.search(r'<li class="is-(missing|unsure)">high bias means underfitting', html)  # not said
    assert answer in html  # still in the box, to compare
    assert not InterviewItem.objects.exists() and not ReviewState.objects.exists()
    assert not MockInterview.objects.exists()


def test_a_sample_answer_that_says_a_point_the_other_way_is_told_so(client, sample):
    html = client.post(TRY, {"answer_text": "High variance means underfitting."}).content.decode()
    row = re.search(r'<li class="is-contradicted">high variance means overfitting.*?</li>', html, re.DOTALL)
    assert row and "Says otherwise?" in row.group(0) and "<q>High variance means</q>" in row.group(0)


def test_an_empty_sample_answer_shows_the_key_points_unchecked(client, sample):
    html = client.post(TRY, {"answer_text": ""}).content.decode()
    assert "You typed nothing, so nothing was checked" in html and "high bias means underfitting" in html


def test_an_over_long_sample_answer_is_a_form_error(client, sample):
    response = client.post(TRY, {"answer_text": "x" * 20001})
    assert response.status_code == 200
    assert "Your answer is over 20000 characters" in response.content.decode()


def test_checking_sample_answers_is_throttled_per_address(client, sample, fresh_throttles):
    limit, _ = throttles.limit_and_seconds("sample-tries")
    for _ in range(limit):
        assert client.post(TRY, {"answer_text": "overfitting"}).status_code == 200
    refused = client.post(TRY, {"answer_text": "overfitting"})
    assert refused.status_code == 429 and "The sample question has been tried" in refused.content.decode()
    assert client.post(TRY, {"answer_text": "x"}, REMOTE_ADDR="10.9.0.2").status_code == 200


def test_an_empty_bank_has_no_sample(client, db):
    assert client.get(TRY).status_code == 404


# Home: the sections


@pytest.fixture
def chapters_and_topics(db, make_question):
    made = {}
    for n, (title, topics) in enumerate([("Statistics", ["Tests", "Sampling"]), ("Python", ["Pandas"])]):
        chapter = Section.objects.create(key=f"c{n}", title=title, position=10 * n, source_path="s.md")
        made[title] = chapter
        make_question(section=chapter)
        for m, topic_title in enumerate(topics):
            topic = Section.objects.create(
                key=f"c{n}/t{m}",
                title=topic_title,
                parent=chapter,
                position=10 * n + m + 1,
                source_path="s.md",
            )
            made[topic_title] = topic
            make_question(section=topic)
    return made


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_section_names_open_the_bank_filtered_by_them(client, user, chapters_and_topics, signed_in):
    if signed_in:
        client.force_login(user)
    html = client.get("/").content.decode()
    for title, section in chapters_and_topics.items():
        link = f'<a class="section-title" href="{QUESTIONS}?section={section.pk}">{title}</a>'
        assert link in html
    pandas = client.get(QUESTIONS, {"section": chapters_and_topics["Python"].pk})
    assert pandas.context["page"].paginator.count == 2  # the chapter's own question and its topic's


def test_home_keeps_each_chapter_with_its_topics(client, chapters_and_topics):
    groups = client.get("/").context["chapters"]
    assert [(chapter.title, [t.title for t in topics]) for chapter, topics in groups] == [
        ("Statistics", ["Tests", "Sampling"]),
        ("Python", ["Pandas"]),
    ]
    html = client.get("/").content.decode()
    statistics = html[html.index(">Statistics<") : html.index(">Python<")]
    assert "Tests" in statistics and "Sampling" in statistics and "Pandas" not in statistics
    assert html.count('<li class="section-group">') == 2


def test_chapters_groups_a_flat_tree_in_order(chapters_and_topics):
    sections = Section.objects.filter(retired=False).with_totals()
    assert sum(1 + len(topics) for _, topics in chapters(sections)) == len(sections)
