"""build_fixtures when nothing changed since the last build: it reuses that build's output and report instead
of parsing again, and builds for real the moment anything it reads differs. Each warm result is compared with
a cold build of the same markdown (its own output and cache), so "the same" means byte for byte."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quiz import rendering

UNCHANGED = "nothing changed since the last build"


def bank_files(folder: Path) -> None:
    (folder / "MLE_Interview_QnA").mkdir(parents=True)
    (folder / "bank.toml").write_text('title = "Ours"\nlicence = "CC-BY-4.0"\n')
    (folder / "MLE_Interview_QnA" / "PythonQnA.md").write_text(
        "# Python\n### What is a list?\nA **mutable** sequence.\n### What is a tuple?\n\n"
    )
    (folder / "MLE_Interview_QnA" / "SQLQnA.md").write_text(
        "# SQL\n### What is a join?\nRows matched across tables.\n## Topic\nStray line.\n"
    )


def build(source: Path, output: Path, cache: Path, **options) -> list[str]:
    """The command's printed lines."""
    out = StringIO()
    call_command("build_fixtures", source=source, output=output, cache=cache, stdout=out, **options)
    return out.getvalue().splitlines()


def cold(source: Path, work: Path, **options) -> tuple[bytes, list[str]]:
    """What a first build of ``source`` writes, and its report (less the last line, which names the file)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    lines = build(source, work / "content.json", work / "rendered.json", **options)
    assert lines[-1].startswith("Wrote ")
    return (work / "content.json").read_bytes(), lines[:-1]


@pytest.fixture
def warm(tmp_path):
    """A bank built once: (source, output, cache)."""
    source, output, cache = tmp_path / "bank", tmp_path / "content.json", tmp_path / "rendered.json"
    bank_files(source)
    build(source, output, cache)
    return source, output, cache


def test_a_rebuild_with_nothing_changed_writes_the_same_bytes_and_prints_the_same_report(warm, tmp_path):
    source, output, cache = warm
    for options in ({}, {"verbose": True}):
        expected_bytes, expected_report = cold(source, tmp_path / "cold", **options)
        *report, last = build(source, output, cache, **options)
        assert output.read_bytes() == expected_bytes
        assert report == expected_report
        assert UNCHANGED in last
    assert any("ignored: 'Stray line.'" in line for line in expected_report)


def edit_answer(source: Path) -> None:
    qna = source / "MLE_Interview_QnA" / "PythonQnA.md"
    qna.write_text(qna.read_text().replace("**mutable**", "**growable**"))


def add_file(source: Path) -> None:
    (source / "MLE_Interview_QnA" / "GitQnA.md").write_text("# Git\n### What is a commit?\nA snapshot.\n")


def delete_file(source: Path) -> None:
    (source / "MLE_Interview_QnA" / "SQLQnA.md").unlink()


def rename_file(source: Path) -> None:
    (source / "MLE_Interview_QnA" / "SQLQnA.md").rename(source / "MLE_Interview_QnA" / "SQLBasicsQnA.md")


def change_manifest(source: Path) -> None:
    (source / "bank.toml").write_text('title = "Theirs"\nlicence = "MIT"\n')


def delete_manifest(source: Path) -> None:
    (source / "bank.toml").unlink()


@pytest.mark.parametrize(
    "change", [edit_answer, add_file, delete_file, rename_file, change_manifest, delete_manifest]
)
def test_any_change_to_the_markdown_or_bank_toml_builds_again(warm, tmp_path, change):
    source, output, cache = warm
    before = output.read_bytes()
    change(source)
    expected_bytes, expected_report = cold(source, tmp_path / "cold")
    *report, last = build(source, output, cache)
    assert output.read_bytes() == expected_bytes != before
    assert report == expected_report
    assert last == f"Wrote {output}"
    # And the next rebuild, with nothing changed again, reuses that one.
    *report, last = build(source, output, cache)
    assert (output.read_bytes(), report) == (expected_bytes, expected_report)
    assert UNCHANGED in last


def test_a_hand_edited_output_fails_check_and_a_rebuild_restores_it(warm):
    source, output, cache = warm
    built = output.read_bytes()
    assert build(source, output, cache, check=True) == [f"{output} is up to date."]
    edited = built.replace(b"mutable", b"immutable")
    output.write_bytes(edited)
    with pytest.raises(CommandError, match="out of date"):
        build(source, output, cache, check=True)
    assert output.read_bytes() == edited
    output.unlink()
    with pytest.raises(CommandError, match="out of date"):
        build(source, output, cache, check=True)
    output.write_bytes(edited)
    assert build(source, output, cache)[-1] == f"Wrote {output}"
    assert output.read_bytes() == built


def test_check_fails_after_the_markdown_changed_even_though_the_last_build_was_checked(warm):
    source, output, cache = warm
    build(source, output, cache, check=True)
    edit_answer(source)
    with pytest.raises(CommandError, match="out of date"):
        build(source, output, cache, check=True)


def test_strict_still_fails_on_an_ignored_line_when_nothing_changed(warm):
    source, output, cache = warm
    written = output.read_bytes()
    for _ in range(2):  # the second time the last build (a failed --strict one) is all there is to reuse
        with pytest.raises(CommandError, match=r"SQLQnA\.md:5: ignored: 'Stray line\.'"):
            build(source, output, cache, strict=True)
        assert output.read_bytes() == written


def test_the_bundled_bank_setting_changes_the_keys_without_any_file_changing(warm, settings):
    source, output, cache = warm
    settings.BUNDLED_BANK = "bank"  # the bundled bank's keys carry no "<slug>/" prefix
    build(source, output, cache)
    assert b'"key": "bank/' not in output.read_bytes()


def test_a_damaged_record_of_the_last_build_only_means_a_real_build(warm):
    source, output, cache = warm
    built = output.read_bytes()
    last_build = cache.with_name(f"{cache.stem}.last-build.json")
    record = json.loads(last_build.read_text())
    for damage in ("{", "[]", json.dumps({**record, "reports": [{"rows": [{"path": "x"}]}]})):
        last_build.write_text(damage)
        assert build(source, output, cache)[-1] == f"Wrote {output}"
        assert output.read_bytes() == built


def test_every_bank_of_banks_dir_together_a_new_bank_folder_builds_again(tmp_path, settings):
    settings.BANKS_DIR = tmp_path / "banks"
    bank_files(settings.BANKS_DIR / "ours")
    output, cache = tmp_path / "content.json", tmp_path / "rendered.json"

    def build_all() -> list[str]:
        out = StringIO()
        call_command("build_fixtures", output=output, cache=cache, stdout=out)
        return out.getvalue().splitlines()

    build_all()
    (settings.BANKS_DIR / "theirs").mkdir()
    (settings.BANKS_DIR / "theirs" / "a.md").write_text("# Theirs\n### Why?\nBecause.\n")
    *first, last = build_all()
    assert last == f"Wrote {output}" and "== bank theirs" in first
    built = output.read_bytes()
    assert b'"key": "theirs/' in built
    *again, last = build_all()
    assert (again, output.read_bytes()) == (first, built)
    assert UNCHANGED in last


RENDERER_MODULES = sorted(
    path.relative_to(Path(rendering.__file__).parent).as_posix()
    for path in Path(rendering.__file__).parent.rglob("*.py")
)


@pytest.mark.parametrize("module", RENDERER_MODULES)
def test_an_edit_to_any_module_of_the_renderer_renders_everything_again(warm, monkeypatch, module):
    """The renderer is a package: a change to any of its modules (not only __init__.py) can change the HTML,
    so the cache's fingerprint covers every one of them and a rebuild renders every text afresh."""
    source, output, cache = warm
    cached = json.loads(cache.read_text())
    edited = Path(rendering.__file__).parent / module
    read_bytes = Path.read_bytes
    monkeypatch.setattr(
        Path, "read_bytes", lambda path: read_bytes(path) + (b"\n# edited\n" if path == edited else b"")
    )
    renders = []
    render_markdown = rendering.render_markdown
    monkeypatch.setattr(
        rendering, "render_markdown", lambda text: renders.append(text) or render_markdown(text)
    )
    assert build(source, output, cache)[-1] == f"Wrote {output}"
    assert len(renders) == len(cached["html"]) > 0
    assert json.loads(cache.read_text())["renderer"] != cached["renderer"]
