"""How often one address or one account may do the costly or abusable things: every limit in one table.

Counted with django-ratelimit in Django's cache, which is the database (``DatabaseCache``) so that every app
server shares the counts. Sign-in guessing for one username is django-axes' job (settings.AXES_*); this adds a
limit per address across usernames, set well above axes' five so a shared address (an office, a campus NAT)
does not lock its real users out when someone there mistypes.
"""

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_ratelimit.core import get_usage


def _mailbox(group: str, request: HttpRequest) -> str:
    # Django finds the account by a case-insensitive match, so "Ada@X" and "ada@x" are one mailbox.
    return request.POST.get("email", "").strip().lower()


# What is counted -> (who it is counted for, how many per period, the period as the user reads it).
LIMITS = {
    "sign-up": ("ip", "10/h", "an hour"),  # accounts created from one address
    "password-reset-address": ("ip", "10/h", "an hour"),  # reset mails asked for from one address
    "password-reset-email": (_mailbox, "3/h", "an hour"),  # reset mails to one mailbox
    "interview-start": ("user", "60/h", "an hour"),  # interviews and review sessions one account starts
    "sign-in-failures": ("ip", "30/15m", "15 minutes"),  # wrong passwords from one address, any username
    "flags": ("ip", "20/h", "an hour"),  # new answer flags from one address, any account
}


def _usage(request: HttpRequest, what: str, increment: bool) -> dict | None:
    key, rate, _ = LIMITS[what]
    return get_usage(request, group=what, key=key, rate=rate, increment=increment)


def is_over(request: HttpRequest, what: str) -> bool:
    """True when the limit is already reached (counts nothing)."""
    usage = _usage(request, what, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def count(request: HttpRequest, what: str) -> None:
    _usage(request, what, increment=True)


def hit(request: HttpRequest, what: str) -> bool:
    """Count one more; True when that one is over the limit."""
    usage = _usage(request, what, increment=True)
    return usage is not None and usage["should_limit"]


def too_many(request: HttpRequest, what: str) -> HttpResponse:
    """The 429 page, in the app's look, saying what was limited and when to try again."""
    _, rate, period = LIMITS[what]
    context = {"what": what, "limit": rate.split("/")[0], "period": period}
    return render(request, "429.html", context, status=429)


@receiver(user_login_failed, dispatch_uid="quiz.throttles.count_sign_in_failure")
def count_sign_in_failure(sender, credentials, request=None, **kwargs) -> None:
    if request is not None:
        count(request, "sign-in-failures")


def sign_in_pages() -> set[str]:
    return {reverse("login"), reverse("admin:login")}
