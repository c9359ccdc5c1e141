"""Password guessing is throttled on both sign-in pages, the app's and the admin's (django-axes).

After AXES_FAILURE_LIMIT wrong passwords for one username from one address, even the right password is refused
with the lockout page (429) until the cool-off passes; a success before the limit starts the count again.
"""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

PASSWORD = "correct horse battery"
SIGN_IN_PAGES = ["login", "admin:login"]


@pytest.fixture
def grace(db):
    # Staff, so that the right password opens the admin as well as the app.
    return get_user_model().objects.create_user("grace", password=PASSWORD, is_staff=True)


def sign_in(client: Client, page: str, password: str, username: str = "grace", ip: str = "10.0.0.1"):
    return client.post(
        reverse(page), {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )


def fail(client: Client, page: str, times: int, **kwargs) -> list[int]:
    return [sign_in(client, page, "wrong password", **kwargs).status_code for _ in range(times)]


def is_locked_out(response) -> bool:
    return response.status_code == 429 and "Too many failed sign-ins" in response.content.decode()


@pytest.mark.parametrize("page", SIGN_IN_PAGES)
def test_the_right_password_is_refused_after_the_failure_limit(client, grace, page):
    limit = settings.AXES_FAILURE_LIMIT
    assert fail(client, page, limit - 1) == [200] * (limit - 1)  # the form again, with an error
    assert is_locked_out(sign_in(client, page, "wrong password"))  # the limit-th failure locks
    response = sign_in(client, page, PASSWORD)
    assert is_locked_out(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("page", SIGN_IN_PAGES)
def test_a_success_before_the_limit_starts_the_count_again(client, grace, page):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(3):
        fail(client, page, limit - 1)
        assert sign_in(client, page, PASSWORD).status_code == 302
        client.post(reverse("logout"))


@pytest.mark.parametrize(("first", "then"), [("login", "admin:login"), ("admin:login", "login")])
def test_a_lockout_on_one_sign_in_page_holds_on_the_other(client, grace, first, then):
    fail(client, first, settings.AXES_FAILURE_LIMIT)
    assert is_locked_out(sign_in(client, then, PASSWORD))


def test_the_lockout_is_for_one_username_from_one_address(client, grace):
    get_user_model().objects.create_user("ada", password=PASSWORD)
    fail(client, "login", settings.AXES_FAILURE_LIMIT)
    assert sign_in(Client(), "login", PASSWORD, ip="10.0.0.2").status_code == 302
    assert sign_in(Client(), "login", PASSWORD, username="ada").status_code == 302


def test_an_unknown_username_is_locked_out_like_a_real_one(client, db):
    """The lockout page does not tell whether the account exists."""
    fail(client, "login", settings.AXES_FAILURE_LIMIT, username="nobody")
    assert is_locked_out(sign_in(client, "login", "anything", username="nobody"))


def test_the_right_password_works_again_after_the_cool_off(client, grace):
    fail(client, "login", settings.AXES_FAILURE_LIMIT)
    later = timezone.now() + timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(later, tick=False):
        assert sign_in(client, "login", PASSWORD).status_code == 302


def test_retrying_during_the_lockout_does_not_extend_it(client, grace):
    # The lockout page promises 15 minutes: a retry inside them must not restart the clock.
    fail(client, "login", settings.AXES_FAILURE_LIMIT)
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    start = timezone.now()
    with time_machine.travel(start + cool_off - timedelta(minutes=1), tick=False):
        assert is_locked_out(sign_in(client, "login", PASSWORD))
    with time_machine.travel(start + cool_off + timedelta(minutes=1), tick=False):
        assert sign_in(client, "login", PASSWORD).status_code == 302
