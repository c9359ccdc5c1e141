from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.contrib.auth import views as auth_views
from django.urls import include, path

from quiz.forms import AccountPasswordChangeForm, AdminAccountPasswordChangeForm
from quiz.views import pages

# Both ask for the old password: counted against guessing (quiz/throttles.py, "password-checks").
admin.site.password_change_form = AdminAccountPasswordChangeForm
account_urls = [
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(form_class=AccountPasswordChangeForm),
        name="password_change",
    ),
    *(pattern for pattern in auth_urls.urlpatterns if pattern.name != "password_change"),
]

urlpatterns = [
    path("favicon.ico", pages.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/signup/", pages.signup, name="signup"),
    path("accounts/", include(account_urls)),
    path("", include("quiz.urls")),
]

handler400 = "quiz.views.pages.bad_request"
