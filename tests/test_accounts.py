"""Accounts: sign up, sign in and out, password change and reset, lockout after repeated failures."""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

PASSWORD = "a-long-enough-passphrase"


def test_sign_up_creates_account_and_signs_in(client, db):
    response = client.post(
        reverse("signup"),
        {"username": "grace", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.url == reverse("quiz:home")
    home = client.get(reverse("quiz:home")).content.decode()
    assert "grace" in home and "Sign out" in home


def test_sign_up_with_mismatched_passwords_shows_form_error(client, db):
    response = client.post(
        reverse("signup"), {"username": "grace", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    assert not get_user_model().objects.exists()


def test_sign_in_page_looks_like_the_app(client, db):
    html = client.get(reverse("login")).content.decode()
    assert 'class="brand"' in html and "Forgot your password?" in html


def test_sign_in_and_sign_out(client, db):
    get_user_model().objects.create_user("grace", password=PASSWORD)
    response = client.post(reverse("login"), {"username": "grace", "password": PASSWORD})
    assert response.url == reverse("quiz:home")
    response = client.post(reverse("logout"))
    assert response.url == reverse("quiz:home")
    assert "Sign in" in client.get(reverse("quiz:home")).content.decode()


def test_wrong_password_gives_a_clear_error(client, db):
    get_user_model().objects.create_user("grace", password=PASSWORD)
    html = client.post(reverse("login"), {"username": "grace", "password": "nope"}).content.decode()
    assert "Please enter a correct username and password" in html


def test_repeated_failures_lock_the_account_with_a_message(client, db):
    get_user_model().objects.create_user("grace", password=PASSWORD)
    for _ in range(5):
        client.post(reverse("login"), {"username": "grace", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "grace", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_success_resets_the_failure_count(client, db):
    get_user_model().objects.create_user("grace", password=PASSWORD)
    for _ in range(4):
        client.post(reverse("login"), {"username": "grace", "password": "wrong"})
    client.post(reverse("login"), {"username": "grace", "password": PASSWORD})
    client.post(reverse("logout"))
    for _ in range(4):
        client.post(reverse("login"), {"username": "grace", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302


def test_password_change(client, db):
    user = get_user_model().objects.create_user("grace", password=PASSWORD)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": PASSWORD + "2", "new_password2": PASSWORD + "2"},
    )
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(PASSWORD + "2")


def test_password_reset_mails_a_working_link(client, db):
    user = get_user_model().objects.create_user("grace", email="grace@example.com", password=PASSWORD)
    client.post(reverse("password_reset"), {"email": "grace@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": PASSWORD + "3", "new_password2": PASSWORD + "3"})
    user.refresh_from_db()
    assert user.check_password(PASSWORD + "3")
