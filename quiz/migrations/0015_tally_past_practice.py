from django.db import migrations, models
from django.db.models.functions import Coalesce


def tally_past_practice(apps, schema_editor=None, users=None):
    """Every question closed before PracticeDay existed, added to its user's tallies: one GROUP BY over the
    items, written in batches. ``users`` narrows it (the benchmark seeds one user this way)."""
    InterviewItem = apps.get_model("quiz", "InterviewItem")
    PracticeDay = apps.get_model("quiz", "PracticeDay")
    items = InterviewItem.objects.filter(done_day__isnull=False, user__isnull=False)
    if users is not None:
        items = items.filter(user__in=users)
    rows = (
        items.annotate(tally_grade=Coalesce("grade", 0))
        .values("user", "done_day", "section", "tally_grade")
        .annotate(
            done=models.Count("*"),
            ticked=models.Count("ticked_share"),
            ticked_share_total=Coalesce(models.Sum("ticked_share"), 0.0),
        )
        .order_by()
    )
    PracticeDay.objects.bulk_create(
        (
            PracticeDay(
                user_id=row["user"],
                day=row["done_day"],
                section_id=row["section"],
                grade=row["tally_grade"],
                done=row["done"],
                ticked=row["ticked"],
                ticked_share_total=row["ticked_share_total"],
            )
            for row in rows.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    # A migration of its own, as 0011 and 0013: on PostgreSQL filled-in rows may not share a transaction
    # with the schema change that adds their table.
    dependencies = [("quiz", "0014_practiceday")]

    operations = [migrations.RunPython(tally_past_practice, migrations.RunPython.noop)]
