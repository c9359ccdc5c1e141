"""Search: each spelled-out abbreviation a question says ("mean squared error") and each word written with
hyphens ("multi-class") is one more term of its index (quiz.search.index), so a query for it reads the index
alone and "multiclass" finds "multi-class"; questions stored before are indexed again."""

from django.db import migrations


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

    # Backwards the added terms stay: they only ever add matches the query asked for.
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
