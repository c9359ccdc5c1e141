"""What every view module shares, so no view module imports another: which part of a page an htmx request
gets, and the decorator that lets a view through only for users a rule allows."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def page_or_part(request: HttpRequest, template: str, part: str) -> str:
    """``template#part`` when htmx asks to swap that part; the whole page otherwise: a plain request, or htmx
    restoring history after its cache missed (it puts the answer in place of the whole page)."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{part}"
    return template


def allowed_if(rule: Callable[..., bool]) -> Callable[[Callable], Callable]:
    """A view for signed-in users (else the login page) whom ``rule(user)`` allows (else 403)."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def open_to_visitors(view: Callable) -> Callable:
    """A page of the bank that signed-out visitors may see too, while settings.BANK_OPEN_TO_VISITORS is on;
    otherwise, as @login_required, the sign-in page first. The view shows a visitor nobody's data."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated and not settings.BANK_OPEN_TO_VISITORS:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
