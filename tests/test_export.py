"""The account page and the export of a user's whole history as CSV or JSON."""

import csv
import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.http import StreamingHttpResponse
from django.urls import reverse

from quiz.models import Grade, MockInterview, Question, Section
from tests.test_history import NOW, SKIP, build_bank, record_sessions

ACCOUNT = reverse("quiz:account")
EXPORT = reverse("quiz:export")


@pytest.fixture
def bank(section, make_question):
    return build_bank(section, make_question)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def download(client, fmt: str) -> tuple[StreamingHttpResponse, str]:
    response = client.get(EXPORT, {"format": fmt})
    assert response.status_code == 200
    return response, b"".join(response.streaming_content).decode()


@pytest.fixture
def answered(user, bank):
    bank[0].prompt_md = "What does a generator return?"
    bank[0].save()
    (interview,) = record_sessions(
        user, bank, [Grade.GOOD, SKIP, None], start=NOW - timedelta(days=1), seconds_each=95
    )
    interview.items.filter(position=0).update(answer_text='An iterator, "lazily",\nline two')
    return interview


def test_csv_has_a_header_and_one_row_per_question(client_in, answered):
    response, body = download(client_in, "csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="interview-history-ada-2025-06-04.csv"'
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == [
        "interview_id",
        "kind",
        "interview_started_at",
        "question_key",
        "section",
        "prompt",
        "difficulty",
        "grade",
        "skipped",
        "over_time",
        "seconds_taken",
        "answer_text",
        "done_at",
        "key_points",
        "coverage",
        "ticks",
        "suggested_grade",
        "hints_used",
        "follows_up",
    ]
    assert len(rows) == 3
    assert rows[0] == {
        "interview_id": str(answered.pk),
        "kind": "interview",
        "interview_started_at": "2025-06-03T12:00:00+00:00",
        "question_key": "python-qna/q1",
        "section": "Pandas",
        "prompt": "What does a generator return?",
        "difficulty": "unrated",
        "grade": "Good",
        "skipped": "False",
        "over_time": "False",
        "seconds_taken": "95",
        "answer_text": 'An iterator, "lazily",\nline two',
        "done_at": "2025-06-03T12:01:35+00:00",
        "key_points": "[]",  # graded without a reveal: no checklist was shown
        "coverage": "[]",
        "ticks": "[]",
        "suggested_grade": "",
        "hints_used": "0",
        "follows_up": "",
    }
    assert (rows[1]["grade"], rows[1]["skipped"]) == ("", "True")
    assert (rows[2]["seconds_taken"], rows[2]["done_at"]) == ("", "")  # never reached


def test_json_parses_with_the_same_items(client_in, answered):
    response, body = download(client_in, "json")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="interview-history-ada-2025-06-04.json"'
    data = json.loads(body)
    assert data["username"] == "ada"
    assert [item["grade"] for item in data["items"]] == ["Good", "", ""]
    first = data["items"][0]
    assert first["interview_id"] == answered.pk
    assert first["seconds_taken"] == 95 and first["skipped"] is False
    assert first["answer_text"] == 'An iterator, "lazily",\nline two'
    assert data["items"][2]["done_at"] is None


def test_json_of_an_empty_history_is_still_valid(client_in):
    _, body = download(client_in, "json")
    assert json.loads(body)["items"] == []


def test_unknown_format_is_a_clear_400(client_in):
    response = client_in.get(EXPORT, {"format": "xml"})
    assert response.status_code == 400
    assert "Unknown export format 'xml'" in response.content.decode()
    assert "format=csv" in response.content.decode()
    assert client_in.get(EXPORT).status_code == 400


def test_export_holds_only_the_users_own_rows(client_in, intruder, answered, bank):
    record_sessions(intruder, bank, [Grade.NAILED] * 3, count=2)
    _, body = download(client_in, "csv")
    assert len(list(csv.DictReader(io.StringIO(body)))) == 3
    _, body = download(client_in, "json")
    assert {item["interview_id"] for item in json.loads(body)["items"]} == {answered.pk}


def test_anonymous_visitor_is_sent_to_sign_in(client):
    for url in (ACCOUNT, f"{EXPORT}?format=csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("sessions", [1, 500])
def test_export_query_count_does_not_grow_with_sessions(
    client_in, user, bank, sessions, django_assert_num_queries
):
    record_sessions(user, bank, [Grade.GOOD, SKIP, None], count=sessions, gap=timedelta(hours=1))
    with django_assert_num_queries(3):  # session, user, the items streamed in chunks
        _, body = download(client_in, "csv")
    assert body.count("\r\n") == 1 + 3 * sessions


# The account page


def test_account_page_shows_username_password_change_and_exports(client_in):
    html = client_in.get(ACCOUNT).content.decode()
    assert 'data-testid="username">ada<' in html
    assert f'href="{reverse("password_change")}"' in html
    assert f'href="{EXPORT}?format=csv"' in html
    assert f'href="{EXPORT}?format=json"' in html


def test_username_in_the_nav_opens_the_account_page(client_in):
    html = client_in.get(reverse("quiz:home")).content.decode()
    assert f'<a href="{ACCOUNT}" title="Account">ada</a>' in html


def test_csv_cells_that_look_like_formulas_are_defused(client, db):
    user = get_user_model().objects.create_user("sheet")
    section = Section.objects.create(key="s", title="S", source_path="s.md")
    question = Question.objects.create(key="q", section=section, prompt_md="Q?", source_path="s.md")
    interview = MockInterview.start(user, [question])
    interview.grade(interview.items.get(), 3, answer_text='=HYPERLINK("http://evil.example")')
    client.force_login(user)
    body = b"".join(client.get(reverse("quiz:export"), {"format": "csv"}).streaming_content).decode()
    assert "'=HYPERLINK" in body


def test_export_has_the_key_points_shown_coverage_ticks_and_suggestion(client_in, user, make_question):
    points = ["Generators yield values lazily", "They keep their state between calls"]
    question = make_question(answer_md="A generator.\n\nKey points:\n- " + "\n- ".join(points))
    assert question.key_points == points
    interview = MockInterview.start(user, [question])
    item = interview.items.get()
    interview.reveal(item, answer_text="It yields values lazily, one at a time.")
    interview.grade(item, Grade.PARTIAL, ticks=[0])
    item.refresh_from_db()
    _, body = download(client_in, "json")
    (exported,) = json.loads(body)["items"]
    assert exported["key_points"] == points
    assert exported["coverage"] == item.coverage and len(exported["coverage"]) == 2
    assert exported["ticks"] == [True, False]
    assert exported["suggested_grade"] == item.get_suggested_grade_display()
    _, body = download(client_in, "csv")
    (row,) = csv.DictReader(io.StringIO(body))
    assert json.loads(row["key_points"]) == points and json.loads(row["ticks"]) == [True, False]
    assert row["suggested_grade"] == item.get_suggested_grade_display()
