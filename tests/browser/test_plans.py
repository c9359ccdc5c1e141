"""An interview date in a real browser: make the plan through its form (a past date gets a form error first),
find today's share on home and start it, and read the forecast on progress. Axe-clean; nothing scrolls
sideways at 320 px."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from quiz.models import Grade, InterviewPlan, MockInterview, ReviewState
from tests.browser.test_accessibility import run_axe, sideways_scroll

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 860}


def today():
    return datetime.now(UTC).date()


def check(page, where: str) -> None:
    """Axe on the desktop, then the same page at 320 px: no violation, no sideways scroll."""
    assert run_axe(page) == [], where
    page.set_viewport_size(NARROW)
    assert sideways_scroll(page) is None, where
    assert run_axe(page) == [], f"{where} at 320 px"
    page.set_viewport_size(DESKTOP)


def test_make_a_plan_and_start_todays_share(open_page, sign_in, candidate, bank):
    page = open_page()
    sign_in(page, "ada")
    page.get_by_role("link", name="Got an interview date? Plan to it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan to an interview date")
    page.get_by_label("Title").fill("Acme on-site: the machine-learning loop")
    page.get_by_label("Interview date").fill((today() - timedelta(days=1)).isoformat())
    page.get_by_label("Minutes a day").fill("45")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the 1 problem")
    expect(page.get_by_text("Choose a day after today")).to_be_visible()
    assert not InterviewPlan.objects.exists()
    check(page, "the plan form with an error")

    page.get_by_label("Interview date").fill((today() + timedelta(days=21)).isoformat())
    page.get_by_role("button", name="Make the plan").click()
    plan = InterviewPlan.objects.get()
    assert plan.minutes_per_day == 45 and plan.user == candidate
    expect(page.get_by_role("status")).to_contain_text("saved")
    section = page.locator(f'[data-plan="{plan.pk}"]')
    status = plan.status()
    expect(section.get_by_test_id("plan-done")).to_have_text(f"0 of {status.today.total}")
    expect(section.get_by_test_id("at-pace")).to_contain_text(f"At this pace: {status.projection.percent}%")
    check(page, "home with a plan")

    section.get_by_role("button", name="Start today's plan").click()
    session = MockInterview.objects.get()
    assert session.kind == MockInterview.Kind.REVIEW
    assert session.items.count() == min(len(status.today.todo), 20)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert f"/interviews/{session.pk}/" in page.url


def test_forecast_chart_on_progress(open_page, sign_in, candidate, bank):
    reviewed = datetime.now(UTC) - timedelta(days=2)
    for question in bank[:4]:
        ReviewState.record(candidate.pk, question.pk, Grade.GOOD, reviewed)
    plan = InterviewPlan.objects.create(
        user=candidate, title="Initech phone screen", date=today() + timedelta(days=10), minutes_per_day=20
    )
    page = open_page()
    sign_in(page, "ada")
    page.goto(f"/progress/#plan-{plan.pk}-forecast")
    chart = page.get_by_role("img", name=f"Recall day by day up to {plan.date:%-d %B}")
    expect(chart).to_be_visible()
    expect(page.get_by_test_id("plan-forecast")).to_contain_text(
        f"{plan.status().readiness.percent}% on the day"
    )
    page.get_by_text("Recall day by day as a table").click()
    rows = page.locator(".chart-data table tbody tr").filter(has_text="%")
    expect(rows.first).to_be_visible()
    assert page.locator(".plan-sections tbody tr").count() == 3  # Python QnA, Pandas, ML fundamentals
    check(page, "progress with a forecast")
