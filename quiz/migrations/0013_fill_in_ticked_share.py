from django.db import migrations


def share_of_ticks(apps, schema_editor):
    """Items graded before the share was stored: the share of their key points ticked."""
    InterviewItem = apps.get_model("quiz", "InterviewItem")
    batch = []
    for item in (
        InterviewItem.objects.filter(grade__isnull=False)
        .exclude(ticks=[])
        .only("ticks")
        .iterator(chunk_size=2000)
    ):
        item.ticked_share = sum(item.ticks) / len(item.ticks)
        batch.append(item)
        if len(batch) == 2000:
            InterviewItem.objects.bulk_update(batch, ["ticked_share"])
            batch = []
    InterviewItem.objects.bulk_update(batch, ["ticked_share"])


class Migration(migrations.Migration):
    # A migration of its own, as 0011: on PostgreSQL filled-in rows may not share a transaction with the
    # schema change that adds their column.
    dependencies = [("quiz", "0012_interviewitem_ticked_share")]

    operations = [migrations.RunPython(share_of_ticks, migrations.RunPython.noop)]
