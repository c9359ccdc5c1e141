"""The admin where answers get fixed (search, filters, preview, history, revert), and `demo_account`."""

import re
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quiz.models import Question, Section
from quiz.rendering import MAX_MARKDOWN_CHARS

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:quiz_question_changelist")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def listed_prompts(response) -> set[str]:
    return {str(q) for q in response.context["cl"].result_list}


def change_url(question) -> str:
    return reverse("admin:quiz_question_change", args=[question.pk])


def edit_answer(admin_client, question, answer):
    response = admin_client.post(change_url(question), {"answer_md": answer, "_save": "Save"})
    assert response.status_code == 302


def test_question_changelist_search_finds_a_question_by_its_text(admin_client, make_question):
    make_question(prompt_md="Explain the bias-variance trade-off.")
    make_question(prompt_md="What is a Python decorator?", answer_md="A function wrapping a *callable*.")

    by_prompt = admin_client.get(CHANGELIST, {"q": "bias-variance"})
    by_answer = admin_client.get(CHANGELIST, {"q": "wrapping"})

    assert listed_prompts(by_prompt) == {"Explain the bias-variance trade-off."}
    assert listed_prompts(by_answer) == {"What is a Python decorator?"}


def test_question_changelist_answered_no_lists_only_unanswered(admin_client, make_question):
    make_question(prompt_md="Answered?")
    make_question(prompt_md="Not answered yet?", answer_md="")

    response = admin_client.get(CHANGELIST, {"answered": "no"})

    assert listed_prompts(response) == {"Not answered yet?"}
    assert listed_prompts(admin_client.get(CHANGELIST, {"answered": "yes"})) == {"Answered?"}


def test_question_changelist_edited_since_import_lists_admin_edits(admin_client, make_question):
    edited = make_question(prompt_md="Edited?")
    make_question(prompt_md="As imported?")
    edit_answer(admin_client, edited, "A better answer.")

    response = admin_client.get(CHANGELIST, {"edited": "yes"})

    assert listed_prompts(response) == {"Edited?"}
    assert listed_prompts(admin_client.get(CHANGELIST, {"edited": "no"})) == {"As imported?"}


def test_question_changelist_section_filter_includes_child_sections(admin_client, section, make_question):
    pandas = Section.objects.create(
        key="python-qna/pandas", title="Pandas", parent=section, source_path="p.md"
    )
    other = Section.objects.create(key="chapter-7", title="Chapter 7", source_path="c.md")
    make_question(prompt_md="Top-level Python?")
    make_question(prompt_md="Pandas groupby?", section=pandas)
    make_question(prompt_md="Chapter 7 question?", section=other)

    response = admin_client.get(CHANGELIST, {"section": section.pk})

    assert listed_prompts(response) == {"Top-level Python?", "Pandas groupby?"}
    assert "Pandas" in response.content.decode()


def test_question_changelist_query_count_does_not_grow_with_questions(admin_client, make_question):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(CHANGELIST).status_code == 200
        return len(queries)

    for _ in range(3):
        make_question()
    with_three = count_queries()
    for _ in range(27):
        make_question()

    assert count_queries() == with_three


def test_question_change_page_shows_rendered_answer_and_provenance(admin_client, question):
    response = admin_client.get(change_url(question))

    page = response.content.decode()
    assert "An <strong>iterator</strong> that yields lazily." in page
    assert f"{question.source_path}:{question.source_line}" in page
    assert question.key in page
    assert 'name="answer_md"' in page
    assert 'name="prompt_md"' not in page  # prompts come from the markdown


def test_question_change_page_preview_never_runs_script_from_an_answer(admin_client, make_question):
    question = make_question(answer_md="<script>alert(1)</script> fine")

    page = admin_client.get(change_url(question)).content.decode()

    assert "<script>alert(1)</script>" not in page


def test_question_preview_renders_the_typed_answer_safely(admin_client, question):
    page = admin_client.get(change_url(question)).content.decode()
    assert 'src="/static/admin-preview.js"' in page

    response = admin_client.post(
        reverse("admin:quiz_question_preview"), {"answer_md": "**bold** <script>alert(1)</script>"}
    )

    assert response.content.decode().startswith("<p><strong>bold</strong> &lt;script&gt;")
    assert not Question.history.filter(answer_md__contains="bold").exists()  # previewing saves nothing


