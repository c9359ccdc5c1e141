"""The home page, the health check and the error pages."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousOperation
from django.templatetags.static import static
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from quiz.models import MockInterview, Question, Section


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


def _two_files_loaded_parents_first():
    """Two files, each a root with a topic, created roots first as ``load_content`` does: pks differ from
    the bank order, which is by ``position``."""
    python = Section.objects.create(key="python", title="Python QnA", position=0, source_path="p.md")
    maths = Section.objects.create(key="maths", title="Chapter 5. Math", position=2, source_path="c5.md")
    for parent, title, position in [(python, "Pandas", 1), (maths, "5.1.1 Vectors", 3)]:
        topic = Section.objects.create(
            key=f"{parent.key}/{position}", title=title, parent=parent, position=position, source_path="x.md"
        )
        for n in range(position + 1):
            Question.objects.create(
                key=f"{topic.key}/{n}", section=topic, prompt_md="Why?", source_path="x.md"
            )
    return ["Python QnA", "Pandas", "Chapter 5. Math", "5.1.1 Vectors"]


def test_home_and_setup_list_each_topic_under_its_own_file(client, db):
    in_bank_order = _two_files_loaded_parents_first()
    home = client.get(reverse("quiz:home")).content.decode()
    assert sorted(in_bank_order, key=home.index) == in_bank_order
    client.force_login(get_user_model().objects.create_user("ada"))
    setup = client.get(reverse("quiz:interview-new")).content.decode()
    assert sorted(in_bank_order, key=setup.index) == in_bank_order
    # A file's checkbox counts the questions of its topics, which ticking it brings in.
    for label in ["Python QnA (2)", "Pandas (2)", "Chapter 5. Math (4)", "5.1.1 Vectors (4)"]:
        assert label in setup


def test_home_for_signed_in_user_offers_quick_start(client, db):
    _bank()
    client.force_login(get_user_model().objects.create_user("ada"))
    # No question has a reference answer yet: nothing to start in one click; the setup page says why.
    html = client.get(reverse("quiz:home")).content.decode()
    assert 'name="quick"' not in html and "Choose sections and timing" in html
    Question.objects.filter(key__in=["q0", "q1"]).update(answer_md="Because.")
    # A bank smaller than the quick start's ten: the button offers what there is, and the start gives it.
    html = client.get(reverse("quiz:home")).content.decode()
    assert "Start: 2 questions, 3 minutes each" in html
    client.post(reverse("quiz:interview-new"), {"quick": "1"})
    assert MockInterview.objects.get().items.count() == 2


def test_home_offers_ten_questions_from_a_bigger_bank(client, db):
    section = Section.objects.create(key="big", title="Big", source_path="big.md")
    for i in range(12):
        Question.objects.create(
            key=f"b{i}", section=section, prompt_md=f"B{i}?", answer_md="A.", source_path="big.md"
        )
    client.force_login(get_user_model().objects.create_user("ada"))
    assert "Start: 10 questions, 3 minutes each" in client.get(reverse("quiz:home")).content.decode()


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


# Error pages: in the app's look, saying what happened and where to go, without leaking what exists.


def test_an_unknown_address_gets_the_apps_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html and 'class="site-header"' in html
    assert "Back to the start" in html


def test_another_users_interview_gets_the_same_404_page_as_a_missing_one(client, db, make_question):
    owner, other = (get_user_model().objects.create_user(name) for name in ("ada", "mallory"))
    interview = MockInterview.start(owner, [make_question()], seconds_per_question=60)
    client.force_login(other)
    theirs = client.get(reverse("quiz:interview-step", args=[interview.pk]))
    missing = client.get(reverse("quiz:interview-step", args=[interview.pk + 1000]))
    assert theirs.status_code == missing.status_code == 404

    def page(response) -> str:  # without the per-request CSP nonce and masked CSRF token
        return re.sub(
            r'(nonce="|"x-csrftoken": "|name="csrfmiddlewaretoken" value=")[^"]+',
            "",
            response.content.decode(),
        )

    assert page(theirs) == page(missing)
    assert b"Page not found" in theirs.content and b"MockInterview" not in theirs.content


def test_a_page_for_reviewers_gets_the_apps_403_page(client, db):
    client.force_login(get_user_model().objects.create_user("ada"))
    response = client.get(reverse("quiz:review-queue"))
    assert response.status_code == 403
    assert "You can't open this page" in response.content.decode()
    assert 'href="/accounts/login/"' not in response.content.decode()  # signed in: the nav says so


def test_a_post_without_its_csrf_token_explains_the_expired_form(db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.create_user("ada"))
    response = client.post(reverse("quiz:interview-new"), {"quick": "1"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert not MockInterview.objects.exists()


def test_server_error_and_bad_request_pages_render_without_a_request():
    request = RequestFactory().get("/")
    error = defaults.server_error(request)
    assert error.status_code == 500 and "Something went wrong on our side" in error.content.decode()
    bad = defaults.bad_request(request, SuspiciousOperation("bad"))
    assert bad.status_code == 400 and "could not be understood" in bad.content.decode()


def test_a_section_with_no_question_below_it_is_never_offered(client, db):
    in_bank_order = _two_files_loaded_parents_first()
    empty_file = Section.objects.create(
        key="links", title="Chapter 8. Links only", position=9, source_path="c8.md"
    )
    Section.objects.create(
        key="links/topic", title="8.1 Nothing yet", parent=empty_file, position=10, source_path="c8.md"
    )
    home = client.get(reverse("quiz:home")).content.decode()
    client.force_login(get_user_model().objects.create_user("ada"))
    setup = client.get(reverse("quiz:interview-new")).content.decode()
    for page in (home, setup):
        assert all(title in page for title in in_bank_order)
        assert "Links only" not in page and "Nothing yet" not in page


@pytest.mark.parametrize("url", ["/no-such-page/", "/questions/999999/"])
def test_a_missing_page_shows_the_apps_404_even_with_debug_on(client, db, settings, url):
    """``make run`` has DEBUG on; a newcomer who mistypes a URL must not get Django's list of patterns."""
    settings.DEBUG = True
    client.force_login(get_user_model().objects.create_user("ada"))
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html and "Back to the start" in html
    assert "URLconf" not in html and "admin/" not in html


def test_a_missing_url_without_its_slash_is_still_redirected_with_debug_on(client, db, settings):
    settings.DEBUG = True
    response = client.get("/questions")
    assert response.status_code == 301 and response["Location"] == "/questions/"


def test_favicon_ico_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == static("favicon.svg")
    assert "<svg" in Path(finders.find("favicon.svg")).read_text()
