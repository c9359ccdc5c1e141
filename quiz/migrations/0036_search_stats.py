"""How many active questions the search vocabulary was counted over, so search knows which words are too
common to find a question by (quiz.search.query.COMMON). Filled here from the stored questions, then kept by
``rebuild_vocabulary`` (load_content and every bank import)."""

from django.db import migrations, models


def count(apps, schema_editor):
    Question = apps.get_model("quiz", "Question")
    SearchStats = apps.get_model("quiz", "SearchStats")
    SearchStats.objects.create(pk=1, questions=Question.objects.filter(retired=False).count())


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0035_search_vocabulary_abbreviations_and_word_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchStats",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("questions", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name_plural": "search stats",
            },
        ),
        migrations.RunPython(count, migrations.RunPython.noop),
    ]
