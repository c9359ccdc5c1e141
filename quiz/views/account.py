"""The account page: preferences (keyboard shortcuts, extra time), the export, deleting the account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from quiz.forms import DeleteAccountForm, PreferencesForm
from quiz.models import Preferences


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=Preferences.for_user(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Preferences saved.")
        return redirect("quiz:account")
    return render(request, "quiz/account.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete the user and everything that is theirs (interviews, grades, notes, bookmarks, flags, schedule).

    Answers they edited as a reviewer stay in the bank and its history, no longer linked to them.
    """
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        with transaction.atomic():
            user.delete()
        messages.success(request, "Your account and all your practice data are deleted.")
        return redirect("quiz:home")
    return render(request, "quiz/account_delete.html", {"form": form})
