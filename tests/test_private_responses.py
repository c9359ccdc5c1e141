"""Signed-in pages and exports are never stored by a cache; TRACE is refused (issue 16, item 12)."""

import pytest
from django.urls import reverse, reverse_lazy

from quiz.models import MockInterview

PRIVATE_PAGES = [
    reverse_lazy("quiz:home"),
    reverse_lazy("quiz:history"),
    reverse_lazy("quiz:progress"),
    reverse_lazy("quiz:account"),
    reverse_lazy("quiz:my-flags"),
    f"{reverse_lazy('quiz:export')}?format=csv",
    f"{reverse_lazy('quiz:export')}?format=json",
]


def cache_directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize("url", PRIVATE_PAGES)
def test_a_signed_in_page_or_export_is_not_stored(client_in, url):
    response = client_in.get(url)
    assert response.status_code == 200
    assert {"no-store", "private"} <= cache_directives(response)


def test_an_interview_page_is_not_stored(client_in, user, question):
    interview = MockInterview.start(user, [question])
    response = client_in.get(reverse("quiz:interview-step", args=[interview.pk]))
    assert {"no-store", "private"} <= cache_directives(response)


def test_the_public_home_page_may_be_cached(client, db):
    assert "no-store" not in cache_directives(client.get(reverse("quiz:home")))


@pytest.mark.parametrize("signed_in", [False, True])
def test_trace_is_refused(client, user, signed_in):
    if signed_in:
        client.force_login(user)
    response = client.generic("TRACE", reverse("quiz:home"))
    assert response.status_code == 405
    assert "TRACE" not in response["Allow"]
