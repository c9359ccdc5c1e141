"""The dry run's report (issue 28): every ignored line listed with file:line and its reason, grouped, the
first 50 runs then "show all"; lost or garbled content before the editors' notes; stripped maths told
precisely."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from quiz import bank_imports, content_report, importer
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
