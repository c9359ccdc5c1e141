"""How often one address or one account may do the costly or abusable things: every limit in one table.

Counted in the database (``ThrottleCount``), so that every app server shares the counts. Each attempt is
counted first, in one atomic statement, and the count it got decides: N requests at the same instant get N
different counts, so no more than the limit ever get through (a read-then-write count let 14 sign-ups through
against 10). An attempt that turns out not to be the limited thing (an invalid form, the right password) hands
its count back with ``refund``.

Sign-in guessing for one username is django-axes' job (settings.AXES_*); this adds a limit per address across
usernames, set well above axes' five so a shared address (an office, a campus NAT) does not lock its real
users out when someone there mistypes."""

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime

from django.contrib.auth.signals import user_login_failed
from django.db import connection, transaction
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from quiz.client_address import client_address
from quiz.models import ThrottleCount


def _mailbox(request: HttpRequest) -> str:
    # Django finds the account by a case-insensitive match, so "Ada@X" and "ada@x" are one mailbox.
    return request.POST.get("email", "").strip().lower()


def _address(request: HttpRequest) -> str:
    return client_address(request)


def _account(request: HttpRequest) -> str:
    return str(request.user.pk)


# What is counted -> (who it is counted for, how many per period, the period as the user reads it).
LIMITS: dict[str, tuple[Callable[[HttpRequest], str], str, str]] = {
    "sign-up": (_address, "10/h", "an hour"),  # accounts created from one address
    "password-reset-address": (_address, "10/h", "an hour"),  # reset mails asked for from one address
    "password-reset-email": (_mailbox, "3/h", "an hour"),  # reset mails to one mailbox
    "interview-start": (_account, "60/h", "an hour"),  # interviews and review sessions one account starts
    "sign-in-failures": (_address, "30/15m", "15 minutes"),  # wrong passwords from one address, any username
    "flags": (_address, "20/h", "an hour"),  # new answer flags from one address, any account
    "sample-tries": (_address, "30/h", "an hour"),  # visitors' answers to the sample question, checked
    # Wrong passwords where a signed-in account confirms one (deleting it, changing the password): as many as
    # axes allows a sign-in before its lockout, so a stolen session guesses no faster than a sign-in page.
    "password-checks": (_account, "5/15m", "15 minutes"),
}

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def limit_and_seconds(what: str) -> tuple[int, int]:
    """``"30/15m"`` -> (30, 900)."""
    count, per = LIMITS[what][1].split("/")
    number, unit = re.fullmatch(r"(\d*)([smhd])", per).groups()
    return int(count), int(number or 1) * _SECONDS[unit]


def _slot(what: str, who: str) -> tuple[str, datetime]:
    """Where an attempt by ``who`` is counted, and when that count ends (fixed windows, as a user reads
    "10 an hour")."""
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    _, seconds = limit_and_seconds(what)
    window = int(timezone.now().timestamp()) // seconds
    return f"{what}:{digest}:{window}", datetime.fromtimestamp((window + 1) * seconds, tz=UTC)


def _add_one(slot: str, expires_at: datetime) -> int:
    """Count one more in ``slot`` and return the new count, in one statement (SQLite and PostgreSQL alike)."""
    table = connection.ops.quote_name(ThrottleCount._meta.db_table)
    hits = connection.ops.quote_name("hits")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (slot, {hits}, expires_at) VALUES (%s, 1, %s) "  # noqa: S608 - names, not input
            f"ON CONFLICT (slot) DO UPDATE SET {hits} = {table}.{hits} + 1 RETURNING {hits}",
            [slot, connection.ops.adapt_datetimefield_value(expires_at)],
        )
        count = cursor.fetchone()[0]
        if count == 1:  # a new window: forget the ended ones
            ThrottleCount.objects.filter(expires_at__lt=timezone.now()).delete()
    return count


def _is_over(what: str, who: str) -> bool:
    limit, _ = limit_and_seconds(what)
    return _add_one(*_slot(what, who)) > limit


def _refund(what: str, who: str) -> None:
    slot, _ = _slot(what, who)
    ThrottleCount.objects.filter(slot=slot, hits__gt=0).update(hits=F("hits") - 1)


def hit(request: HttpRequest, what: str) -> bool:
    """Count one more attempt; True when it is over the limit (and must be refused)."""
    return _is_over(what, LIMITS[what][0](request))


def refund(request: HttpRequest, what: str) -> None:
    """Take back the count of an attempt that was not the limited thing after all."""
    _refund(what, LIMITS[what][0](request))


class TooManyPasswordChecks(Exception):
    """A signed-in account's password was asked for once too often after wrong ones; AccountThrottleMiddleware
    answers with the 429 page."""


def check_account_password(user, password: str) -> bool:
    """``user.check_password``, where a signed-in account confirms its password (forms have the user, not the
    request): counted first like a sign-in attempt. The right password starts the count again, as a sign-in
    does (AXES_RESET_ON_SUCCESS): whoever typed it was not guessing."""
    who = str(user.pk)
    if _is_over("password-checks", who):
        raise TooManyPasswordChecks
    if user.check_password(password):
        ThrottleCount.objects.filter(slot=_slot("password-checks", who)[0]).delete()
        return True
    return False


def too_many(request: HttpRequest, what: str) -> HttpResponse:
    """The 429 page, in the app's look, saying what was limited and when to try again."""
    _, rate, period = LIMITS[what]
    context = {"what": what, "limit": rate.split("/")[0], "period": period}
    return render(request, "429.html", context, status=429)


@receiver(user_login_failed, dispatch_uid="quiz.throttles.count_sign_in_failure")
def count_sign_in_failure(sender, credentials, request=None, **kwargs) -> None:
    # The sign-in pages counted the attempt before it ran (AccountThrottleMiddleware); this keeps the count.
    if request is not None:
        request.sign_in_failed = True


def sign_in_pages() -> set[str]:
    return {reverse("login"), reverse("admin:login")}
