"""Progress and history read on a phone (320 and 390 px): today's square of the heatmap in view, a legend of
small squares, every column of the mastery table and of the history shown, dates on one or two lines."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from quiz.models import Grade, MockInterview

pytestmark = pytest.mark.browser

PHONES = [{"width": 320, "height": 700}, {"width": 390, "height": 844}]


@pytest.fixture
def practised(bank):
    """Twelve interviews over three months, each of three answers graded."""
    user = get_user_model().objects.create_user("ada")
    for n in range(12):
        with time_machine.travel(timezone.now() - timedelta(days=84 - 7 * n), tick=False):
            interview = MockInterview.start(user, bank[n % 4 : n % 4 + 3], total_seconds=600)
            for item, grade in zip(interview.items.order_by("position"), [*Grade], strict=False):
                interview.reveal(item, answer_text="An iterator, lazily.")
                interview.grade(item, grade)
    return user


def phone_page(open_page, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    page = open_page(viewport=viewport, is_mobile=True)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


# Cells (th, td) whose right edge is past the box that should hold them: cut off, or scrolled out of sight.
HIDDEN_CELLS = """(selector) => {
  const table = document.querySelector(selector);
  const edge = Math.min(table.closest(".table-scroll, .card, main").getBoundingClientRect().right,
                        document.documentElement.clientWidth);
  return [...table.querySelectorAll("th, td")]
    .filter((cell) => cell.getBoundingClientRect().right > edge + 0.5
                      || cell.scrollWidth > cell.clientWidth + 1)
    .map((cell) => cell.textContent.trim().slice(0, 30));
}"""


@pytest.mark.parametrize("viewport", PHONES, ids=lambda v: f"{v['width']}px")
def test_progress_on_a_phone_shows_today_a_small_legend_and_every_column(
    open_page, live_server, practised, viewport
):
    page = phone_page(open_page, live_server, practised, viewport)
    page.goto("/progress/")
    box = page.locator(".chart:has(.heatmap)")
    scrolled = box.evaluate("(box) => box.scrollLeft + box.clientWidth >= box.scrollWidth - 1")
    assert scrolled, "the heatmap opens on its oldest weeks: today is off-screen"
    swatches = page.locator(".legend-scale svg").bounding_box()
    assert swatches["height"] <= 16 and swatches["width"] <= 100, swatches
    assert page.evaluate(HIDDEN_CELLS, ".mastery-table") == []


@pytest.mark.parametrize("viewport", PHONES, ids=lambda v: f"{v['width']}px")
def test_history_on_a_phone_shows_every_column_and_short_dates(open_page, live_server, practised, viewport):
    page = phone_page(open_page, live_server, practised, viewport)
    page.goto("/history/")
    assert page.evaluate(HIDDEN_CELLS, ".history-table") == []
    line = float(page.evaluate("getComputedStyle(document.body).lineHeight").removesuffix("px"))
    heights = page.locator(".history-table tbody td:first-child").evaluate_all(
        "(cells) => cells.map((cell) => cell.getBoundingClientRect().height)"
    )
    assert len(heights) == 12 and max(heights) <= 2 * line + 1, heights
