"""Accounts: sign up, sign in and out, password change and reset, lockout after repeated failures; the
account page's preferences (shortcuts, extra time), and deleting one's account and data."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from quiz.models import Bookmark, Flag, Grade, MockInterview, Preferences, QuestionNote, ReviewState

PASSWORD = "a-long-enough-passphrase"
USER_PASSWORD = "correct horse battery"  # the user fixture's
ACCOUNT = reverse("quiz:account")
DELETE = reverse("quiz:account-delete")


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


# The account page: preferences, and deleting the account


def practise(user, question) -> None:
    """Leave a trace of every kind: an interview with a grade, a review card, a note, a bookmark, a flag."""
    interview = MockInterview.start(user, [question])
    interview.grade(interview.items.get(), Grade.GOOD, answer_text="my answer")
    QuestionNote.objects.create(user=user, question=question, text="note")
    Bookmark.objects.create(user=user, question=question)
    Flag.objects.create(user=user, question=question, reason=Flag.Reason.TYPO)
    Preferences.objects.create(user=user, keyboard_shortcuts=False)


def traces(user_id: int) -> list[int]:
    return [
        model.objects.filter(user_id=user_id).count()
        for model in (MockInterview, ReviewState, QuestionNote, Bookmark, Flag, Preferences)
    ]


def test_preferences_default_to_shortcuts_on_and_the_set_time(client_in, user):
    form = client_in.get(ACCOUNT).context["form"]
    assert form["keyboard_shortcuts"].value() is True
    assert form["extra_time"].value() == Preferences.ExtraTime.NONE


def test_preferences_are_saved_per_user(client_in, user, intruder):
    response = client_in.post(ACCOUNT, {"extra_time": Preferences.ExtraTime.DOUBLE})  # box unticked
    assert response.status_code == 302
    assert (Preferences.for_user(user).keyboard_shortcuts, Preferences.for_user(user).extra_time) == (
        False,
        "2",
    )
    assert Preferences.for_user(intruder).keyboard_shortcuts is True
    assert "Preferences saved." in client_in.get(ACCOUNT).content.decode()


def test_every_saved_preference_is_on_the_form_so_saving_keeps_it(client_in, user):
    # A preference the form holds but the page does not show is posted as "off" by every save.
    prefs = Preferences.for_user(user)
    prefs.share_phrases = True
    prefs.save()
    html = client_in.get(ACCOUNT).content.decode()
    form = client_in.get(ACCOUNT).context["form"]
    for name in form.fields:
        assert f'name="{name}"' in html, name
    posted = {name: form[name].value() for name in form.fields}
    client_in.post(ACCOUNT, {name: value for name, value in posted.items() if value not in (False, None)})
    assert Preferences.for_user(user).share_phrases is True


def test_an_unknown_extra_time_is_a_form_error(client_in, user):
    response = client_in.post(ACCOUNT, {"extra_time": "10"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Preferences.objects.exists()


@pytest.mark.parametrize(
    "extra,limits",
    [("none", (60, 180)), ("1.5", (90, 270)), ("2", (120, 360)), ("untimed", (None, None))],
)
def test_extra_time_stretches_the_limits_of_an_interview(user, extra, limits):
    assert Preferences(user=user, extra_time=extra).time_allowed(60, 180) == limits
    assert Preferences(user=user, extra_time=extra).time_allowed(None, None) == (None, None)


def test_the_account_page_leads_to_deletion(client_in):
    assert DELETE in client_in.get(ACCOUNT).content.decode()


def test_deletion_asks_for_the_password_and_offers_the_export_first(client_in):
    html = client_in.get(DELETE).content.decode()
    assert 'type="password"' in html
    assert html.index("?format=csv") < html.index("Delete my account and data")


def test_a_wrong_password_deletes_nothing(client, user, question):
    practise(user, question)
    client.force_login(user)
    response = client.post(DELETE, {"password": "not it"})
    assert response.status_code == 200
    assert "That is not your password. Nothing was deleted." in response.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists() and traces(user.pk) == [1, 1, 1, 1, 1, 1]


def test_deleting_removes_the_user_and_their_data_and_no_one_elses(client, user, intruder, question):
    practise(user, question)
    practise(intruder, question)
    client.force_login(user)
    response = client.post(DELETE, {"password": USER_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("quiz:home")
    html = response.content.decode()
    assert "Your account and all your practice data are deleted." in html and "Sign in" in html
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert traces(user.pk) == [0, 0, 0, 0, 0, 0]
    assert traces(intruder.pk) == [1, 1, 1, 1, 1, 1]
    assert client.get(ACCOUNT).status_code == 302  # signed out


def test_deletion_is_a_post_with_csrf(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(DELETE, {"password": USER_PASSWORD}).status_code == 403
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_extra_time_stretches_the_interviews_a_user_starts_and_untimed_removes_the_clock(user, make_question):
    questions = [make_question(), make_question()]
    Preferences.objects.create(user=user, extra_time=Preferences.ExtraTime.HALF)
    stretched = MockInterview.start(user, questions, seconds_per_question=120)
    assert stretched.seconds_per_question == 180 and stretched.total_seconds == 2 * 180
    Preferences.objects.filter(user=user).update(extra_time=Preferences.ExtraTime.UNTIMED)
    untimed = MockInterview.start(user, questions, total_seconds=600)
    assert untimed.deadline is None and untimed.seconds_per_question is None


def test_practising_the_missed_questions_gives_extra_time_once(client_in, user, make_question):
    Preferences.objects.create(user=user, extra_time=Preferences.ExtraTime.DOUBLE)
    setup = {"timing": "per_question", "minutes": 2}
    first = MockInterview.start(
        user, [make_question(), make_question()], seconds_per_question=120, setup=setup
    )
    assert first.seconds_per_question == 240
    first.grade(first.current_item(), Grade.MISSED)
    client_in.post(reverse("quiz:practise-missed", args=[first.pk]))
    again = MockInterview.objects.for_user(user).latest("created_at")
    assert again.pk != first.pk and again.seconds_per_question == 240  # 2 x the 2 minutes chosen, not 4 x
