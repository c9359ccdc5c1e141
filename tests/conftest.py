"""Small builders shared by the tests. A test module's own fixture of the same name wins over these."""

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from quiz.models import Question, Section, ThrottleCount


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with Django's cache table (`make run` and `make serve` create it too)."""
    with django_db_blocker.unblock():
        call_command("createcachetable")


@pytest.fixture
def fresh_throttles(db, time_machine):
    """Throttle counts from zero: counts a transactional test committed outlive its flush. The clock stands
    at the start of every limit's window (a quarter past, a whole hour), so a slow run cannot cross into a
    new window halfway through a test and start the count again."""
    ThrottleCount.objects.all().delete()
    time_machine.move_to(datetime.datetime(2026, 12, 7, 10, 0, 1, tzinfo=datetime.UTC), tick=False)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes ~0.3 s per password on purpose; tests only need passwords to check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def section(db) -> Section:
    return Section.objects.create(
        key="python-qna", title="Python QnA", source_path="MLE_Interview_QnA/PythonQnA.md"
    )


@pytest.fixture
def make_question(section):
    """``make_question(**fields)``: a question in ``section``, its answer as if just imported (not edited)."""
    numbers = itertools.count(1)

    def make(**fields) -> Question:
        n = next(numbers)
        fields = {
            "key": f"python-qna/q{n}",
            "section": section,
            "position": n,
            "prompt_md": f"Question {n}?",
            "answer_md": f"Answer {n}.",
            "source_path": section.source_path,
            "source_line": n * 10,
            **fields,
        }
        fields.setdefault("imported_answer_md", fields["answer_md"])
        return Question.objects.create(**fields)

    return make


@pytest.fixture
def question(make_question) -> Question:
    return make_question(
        prompt_md="What does a Python generator return?", answer_md="An **iterator** that yields lazily."
    )


@pytest.fixture
def six_questions(db) -> list[Question]:
    """Six questions, "Question 0?" to "Question 5?" in bank order, in one section ("ML")."""
    section = Section.objects.create(key="ml", title="ML", position=0, source_path="ml.md")
    return [
        Question.objects.create(
            key=f"ml/q{i}", section=section, position=i, prompt_md=f"Question {i}?", answer_md=f"Answer {i}."
        )
        for i in range(6)
    ]


def another_user(name: str = "grace"):
    """One more signed-up user, made where a test needs them (a test that needs two names them)."""
    return get_user_model().objects.create_user(name, password="another horse battery")


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("ada", password="correct horse battery")


@pytest.fixture
def staff_user(db):
    """Staff with every permission (a superuser): can use the whole admin."""
    return get_user_model().objects.create_superuser("grace", password="correct horse battery")


@pytest.fixture
def client_in(client, user):
    """The test client, signed in as ``user``."""
    client.force_login(user)
    return client


@pytest.fixture
def intruder(db):
    """Another signed-up user, who must never see ``user``'s data."""
    return get_user_model().objects.create_user("mallory", password="x-secret-x")


def reviewers_group() -> Group:
    """The "Reviewers" group. Migration 0004 creates it, but a transactional test's flush empties the tables
    after each test, so transactional tests that run later find it gone: made again here, same permissions."""
    group, created = Group.objects.get_or_create(name="Reviewers")
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="quiz", codename="triage_flag"),
            Permission.objects.get(content_type__app_label="quiz", codename="change_question"),
        )
    return group
