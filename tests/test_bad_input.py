"""Malformed input gets a clear 400 or a form error, never a 500 (issue 16, item 7)."""

import pytest
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from quiz.forms import SignUpForm
from quiz.models import MockInterview

NO_DATABASE_ID = "1" * 30  # more digits than any integer column holds


def test_a_section_id_too_big_for_the_database_is_a_form_error(client_in, question):
    response = client_in.post(
        reverse("quiz:interview-new"),
        {"sections": NO_DATABASE_ID, "question_count": 3, "timing": "untimed", "minutes": 3},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not MockInterview.objects.exists()


def test_the_admin_section_filter_with_a_huge_id_is_not_an_error(client, staff_user, question):
    client.force_login(staff_user)
    response = client.get(reverse("admin:quiz_question_changelist"), {"section": NO_DATABASE_ID})
    assert response.status_code == 200
    assert "0 questions" in response.content.decode()


@pytest.mark.parametrize("name", ["signup", "login", "quiz:interview-new"])
def test_a_form_post_in_utf16_gets_the_400_page(db, user, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("quiz:interview-new"))
    token = client.cookies["csrftoken"].value
    body = f"csrfmiddlewaretoken={token}&username=a".encode("utf-16")
    response = client.generic(
        "POST", reverse(name), body, content_type="application/x-www-form-urlencoded; charset=utf-16"
    )
    assert response.status_code == 400
    assert "The request could not be understood" in response.content.decode()


def test_a_username_taken_while_signing_up_is_a_form_error(client, db, monkeypatch):
    """Two sign-ups with one name at once: both pass the form's check, the second insert fails."""
    get_user_model().objects.create_user("twin")
    # Both checks ran before the other sign-up committed: neither saw the name taken.
    monkeypatch.setattr(auth_forms.UserCreationForm, "clean_username", lambda form: "twin")
    monkeypatch.setattr(SignUpForm, "validate_unique", lambda form: None)
    password = "a long enough passphrase 42"
    response = client.post(
        reverse("signup"), {"username": "twin", "password1": password, "password2": password}
    )
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert get_user_model().objects.filter(username="twin").count() == 1
