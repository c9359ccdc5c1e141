"""The account page: preferences (shortcuts, extra time) and deleting one's account and data."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from quiz.models import Bookmark, Flag, Grade, MockInterview, Preferences, QuestionNote, ReviewState

PASSWORD = "correct horse battery"
ACCOUNT = reverse("quiz:account")
DELETE = reverse("quiz:account-delete")


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
    response = client.post(DELETE, {"password": PASSWORD}, follow=True)
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
    assert client.post(DELETE, {"password": PASSWORD}).status_code == 403
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
