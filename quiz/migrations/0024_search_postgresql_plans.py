"""Search on PostgreSQL at 10,000 questions: a prompt-only tsvector, and the matches found through the index.

A common word matches half the bank; the planner then reads every row and tests each (detoasted, ~7 kB)
search_vector, 80-130 ms, where the GIN index gives the same ids in 12-15 ms: its cost model does not count the
detoasting. ``quiz_question_matches`` runs that one query with sequential scans off (a function's own SET, so
no other query is affected). Ranking by the prompt alone reads the small prompt vector, not the whole one.
SQLite needs neither: FTS5 always answers from its own index.
"""

from django.db import migrations

FORWARD = [
    """ALTER TABLE quiz_question ADD COLUMN search_prompt_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', search_prompt)) STORED""",
    "CREATE INDEX quiz_question_search_prompt_vector ON quiz_question USING gin (search_prompt_vector)",
    """CREATE FUNCTION quiz_question_matches(query tsquery) RETURNS SETOF bigint
        LANGUAGE sql STABLE SET enable_seqscan = off
        AS $$ SELECT id FROM quiz_question WHERE search_vector @@ query $$""",
]
BACKWARD = [
    "DROP FUNCTION IF EXISTS quiz_question_matches(tsquery)",
    "DROP INDEX IF EXISTS quiz_question_search_prompt_vector",
    "ALTER TABLE quiz_question DROP COLUMN IF EXISTS search_prompt_vector",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0023_flag_outcome_seen_at"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
