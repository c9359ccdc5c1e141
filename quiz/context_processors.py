from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from quiz.models.accounts import Preferences
from quiz.models.flags import can_triage


def account(request: HttpRequest) -> dict:
    """What templates need to know about the signed-in user, asked per request but only when a template
    reads it (SimpleLazyObject): ``can_triage`` for the menu's "Review queue" link (a reviewer added a minute
    ago sees it at once), ``preferences`` for the interview page (keyboard shortcuts on or off). Error pages
    render without a user (the middleware that adds it may be what failed)."""

    def signed_in_user():
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    def triage() -> bool:
        user = signed_in_user()
        return user is not None and can_triage(user)

    def preferences() -> Preferences:
        user = signed_in_user()
        return Preferences.for_user(user) if user is not None else Preferences()

    return {"can_triage": SimpleLazyObject(triage), "preferences": SimpleLazyObject(preferences)}