def test_question_preview_is_for_staff_only(client, user):
    client.force_login(user)

    response = client.post(reverse("admin:quiz_question_preview"), {"answer_md": "x"})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_question_history_lists_the_edit_and_who_made_it(admin_client, staff_user, question):
    edit_answer(admin_client, question, "Generators return a generator iterator.")

    response = admin_client.get(reverse("admin:quiz_question_history", args=[question.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Generators return a generator iterator." in page
    assert staff_user.username in page


def test_question_revert_from_history_restores_the_old_answer(admin_client, question):
    original = question.history.earliest()
    edit_answer(admin_client, question, "A wrong answer.")
    revert_url = reverse("admin:quiz_question_simple_history", args=[question.pk, original.history_id])
    assert "An **iterator** that yields lazily." in admin_client.get(revert_url).content.decode()

    response = admin_client.post(revert_url, {"answer_md": original.answer_md, "_save": "Revert"})

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer_md == "An **iterator** that yields lazily."
    assert question.answer_html == "<p>An <strong>iterator</strong> that yields lazily.</p>"
    assert not question.edited_since_import
    assert question.history.count() == 3


def test_admin_question_pages_run_no_inline_script_under_csp(admin_client, question):
    edit_answer(admin_client, question, "Edited.")
    original = question.history.earliest()
    urls = [
        CHANGELIST,
        change_url(question),
        reverse("admin:quiz_question_history", args=[question.pk]),
        reverse("admin:quiz_question_simple_history", args=[question.pk, original.history_id]),
    ]
    for url in urls:
        response = admin_client.get(url)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert all("src=" in tag for tag in scripts), (url, scripts)
        assert not re.search(r"<[^>]+\son[a-z]+=", page), url


def test_section_changelist_shows_question_counts_in_constant_queries(admin_client, section, make_question):
    for _ in range(3):
        make_question()
    make_question(retired=True)
    url = reverse("admin:quiz_section_changelist")

    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(url)
    for _ in range(10):
        make_question(
            section=Section.objects.create(key=f"s{_}", title=f"S{_}", parent=section, source_path="x")
        )
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)

    assert response.context["cl"].result_list[0].question_count == 3
    assert len(many) == len(few)


def test_question_cannot_be_deleted_in_admin(admin_client, question):
    response = admin_client.post(reverse("admin:quiz_question_delete", args=[question.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()


def demo_account() -> tuple[str, str]:
    out = StringIO()
    call_command("demo_account", stdout=out)
    match = re.search(
        r"Demo account: username (\S+), password (\S+) — sign in at http://\S+/accounts/login/",
        out.getvalue(),
    )
    assert match, out.getvalue()
    assert "createsuperuser" in out.getvalue()
    return match.group(1), match.group(2)


def test_demo_account_prints_credentials_that_sign_in(client):
    username, password = demo_account()

    response = client.post(reverse("login"), {"username": username, "password": password})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(get_user_model().objects.get(username="demo").pk)


def test_demo_account_run_again_resets_the_password(client):
    _, old_password = demo_account()
    username, new_password = demo_account()

    assert get_user_model().objects.filter(username="demo").count() == 1
    demo = get_user_model().objects.get(username=username)
    assert demo.check_password(new_password)
    assert not demo.check_password(old_password)
    assert not demo.is_staff


def test_admin_edit_posted_with_crlf_is_stored_with_plain_newlines(client, staff_user, make_question):
    question = make_question()
    client.force_login(staff_user)
    url = reverse("admin:quiz_question_change", args=[question.pk])
    client.post(url, {"answer_md": "Line one.\r\n\r\n- a point\r\n", "_save": "Save"})
    question.refresh_from_db()
    assert question.answer_md == "Line one.\n\n- a point"


@pytest.mark.parametrize(
    ("answer", "message"),
    [("x" * (MAX_MARKDOWN_CHARS + 1), "at most"), ("- " * 600 + "x", "nested more than")],
)
def test_an_answer_the_renderer_refuses_is_a_form_error_in_admin(admin_client, question, answer, message):
    response = admin_client.post(change_url(question), {"answer_md": answer, "_save": "Save"})
    assert response.status_code == 200 and message in response.content.decode()
    preview = admin_client.post(reverse("admin:quiz_question_preview"), {"answer_md": answer})
    assert preview.status_code == 200 and 'class="errornote"' in preview.content.decode()
    question.refresh_from_db()
    assert question.answer_md == "An **iterator** that yields lazily."


def test_history_page_reads_as_plain_words_and_shows_whole_changes(admin_client, question):
    long_answer = (
        "An iterator. " + "It yields one value at a time, lazily, until it is exhausted. " * 4 + "THE END."
    )
    edit_answer(admin_client, question, long_answer)
    page = admin_client.get(reverse("admin:quiz_question_history", args=[question.pk])).content.decode()
    headings = re.findall(r'<th scope="col">\s*(.*?)\s*</th>', page)
    assert "Compare" in headings and not any("_" in heading for heading in headings)
    reasons = re.findall(r"<td>\s*(None|Answer edited in admin|—)\s*</td>", page)
    assert "None" not in reasons and "Answer edited in admin" in reasons
    assert "THE END." in page  # the whole change, not a 100-character cut-off
    assert "Answer html" not in page  # the HTML cache repeats the markdown's change


def test_compare_and_revert_pages_have_the_admins_breadcrumbs(admin_client, question):
    edit_answer(admin_client, question, "Edited.")
    original = question.history.earliest()
    for url in [
        reverse("admin:quiz_question_answer_diff", args=[question.pk]),
        reverse("admin:quiz_question_simple_history", args=[question.pk, original.history_id]),
    ]:
        page = admin_client.get(url).content.decode()
        assert '<ol class="breadcrumbs">' in page and '<div class="breadcrumbs">' not in page, url
        assert reverse("admin:quiz_question_history", args=[question.pk]) in page


def test_a_revert_is_logged_as_a_revert(admin_client, question):
    original = question.history.earliest()
    edit_answer(admin_client, question, "A wrong answer.")
    revert_url = reverse("admin:quiz_question_simple_history", args=[question.pk, original.history_id])
    admin_client.post(revert_url, {"answer_md": original.answer_md, "_save": "Revert"})
    latest = question.history.latest()
    assert latest.history_change_reason == f"Reverted to revision {original.history_id}"
    entry = LogEntry.objects.filter(object_id=str(question.pk)).latest("action_time")
    assert entry.get_change_message() == f"Reverted to revision {original.history_id}"
    page = admin_client.get(reverse("admin:quiz_question_history", args=[question.pk])).content.decode()
    assert f"Reverted to revision {original.history_id}" in page
