"""One permission decides who may replace a reference answer, in the app as in the admin (issue 16.9)."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import reviewers_group


def edit(client, question, text):
    url = reverse("quiz:answer-edit", args=[question.pk])
    return client.post(url, {"answer_md": text, "base_revision": ""})


def test_staff_without_the_permission_cannot_use_the_answer_editor(client, question):
    bare_staff = get_user_model().objects.create_user("stan", password="x-secret-x", is_staff=True)
    client.force_login(bare_staff)
    assert client.get(reverse("quiz:answer-edit", args=[question.pk])).status_code == 403
    assert edit(client, question, "Replaced by staff.").status_code == 403
    admin_url = reverse("admin:quiz_question_change", args=[question.pk])
    assert client.post(admin_url, {"answer_md": "Replaced in admin."}).status_code == 403
    question.refresh_from_db()
    assert question.answer_md == "An **iterator** that yields lazily."


def test_a_reviewer_with_the_permission_can(client, question):
    reviewer = get_user_model().objects.create_user("rita", password="x-secret-x")
    reviewer.groups.add(reviewers_group())
    client.force_login(reviewer)
    assert edit(client, question, "Fixed by a reviewer.").url == reverse("quiz:review-queue")
    question.refresh_from_db()
    assert question.answer_md == "Fixed by a reviewer."
