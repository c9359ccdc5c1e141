"""Password guessing is throttled on both sign-in pages, the app's and the admin's (django-axes).

After AXES_FAILURE_LIMIT wrong passwords for one username from one address, even the right password is refused
with the lockout page (429) until the cool-off passes; a success before the limit starts the count again.
"""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz import throttles
from quiz.models import Flag

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


# Throttles per address and per account (issue 16, item 8; limits in quiz/throttles.py)


def limit_of(what: str) -> int:
    return int(throttles.LIMITS[what][1].split("/")[0])


def is_throttled(response, says: str) -> bool:
    html = response.content.decode()
    return (
        response.status_code == 429
        and "Please slow down" in html
        and says in html
        and 'class="brand"' in html
    )


def sign_up(client: Client, username: str, ip: str = "10.0.0.9"):
    password = "a long enough passphrase 42"
    return client.post(
        reverse("signup"),
        {"username": username, "password1": password, "password2": password},
        REMOTE_ADDR=ip,
    )


def test_sign_ups_from_one_address_are_capped(fresh_throttles):
    for n in range(limit_of("sign-up")):
        assert sign_up(Client(), f"user{n}").status_code == 302
    assert is_throttled(sign_up(Client(), "one-too-many"), "accounts can be created from one address")
    assert not get_user_model().objects.filter(username="one-too-many").exists()
    assert sign_up(Client(), "elsewhere", ip="10.0.0.10").status_code == 302


def test_password_reset_mails_to_one_mailbox_are_capped(client, grace, fresh_throttles):
    grace.email = "grace@example.com"
    grace.save()
    for n in range(limit_of("password-reset-email") + 2):
        spelling = grace.email.upper() if n % 2 else grace.email  # the same mailbox however it is written
        response = client.post(reverse("password_reset"), {"email": spelling}, REMOTE_ADDR=f"10.1.0.{n}")
    assert len(mail.outbox) == limit_of("password-reset-email")
    assert is_throttled(response, "password-reset mails")


def test_password_reset_requests_from_one_address_are_capped(client, db, fresh_throttles):
    limit = limit_of("password-reset-address")
    for n in range(limit):
        client.post(reverse("password_reset"), {"email": f"someone{n}@example.com"})
    assert is_throttled(client.post(reverse("password_reset"), {"email": "more@example.com"}), "reset mails")


def test_interview_starts_per_account_are_capped(client_in, question, fresh_throttles):
    for _ in range(limit_of("interview-start")):
        client_in.post(reverse("quiz:interview-new"), {"quick": "1"})
    response = client_in.post(reverse("quiz:interview-new"), {"quick": "1"})
    assert is_throttled(response, "interviews in an hour")


def test_spraying_usernames_from_one_address_is_blocked(db, fresh_throttles):
    get_user_model().objects.create_user("victim", password=PASSWORD)
    for n in range(limit_of("sign-in-failures")):
        sign_in(Client(), "login", "Winter2026!", username=f"name{n}", ip="10.2.0.1")
    assert is_throttled(sign_in(Client(), "login", "Winter2026!", username="victim", ip="10.2.0.1"), "wrong")
    assert is_throttled(sign_in(Client(), "admin:login", PASSWORD, username="victim", ip="10.2.0.1"), "wrong")
    # Another address is not affected.
    assert sign_in(Client(), "login", PASSWORD, username="victim", ip="10.2.0.2").status_code == 302


def test_a_few_failures_from_a_shared_address_do_not_lock_out_its_real_users(db, fresh_throttles):
    get_user_model().objects.create_user("colleague", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "login", "typo", username=f"someone{n}", ip="10.3.0.1")
    assert sign_in(Client(), "login", PASSWORD, username="colleague", ip="10.3.0.1").status_code == 302


def test_the_flag_cap_counts_per_address_across_accounts(db, question, fresh_throttles):
    """New accounts from one address share one allowance of new flags (each account has its own too)."""
    url = reverse("quiz:flag-answer", args=[question.pk])

    def flag_as_new_account(n: int):
        client = Client()
        client.force_login(get_user_model().objects.create_user(f"sock{n}"))
        return client.post(url, {"reason": Flag.Reason.choices[0][0]}, REMOTE_ADDR="10.4.0.1")

    for n in range(limit_of("flags")):
        assert flag_as_new_account(n).status_code == 302
    refused = flag_as_new_account(limit_of("flags"))
    assert refused.status_code == 200 and "as many as we take" in refused.content.decode()
    assert Flag.objects.count() == limit_of("flags")


# Behind a proxy: the client's address, read in one place for axes and the throttles (issue 22, item 4)

