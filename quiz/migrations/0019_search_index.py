"""Search: each question's prompt and answer as search terms, the databases' full-text indexes over them, and
the vocabulary behind "did you mean" (quiz.search)."""

from django.db import migrations, models

# SQLite: an FTS5 table over the two columns, kept in step by triggers (so bulk writes and loaddata are indexed
# too). unicode61 alone: the terms are already analysed, so the tokeniser must not stem or split them further.
SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE quiz_question_fts USING fts5(
        search_prompt, search_answer, content='quiz_question', content_rowid='id', tokenize='unicode61')""",
    # The rows already there (filled above), indexed once: an external-content index must hold exactly the
    # table's rows before the triggers below delete from it, or it is corrupt.
    "INSERT INTO quiz_question_fts(quiz_question_fts) VALUES ('rebuild')",
    """CREATE TRIGGER quiz_question_fts_insert AFTER INSERT ON quiz_question BEGIN
        INSERT INTO quiz_question_fts(rowid, search_prompt, search_answer)
        VALUES (new.id, new.search_prompt, new.search_answer);
    END""",
    """CREATE TRIGGER quiz_question_fts_delete AFTER DELETE ON quiz_question BEGIN
        INSERT INTO quiz_question_fts(quiz_question_fts, rowid, search_prompt, search_answer)
        VALUES ('delete', old.id, old.search_prompt, old.search_answer);
    END""",
    """CREATE TRIGGER quiz_question_fts_update AFTER UPDATE OF search_prompt, search_answer ON quiz_question
    BEGIN
        INSERT INTO quiz_question_fts(quiz_question_fts, rowid, search_prompt, search_answer)
        VALUES ('delete', old.id, old.search_prompt, old.search_answer);
        INSERT INTO quiz_question_fts(rowid, search_prompt, search_answer)
        VALUES (new.id, new.search_prompt, new.search_answer);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS quiz_question_fts_update",
    "DROP TRIGGER IF EXISTS quiz_question_fts_delete",
    "DROP TRIGGER IF EXISTS quiz_question_fts_insert",
    "DROP TABLE IF EXISTS quiz_question_fts",
]
# PostgreSQL: a generated tsvector (the prompt weighs A, the answer B) with a GIN index. 'simple' only
# lower-cases: the terms are already analysed.
POSTGRESQL_FORWARD = [
    """ALTER TABLE quiz_question ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', search_prompt), 'A') || setweight(to_tsvector('simple', search_answer), 'B')
    ) STORED""",
    "CREATE INDEX quiz_question_search_vector ON quiz_question USING gin (search_vector)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS quiz_question_search_vector",
    "ALTER TABLE quiz_question DROP COLUMN IF EXISTS search_vector",
]


def full_text_index(apps, schema_editor, forward=True):
    vendor = schema_editor.connection.vendor
    statements = {
        ("sqlite", True): SQLITE_FORWARD,
        ("sqlite", False): SQLITE_BACKWARD,
        ("postgresql", True): POSTGRESQL_FORWARD,
        ("postgresql", False): POSTGRESQL_BACKWARD,
    }.get((vendor, forward), [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_full_text_index(apps, schema_editor):
    full_text_index(apps, schema_editor, forward=False)


def fill(apps, schema_editor):
    # The analyser is the app's (quiz.search.analysis), so questions stored before this migration are indexed
    # exactly as new ones will be.
    from quiz.search.index import search_fields

    Question = apps.get_model("quiz", "Question")
    for row in Question.objects.only("pk", "prompt_md", "answer_md", "group_title").iterator(chunk_size=500):
        Question.objects.filter(pk=row.pk).update(
            **search_fields(row.prompt_md, row.answer_md, row.group_title)
        )


def fill_vocabulary(apps, schema_editor):
    from quiz.search.index import vocabulary_rows

    Question = apps.get_model("quiz", "Question")
    SearchTerm = apps.get_model("quiz", "SearchTerm")
    rows = Question.objects.filter(retired=False).values_list("group_title", "prompt_md", "answer_md")
    SearchTerm.objects.bulk_create(
        (SearchTerm(term=t, word=w, questions=n) for t, w, n in vocabulary_rows(rows)), batch_size=2000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0018_interviewitem_marked"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("term", models.CharField(max_length=100, unique=True)),
                ("word", models.CharField(max_length=100)),
                ("questions", models.PositiveIntegerField()),
            ],
        ),
        migrations.AddField(
            model_name="question",
            name="search_answer",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="question",
            name="search_prompt",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddIndex(
            model_name="question",
            index=models.Index(condition=models.Q(retired=True), fields=["id"], name="question_retired"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(full_text_index, drop_full_text_index),
        migrations.RunPython(fill_vocabulary, migrations.RunPython.noop),
    ]
