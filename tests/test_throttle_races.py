"""Throttles hold under simultaneous requests (issue 22, item 9): a real gunicorn on 127.0.0.1 over the real
database (a SQLite file; in the PostgreSQL run, PostgreSQL's test database), many requests fired at once from
threads. A count read then written let 14 of 30 sign-ups through against a limit of 10."""

import sqlite3
import threading
from urllib.parse import quote

import pytest
from django.db import connection

from quiz import throttles
from quiz.models import Flag
from tests.bench.common import CSRF_INPUT_RE, Client, Server, free_port, log_in, manage, production_env

PASSWORD = "a long enough passphrase 42"


def database_url() -> str:
    db = connection.settings_dict
    user = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@" if db["USER"] else ""
    return f"postgres://{user}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    folder = tmp_path_factory.mktemp("races")
    settings_module = {
        "DJANGO_SETTINGS_MODULE": "tests.fast_hash_settings",
        "TEST_STATIC_ROOT": folder / "static",
    }
    if connection.vendor == "postgresql":
        env = production_env(database_url=database_url(), **settings_module)
    else:
        env = production_env(sqlite_path=folder / "db.sqlite3", **settings_module)
        manage("migrate", "--no-input", env=env)
    manage("collectstatic", "--no-input", "--verbosity", "0", env=env)  # the pages link to hashed names
    gunicorn = Server(env, free_port(), folder / "gunicorn.log", workers=2, threads=8)
    gunicorn.start()
    gunicorn.sqlite_path = folder / "db.sqlite3"
    yield gunicorn
    gunicorn.stop()


@pytest.fixture
def burst(server, transactional_db, fresh_throttles):
    """The server, with this test's data in a database it shares (PostgreSQL) and throttles from zero."""
    if connection.vendor != "postgresql":
        with sqlite3.connect(server.sqlite_path) as db:
            db.execute("DELETE FROM quiz_throttlecount")
    return server


def rows(server: Server, table: str) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - the tests' own table names
            return cursor.fetchone()[0]
    with sqlite3.connect(server.sqlite_path) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def all_at_once(server: Server, path: str, forms: list[dict], sign_in=None) -> list[tuple[int, str]]:
    """Each form from its own browser (signed in as ``sign_in[n]`` if given, then the page, for its CSRF
    token), all posted at the same instant."""
    start = threading.Barrier(len(forms))
    answers = [None] * len(forms)

    def post(n: int) -> None:
        browser = Client(server.port, timeout=120)
        if sign_in:
            log_in(browser, sign_in[n], PASSWORD)
        token = CSRF_INPUT_RE.search(browser.request("GET", path).text).group(1)
        start.wait(timeout=120)
        answer = browser.request("POST", path, {"csrfmiddlewaretoken": token, **forms[n]})
        answers[n] = (answer.status, answer.text)
        browser.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert None not in answers, server.log_text()[-3000:]
    return answers


def test_simultaneous_sign_ups_make_exactly_the_limits_accounts(burst):
    limit, _ = throttles.limit_and_seconds("sign-up")
    forms = [
        {"username": f"burst{n}", "password1": PASSWORD, "password2": PASSWORD} for n in range(3 * limit)
    ]
    statuses = sorted(status for status, _ in all_at_once(burst, "/accounts/signup/", forms))
    assert statuses == [302] * limit + [429] * (2 * limit)
    assert rows(burst, "auth_user") == limit


def test_simultaneous_wrong_passwords_are_checked_no_more_than_the_limit(burst):
    limit, _ = throttles.limit_and_seconds("sign-in-failures")
    forms = [{"username": f"guess{n}", "password": "Winter2026!"} for n in range(2 * limit)]
    answers = all_at_once(burst, "/accounts/login/", forms)
    checked = [text for status, text in answers if status == 200]
    refused = [text for status, text in answers if status == 429]
    assert len(checked) == len(refused) == limit
    assert all("Please enter a correct username and password" in text for text in checked)
    assert all("Please slow down" in text for text in refused)


def test_simultaneous_flags_from_one_address_raise_no_more_than_the_limit(burst):
    limit, _ = throttles.limit_and_seconds("flags")
    accounts = [f"flagger{n}" for n in range(limit + 5)]
    made = (
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.hashers import make_password\n"
        "from quiz.models import Question, Section\n"
        "section = Section.objects.create(key='races', title='Races', source_path='races.md')\n"
        "question = Question.objects.create(key='races/q', section=section, prompt_md='Why?', "
        "answer_md='Because.', source_path='races.md')\n"
        f"hashed = make_password({PASSWORD!r})\n"
        "User = get_user_model()\n"
        f"User.objects.bulk_create(User(username=name, password=hashed) for name in {accounts!r})\n"
        "print(question.pk)\n"
    )
    question = manage("shell", "--no-imports", "-c", made, env=burst.env).split()[-1]
    forms = [{"reason": Flag.Reason.choices[0][0], "comment": ""}] * len(accounts)
    answers = all_at_once(burst, f"/questions/{question}/flag/", forms, sign_in=accounts)
    assert sorted(status for status, _ in answers).count(302) == limit
    assert sum("as many as we take" in text for _, text in answers) == len(accounts) - limit
    assert rows(burst, "quiz_flag") == limit
