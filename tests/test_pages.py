"""The home page and the health check."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from quiz.models import Question, Section


def _bank():
    root = Section.objects.create(key="chapter7", title="Chapter 7. Computer Science", source_path="c7.md")
    basics = Section.objects.create(
        key="chapter7/basics", title="7.1 Basics", parent=root, position=1, source_path="c7.md"
    )
    for i in range(3):
        Question.objects.create(key=f"q{i}", section=basics, prompt_md=f"Q{i}?", source_path="c7.md")
    Question.objects.create(key="gone", section=basics, prompt_md="Gone?", source_path="c7.md", retired=True)


def test_home_lists_sections_with_question_counts_rolled_up(client, db):
    _bank()
    html = client.get(reverse("quiz:home")).content.decode()
    assert "Chapter 7. Computer Science" in html and "7.1 Basics" in html
    # The chapter shows its topic's three active questions; the retired one is not counted.
    assert html.count('<span class="count" title="questions">3</span>') == 2
    assert "Sign up to practise" in html


def test_home_for_signed_in_user_offers_quick_start(client, db):
    _bank()
    client.force_login(get_user_model().objects.create_user("ada"))
    html = client.get(reverse("quiz:home")).content.decode()
    assert "Start: 10 questions, 3 minutes each" in html


def test_home_query_count_is_constant(client, db, django_assert_num_queries):
    _bank()
    with django_assert_num_queries(1):
        client.get(reverse("quiz:home"))


def test_empty_bank_tells_how_to_load_it(client, db):
    assert "manage.py load_content" in client.get(reverse("quiz:home")).content.decode()


def test_healthz_answers_ok_after_touching_the_database(client, db):
    response = client.get(reverse("quiz:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_pages_send_a_strict_content_security_policy(client, db):
    policy = client.get(reverse("quiz:home"))["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
