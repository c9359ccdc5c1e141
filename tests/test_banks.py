"""Banks side by side: the model, keys that survive a changed bank's re-import, and the shell import."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from quiz import bank_imports, importer
from quiz.models import Bank, Grade, MockInterview, Question, ReviewState, Section

TEAM = {
    "bank.toml": 'title = "Team questions"\nsource = "https://example.com/team"\nlicence = "CC-BY-4.0"\n',
    "python.md": "# Python\n\n## Generators\n\n### What does yield do?\nIt pauses the function.\n\n"
    "### What is a decorator?\nA function that wraps another.\n",
    "sql.md": "# SQL\n\n### What is a join?\nIt combines rows of two tables.\n",
}


def team_questions() -> list[Question]:
    return list(Question.objects.filter(section__bank__slug="team").order_by("key"))


def test_an_imported_bank_has_its_title_source_licence_and_version(db):
    bank_imports.import_bank("team", TEAM, reason="test")
    bank = Bank.objects.get(slug="team")
    assert (bank.title, bank.source_url, bank.licence) == (
        "Team questions",
        "https://example.com/team",
        "CC-BY-4.0",
    )
    assert bank.version == bank_imports.bank_version(TEAM) and bank.imported_at is not None
    assert not bank.is_bundled
    parsed = importer.parse_bank(TEAM)
    assert len(team_questions()) == sum(len(f.questions) for f in parsed.files)
    # Every section of the bank, not only the files' roots, names it; keys carry its slug.
    assert set(Section.objects.filter(key__startswith="team/").values_list("bank__slug", flat=True)) == {
        "team"
    }
    assert all(q.key.startswith("team/") for q in team_questions())


def test_two_banks_with_a_file_titled_alike_stay_apart(db):
    bank_imports.import_bank("team", TEAM, reason="test")
    bank_imports.import_bank("other", {"python.md": TEAM["python.md"]}, reason="test")
    python = Section.objects.filter(parent=None, title="Python")
    assert sorted(python.values_list("bank__slug", flat=True)) == ["other", "team"]


def test_a_changed_bank_re_imported_keeps_history_and_schedules(db, user):
    bank_imports.import_bank("team", TEAM, reason="test")
    by_prompt = {q.prompt_md: q for q in team_questions()}
    decorator, yield_ = by_prompt["What is a decorator?"], by_prompt["What does yield do?"]
    join = by_prompt["What is a join?"]
    interview = MockInterview.start(user, [decorator])
    interview.grade(interview.current_item(), Grade.GOOD)
    assert ReviewState.objects.filter(user=user, question=decorator).exists()

    changed = dict(TEAM)  # new order, a rewritten answer, a new question, one question gone
    changed["python.md"] = (
        "# Python\n\n### What is a closure?\nA function with its free variables.\n\n## Generators\n\n"
        "### What is a decorator?\nA callable that takes a function and returns a new one.\n"
    )
    bank_imports.import_bank("team", changed, reason="test")

    decorator.refresh_from_db()
    assert decorator.answer_md == "A callable that takes a function and returns a new one."
    assert not decorator.retired
    assert interview.items.get().question_id == decorator.pk
    assert ReviewState.objects.get(user=user).question_id == decorator.pk
    yield_.refresh_from_db()
    assert yield_.retired
    join.refresh_from_db()
    assert not join.retired
    assert Bank.objects.get(slug="team").version == bank_imports.bank_version(changed)


def test_loading_one_bank_never_retires_another(db):
    bank_imports.import_bank("team", TEAM, reason="test")
    bank_imports.import_bank("other", {"sql.md": TEAM["sql.md"]}, reason="test")
    assert not any(q.retired for q in team_questions())
    call_command("load_content", stdout=StringIO())
    assert not any(q.retired for q in team_questions())
    assert Question.objects.filter(section__bank__slug=settings.BUNDLED_BANK, retired=False).exists()


def test_the_bundled_bank_loads_as_one_bank_with_its_keys_unprefixed(db):
    call_command("load_content", stdout=StringIO())
    bundled = Bank.objects.get(slug=settings.BUNDLED_BANK)
    parsed = importer.parse_bank(importer.read_sources(settings.QUESTION_BANK_DIR))
    keys = {q.key for f in parsed.files for q in f.questions}
    assert set(Question.objects.filter(section__bank=bundled).values_list("key", flat=True)) == keys
    assert bundled.title == parsed.title
    folders = [slug for slug, _ in bank_imports.folder_banks(settings.BANKS_DIR)]
    assert settings.BUNDLED_BANK in folders and len(folders) == Bank.objects.count()


def test_a_section_made_without_a_bank_is_the_bundled_banks(section):
    assert section.bank.slug == settings.BUNDLED_BANK


def test_a_key_of_another_bank_is_a_clash_not_a_move(db):
    bank_imports.import_bank("team", TEAM, reason="test")
    # A bank named so that its prefixed keys are another bank's keys.
    clash = {"python.md": "# Python\n\n### What is a join?\nIt combines rows.\n"}
    Section.objects.filter(bank__slug="team", parent=None, title="SQL").update(key="x/python")
    with pytest.raises(importer.ContentError, match="another bank"):
        bank_imports.import_bank("x", clash, reason="test")
    assert not Bank.objects.filter(slug="x").exists()


# -- manage.py import_bank --


def write_bank(folder, sources) -> None:
    for path, text in sources.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)


def test_import_bank_dry_run_reports_and_writes_nothing(db, tmp_path):
    write_bank(tmp_path / "team", TEAM)
    out = StringIO()
    call_command("import_bank", str(tmp_path / "team"), dry_run=True, stdout=out)
    assert "python.md" in out.getvalue() and "Dry run: nothing was written" in out.getvalue()
    assert not Bank.objects.exists() and not Question.objects.exists()


def test_import_bank_loads_a_folder_a_zip_or_md_files(db, tmp_path):
    write_bank(tmp_path / "team", TEAM)
    call_command("import_bank", str(tmp_path / "team"), stdout=StringIO())
    assert Bank.objects.get(slug="team").title == "Team questions"
    archive = tmp_path / "more.zip"
    archive.write_bytes(bank_imports.zip_bytes({f"more/{p}": t for p, t in TEAM.items() if p != "bank.toml"}))
    call_command("import_bank", str(archive), stdout=StringIO())
    assert Question.objects.filter(section__bank__slug="more").count() == len(team_questions())
    call_command("import_bank", str(tmp_path / "team" / "sql.md"), slug="sql-only", stdout=StringIO())
    assert Question.objects.filter(section__bank__slug="sql-only").count() == 1


def test_import_bank_refuses_a_hostile_archive_with_its_reason(db, tmp_path):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(bank_imports.zip_bytes({"../escape.md": "# x\n### Why?\nBecause.\n"}))
    with pytest.raises(CommandError, match=r"'\.\.' in a path is refused"):
        call_command("import_bank", str(archive), stdout=StringIO())
    assert not Bank.objects.exists()


# -- picking banks --


@pytest.fixture
def two_banks(db):
    call_command("load_content", stdout=StringIO())
    bank_imports.import_bank("team", TEAM, reason="test")
    return Bank.objects.get(slug=settings.BUNDLED_BANK), Bank.objects.get(slug="team")


def test_an_interview_from_one_bank_asks_only_its_questions(client_in, user, two_banks):
    _, team = two_banks
    form = {"banks": [team.pk], "question_count": 50, "timing": "untimed", "minutes": 3}
    response = client_in.post("/interviews/new/", form)
    interview = MockInterview.objects.get(user=user)
    assert response.status_code == 302
    asked = {item.question.section.bank_id for item in interview.items.select_related("question__section")}
    assert asked == {team.pk}
    assert interview.question_count == len(team_questions())
    assert interview.setup["banks"] == ["team"]


def test_the_setup_page_lists_sections_within_their_bank(client_in, two_banks):
    bundled, team = two_banks
    html = client_in.get("/interviews/new/").content.decode()
    assert f"{team.title} ({len(team_questions())})" in html  # the bank's checkbox
    parts = {}
    for part in html.split('<li class="bank-heading"><strong>')[1:]:
        title, listed = part.split("</strong>", 1)
        parts[title] = listed
    assert set(parts) == set(Bank.objects.exclude(sections=None).values_list("title", flat=True))
    for bank in (bundled, team):
        roots = Section.objects.filter(parent=None, retired=False).exclude(questions=None)
        for root in roots.filter(bank=bank):
            assert f"{root.title} (" in parts[bank.title]
        for root in roots.exclude(bank=bank):
            assert f"> {root.title} (" not in parts[bank.title]


def test_the_question_bank_page_filters_by_bank(client_in, two_banks):
    html = client_in.get("/questions/", {"bank": "team"}).content.decode()
    assert "What is a join?" in html
    bundled_prompt = Question.objects.filter(section__bank__slug=settings.BUNDLED_BANK).first().prompt_html
    assert bundled_prompt not in html
    assert '<optgroup label="Team questions">' in html


def test_the_progress_page_filters_mastery_by_bank(client_in, user, two_banks):
    bundled, team = two_banks
    join = Question.objects.get(prompt_md="What is a join?")
    other = Question.objects.filter(section__bank=bundled).first()
    interview = MockInterview.start(user, [join, other])
    interview.grade(interview.current_item(), Grade.MISSED)
    interview.grade(interview.current_item(), Grade.MISSED)
    everything = client_in.get("/progress/").content.decode()
    assert "SQL" in everything and other.section.title in everything
    only_team = client_in.get("/progress/", {"bank": "team"}).content.decode()
    assert "SQL" in only_team and other.section.title not in only_team
    assert '<option value="team" selected>' in only_team


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_sections_the_bundled_bank():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("quiz", "0006_preferences")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    root = old.get_model("quiz", "Section").objects.create(
        key="python-qna", title="Python QnA", source_path="p"
    )
    old.get_model("quiz", "Section").objects.create(
        key="python-qna/x", title="X", parent=root, source_path="p"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert set(Section.objects.values_list("bank__slug", flat=True)) == {settings.BUNDLED_BANK}
    assert Bank.objects.get().title == "MLE Interview Questions"


def test_the_banks_page_says_when_a_banks_source_and_licence_are_not_recorded(client_in, question):
    page = client_in.get("/banks/").content.decode()
    assert "Not recorded in its bank.toml" in page
