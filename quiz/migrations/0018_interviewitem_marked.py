from django.db import migrations


class Migration(migrations.Migration):
    """An item set aside for later is "marked"; "flag" means only a report that a reference answer is wrong."""

    dependencies = [
        ("quiz", "0017_index_a_users_answers_to_a_question"),
    ]

    operations = [
        migrations.RenameField(model_name="interviewitem", old_name="flagged", new_name="marked"),
    ]
