"""Search on PostgreSQL: question rows narrow enough that finding a common word's matches reads few pages.

A match through a GIN index still reads each matching row's heap page for its id. With the texts inline, ten
thousand questions fill ~2,000 pages, five rows to a page, and "model" (8,000 matches) reads all of them. Moving
long values out of line down to 128 bytes a row (the prompt's small vector stays in the row: the prompts'
ranking reads it for every prompt that matches) leaves ~500 pages: the matches of the slowest labelled queries
in ~7 ms instead of ~11. Rows written from now on are stored so; VACUUM FULL rewrites the rows already there.
SQLite keeps its own FTS5 index apart from the rows already.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE quiz_question SET (toast_tuple_target = 128)",
    "ALTER TABLE quiz_question ALTER COLUMN search_prompt_vector SET STORAGE MAIN",
    "VACUUM FULL quiz_question",
]
BACKWARD = [
    "ALTER TABLE quiz_question RESET (toast_tuple_target)",
    "ALTER TABLE quiz_question ALTER COLUMN search_prompt_vector SET STORAGE EXTENDED",
    "VACUUM FULL quiz_question",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    # VACUUM cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("quiz", "0033_peer_notes_version"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
