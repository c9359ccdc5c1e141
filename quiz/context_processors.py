from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from quiz.models.flags import can_triage


def reviewer(request: HttpRequest) -> dict:
    """``can_triage`` for the menu's "Review queue" link, asked on each request (a reviewer added a minute ago
    sees it at once) but only when a template reads it: pages for signed-out visitors pay nothing."""
    user = request.user
    return {"can_triage": SimpleLazyObject(lambda: user.is_authenticated and can_triage(user))}
