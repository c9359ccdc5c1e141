"""The dry run's report (issue 28): every ignored line listed with file:line and its reason, grouped, the
first 50 runs then "show all"; lost or garbled content before the editors' notes; stripped maths told
precisely."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from quiz import bank_imports, content_report, importer
from quiz.models import BankUpload
from tests.test_bank_upload import UPLOAD, zip_file

# A file whose every section ends on a stray paragraph: 60 runs of ignored lines, each its own.
STRAYS = "# Notes on optimisers\n\n" + "".join(
    f"## Topic {n}\n\n### What does optimiser setting {n} change?\nThe step size of run {n}.\n\n"
    f"## Aside {n}\n\nA remark on run {n} that answers nothing.\n\n"
    for n in range(1, 61)
)
REPORTED = {
    "bank/optimisers.md": STRAYS,
    "bank/code.md": (
        "# Code\n\n### How do you reverse a list?\n\nUse slicing: ```python xs[::-1]``` in one line.\n\n"
        "## Metrics\n\n| metric | value |\n|---|---|\n| AUC | 0.9 |\n"
    ),
}


@pytest.fixture
def staff_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def parsed() -> importer.ParsedBank:
    return importer.parse_bank({path.removeprefix("bank/"): text for path, text in REPORTED.items()})


def test_the_dry_run_page_lists_every_ignored_line_with_file_line_and_reason(staff_client):
    detail = staff_client.post(UPLOAD, {"files": zip_file(REPORTED, "bank.zip")})["Location"]
    page = staff_client.get(detail).content.decode()
    runs = content_report.ignored_runs(parsed())
    assert len(runs) == 61  # 60 asides, and the table with no Question column
    shown, hidden = page.split("Show all 61 runs of ignored lines")
    for run in runs[: bank_imports.SHOWN_IGNORED]:
        assert f"<code>{run.path}:{run.line}</code>" in shown
    for run in runs[bank_imports.SHOWN_IGNORED :]:
        assert (
            f"<code>{run.path}:{run.line}</code>" in hidden
            and f"<code>{run.path}:{run.line}</code>" not in shown
        )
    assert "Show all 61 runs of ignored lines" in page
    assert "<li>60 lines: text outside any question or section introduction</li>" in page
    assert "<li>3 lines: a table with no Question column, outside any question</li>" in page
    # Lost content comes before the editors' notes.
    assert page.index("Content the import would lose or garble") < page.index("have no key points")


def test_the_dry_run_warns_about_an_answer_that_shows_a_fence_marker_as_text(staff_client):
    detail = staff_client.post(UPLOAD, {"files": zip_file(REPORTED, "bank.zip")})["Location"]
    page = staff_client.get(detail).content.decode()
    assert (
        "<code>code.md:3</code> literal-markdown: the answer&#x27;s line 1: a code fence marker shows as text"
        in page
    )


def test_import_bank_dry_run_lists_ignored_lines_first_50_then_all(db, tmp_path):
    for path, text in REPORTED.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    out = StringIO()
    call_command("import_bank", str(tmp_path / "bank"), dry_run=True, stdout=out)
    text = out.getvalue()
    runs = content_report.ignored_runs(parsed())
    assert "Ignored lines: 63, by reason:" in text
    assert all(f"  {run}  ({run.reason})" in text for run in runs[: bank_imports.SHOWN_IGNORED])
    assert f"{runs[-1].path}:{runs[-1].line}:" not in text
    assert "11 more runs: --all lists every one" in text
    everything = StringIO()
    call_command("import_bank", str(tmp_path / "bank"), dry_run=True, show_all=True, stdout=everything)
    assert all(f"{run.path}:{run.line}:" in everything.getvalue() for run in runs)
    assert text.index("Ignored lines") < text.index("have no key points")


@pytest.mark.parametrize(
    ("prompt", "stripped"),
    [
        ("What is Deep Learning ?", False),
        ("Which of such models would you ship first?", False),
        ("Why use a validation set : and when can you skip it?", False),
        ("Given a vector , find its norm.", True),
        ("What is ?", True),
        ("Show that the dot product of and is maximal when they align.", True),
        ("Find a such that the loss is zero.", True),
    ],
)
def test_stripped_maths_is_reported_only_where_maths_went_missing(prompt, stripped):
    source = importer.parse_general(f"### {prompt}\n\nAn answer.\n", "m.md")
    kinds = [f.kind for f in content_report.garbled_content(importer.ParsedBank([source]))]
    assert ("stripped-math" in kinds) is stripped


# -- whole repositories, names and order --

TOP = "ml-interview-questions-main"
REPOSITORY = {
    f"{TOP}/README.md": "# ML interview questions\n\n- [Basics](QA_4.md)\n",
    f"{TOP}/CONTRIBUTING.md": "# Contributing\n\n## How do I add a question?\n\nOpen a PR.\n",
    f"{TOP}/CODE_OF_CONDUCT.md": "# Code of conduct\n\nBe kind.\n",
    f"{TOP}/.github/PULL_REQUEST_TEMPLATE.md": "### What does this change?\n\nDescribe it.\n",
    f"{TOP}/QA_100.md": "# Hundred\n\n### What is a hundredth question?\n\nThe last one.\n",
    f"{TOP}/QA_4.md": "# Four\n\n### What is the fourth question?\n\nAn early one.\n",
    f"{TOP}/QA_20.md": "# Twenty\n\n### What is the twentieth question?\n\nA middle one.\n",
}


def test_a_whole_repository_upload_skips_its_own_files_and_sorts_naturally(staff_client):
    detail = staff_client.post(UPLOAD, {"files": zip_file(REPOSITORY, "ml-interview-questions-main.zip")})[
        "Location"
    ]
    page = staff_client.get(detail).content.decode()
    upload = BankUpload.objects.get()
    assert upload.slug == "ml-interview-questions"  # GitHub's "-main" names no bank
    rows = re.findall(r'<th scope="row"><code>([^<]+)</code>', page)
    assert rows == ["QA_4.md", "QA_20.md", "QA_100.md", "README.md"]
    skipped = page.split('data-testid="dry-run-skipped"')[1].split("</p>")[0]
    for path in (".github/PULL_REQUEST_TEMPLATE.md", "CODE_OF_CONDUCT.md", "CONTRIBUTING.md"):
        assert f"<code>{path}</code>" in skipped
    assert "How do I add a question?" not in page
    assert "Import 3 questions" in page


def test_the_dry_run_unticks_files_and_the_import_leaves_them_out(staff_client):
    detail = staff_client.post(UPLOAD, {"files": zip_file(REPOSITORY, "checkout.zip")})["Location"]
    upload = BankUpload.objects.get()
    kept = ["QA_4.md", "QA_20.md", "README.md"]
    response = staff_client.post(f"/banks/uploads/{upload.pk}/files/", {"files": kept})
    assert response.status_code == 302 and response["Location"] == detail
    page = staff_client.get(detail).content.decode()
    assert "QA_100.md</code></th>" not in page and "Import 2 questions" in page
    assert 'value="QA_100.md">' in page and 'value="QA_4.md" checked>' in page  # ticked again later
    upload.refresh_from_db()
    assert set(upload.source_files()) == set(kept)  # the rest stay stashed, to be ticked again
    staff_client.post(f"/banks/uploads/{upload.pk}/files/", {"files": []})  # nothing ticked: refused
    upload.refresh_from_db()
    assert upload.excluded == sorted(set(REPOSITORY_PATHS) - set(kept))


def test_unticking_files_needs_the_import_permission(client, user):
    stashed = BankUpload.stash(user, "team", {"a.md": b"### Why?\nBecause.\n", "b.md": b"### How?\nSo.\n"})
    client.force_login(user)
    response = client.post(f"/banks/uploads/{stashed.pk}/files/", {"files": ["a.md"]})
    assert response.status_code in (403, 404)
    stashed.refresh_from_db()
    assert stashed.excluded == []


REPOSITORY_PATHS = [path.removeprefix(f"{TOP}/") for path in REPOSITORY]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("machine-learning-interview-questions-and-answers-2025", "machine-learning-interview-questions-and"),
        ("Awesome LLM Interview Questions-main", "awesome-llm-interview-questions"),
        ("data-science-interview-master", "data-science-interview"),
        ("a" * 60, "a" * 40),  # one word longer than a slug: cut, there is no other way
    ],
)
def test_a_suggested_slug_is_cut_between_words_and_loses_githubs_suffix(name, slug):
    assert bank_imports.suggested_slug(name) == slug
    assert len(slug) <= bank_imports.MAX_SLUG


def test_files_are_read_in_natural_order():
    bank = importer.parse_bank(
        {f"QA_{n}.md": f"# Part {n}\n\n### What is part {n}?\n\nPart {n}.\n" for n in (100, 4, 20, 1)}
    )
    assert [f.path for f in bank.files] == ["QA_1.md", "QA_4.md", "QA_20.md", "QA_100.md"]