PROXY = "127.0.0.1"


@pytest.fixture
def behind_a_proxy(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"


def sign_in_through_proxy(page: str, password: str, client_ip: str, username: str = "grace"):
    return Client().post(
        reverse(page),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_REAL_IP=client_ip,
    )


@pytest.mark.parametrize("page", SIGN_IN_PAGES)
def test_behind_a_proxy_a_lockout_holds_only_the_client_that_guessed(
    grace, behind_a_proxy, fresh_throttles, page
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_through_proxy(page, "wrong password", "203.0.113.5")
    assert is_locked_out(sign_in_through_proxy(page, PASSWORD, "203.0.113.5"))
    assert sign_in_through_proxy(page, PASSWORD, "203.0.113.6").status_code == 302


def test_behind_a_proxy_the_address_throttle_counts_per_client(db, behind_a_proxy, fresh_throttles):
    get_user_model().objects.create_user("victim", password=PASSWORD)
    for n in range(limit_of("sign-in-failures")):
        sign_in_through_proxy("login", "Winter2026!", "203.0.113.7", username=f"name{n}")
    assert is_throttled(sign_in_through_proxy("login", PASSWORD, "203.0.113.7", username="victim"), "wrong")
    assert sign_in_through_proxy("login", PASSWORD, "203.0.113.8", username="victim").status_code == 302


def test_the_client_address_is_the_one_the_proxy_wrote(rf, settings):
    from quiz.client_address import client_address

    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    # A client can send its own X-Forwarded-For; the proxy appends the address it saw, last.
    forged = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9")
    assert client_address(forged) == "203.0.113.9"
    assert client_address(rf.get("/", REMOTE_ADDR="198.51.100.1")) == "198.51.100.1"  # not through the proxy
    assert client_address(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="<script>")) == PROXY
    settings.CLIENT_IP_HEADER = ""
    assert client_address(forged) == PROXY


def test_the_client_address_header_comes_from_the_environment():
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.CLIENT_IP_HEADER)"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "interview.settings",
            "DJANGO_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "HTTP_X_REAL_IP", result.stderr


# Wrong passwords where a signed-in account confirms its own (issue 22, item 8)

PASSWORD_PAGES = {
    "quiz:account-delete": lambda password: {"password": password},
    "password_change": lambda password: {
        "old_password": password,
        "new_password1": "a brand new passphrase 7",
        "new_password2": "a brand new passphrase 7",
    },
    "admin:password_change": lambda password: {
        "old_password": password,
        "new_password1": "a brand new passphrase 7",
        "new_password2": "a brand new passphrase 7",
    },
}


def confirm(client: Client, page: str, password: str):
    return client.post(reverse(page), PASSWORD_PAGES[page](password))


def is_password_throttled(response) -> bool:
    return is_throttled(response, "Your password was entered wrongly") and "Nothing was changed" in (
        response.content.decode()
    )


@pytest.mark.parametrize("page", PASSWORD_PAGES)
def test_guessing_the_password_of_a_signed_in_account_is_throttled(client, grace, fresh_throttles, page):
    client.force_login(grace)
    limit = limit_of("password-checks")
    for _ in range(limit):
        wrong = confirm(client, page, "guess")
        assert wrong.status_code == 200 and "password" in wrong.content.decode().lower()
    # Past the limit even the right password is not checked: a stolen session guesses no faster than a sign-in
    # page.
    assert is_password_throttled(confirm(client, page, PASSWORD))
    grace.refresh_from_db()
    assert grace.check_password(PASSWORD)
    window = timezone.now() + timedelta(minutes=16)
    with time_machine.travel(window, tick=False):
        assert confirm(client, page, PASSWORD).status_code == 302


def test_the_right_password_starts_the_count_again(client, grace, fresh_throttles):
    client.force_login(grace)
    limit = limit_of("password-checks")
    password = PASSWORD
    for n in range(3):
        for _ in range(limit - 1):
            assert confirm(client, "password_change", "guess").status_code == 200
        new = f"another passphrase number {n}"
        answer = client.post(
            reverse("password_change"), {"old_password": password, "new_password1": new, "new_password2": new}
        )
        assert answer.status_code == 302
        password = new


def test_password_guesses_count_per_account(client, grace, user, fresh_throttles):
    client.force_login(grace)
    for _ in range(limit_of("password-checks") + 1):
        confirm(client, "quiz:account-delete", "guess")
    other = Client()
    other.force_login(user)
    assert confirm(other, "quiz:account-delete", "guess").status_code == 200  # its form error, not the 429
