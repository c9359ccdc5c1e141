from django.contrib import admin
from django.urls import include, path

from quiz.views import pages

urlpatterns = [
    path("favicon.ico", pages.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/signup/", pages.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("quiz.urls")),
]

handler400 = "quiz.views.pages.bad_request"
