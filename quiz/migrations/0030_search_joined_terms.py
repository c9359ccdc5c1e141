"""Search: each spelled-out abbreviation a question says ("mean squared error") and each word written with
hyphens ("multi-class") is one more term of its index (quiz.search.index), so a query for it reads the index
alone and "multiclass" finds "multi-class"; questions stored before are indexed again.

PostgreSQL: ``quiz_question_best_prompts`` ranks the questions whose prompt matches through the prompt
vector's GIN index, as ``quiz_question_matches`` (0024) finds the matches: for a common word the planner reads
every row instead (31 ms at 10,000 questions, 7 ms through the index; its cost model does not count testing
each row's vector).
"""

from django.db import migrations

FORWARD = [
    """CREATE FUNCTION quiz_question_best_prompts(query tsquery, n integer) RETURNS SETOF bigint
        LANGUAGE sql STABLE SET enable_seqscan = off
        AS $$ SELECT id FROM quiz_question WHERE search_prompt_vector @@ query
              ORDER BY ts_rank(search_prompt_vector, query) DESC, id LIMIT n $$""",
]
BACKWARD = ["DROP FUNCTION IF EXISTS quiz_question_best_prompts(tsquery, integer)"]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


def reindex(apps, schema_editor):
    # The analyser is the app's (quiz.search.index), so stored questions are indexed exactly as new ones are.
    from quiz.search.index import search_fields

    Question = apps.get_model("quiz", "Question")
    for row in Question.objects.only("pk", "prompt_md", "answer_md", "group_title").iterator(chunk_size=500):
        fields = search_fields(row.prompt_md, row.answer_md, row.group_title)
        Question.objects.filter(pk=row.pk).update(**fields)


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0029_bank_upload_excluded"),
    ]

    operations = [
        migrations.RunPython(run(FORWARD), run(BACKWARD)),
        # Backwards the added terms stay: they only ever add matches the query asked for.
        migrations.RunPython(reindex, migrations.RunPython.noop),
    ]
