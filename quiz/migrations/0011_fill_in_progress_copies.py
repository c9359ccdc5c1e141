from datetime import UTC

from django.db import migrations, models
from django.db.models.functions import TruncDate


def copy_user_section_and_day(apps, schema_editor):
    """Items that predate the copies: their interview's user, their question's section, the UTC day."""
    InterviewItem = apps.get_model("quiz", "InterviewItem")
    MockInterview = apps.get_model("quiz", "MockInterview")
    Question = apps.get_model("quiz", "Question")
    owner = MockInterview.objects.filter(pk=models.OuterRef("interview_id")).values("user_id")[:1]
    section = Question.objects.filter(pk=models.OuterRef("question_id")).values("section_id")[:1]
    InterviewItem.objects.update(user_id=models.Subquery(owner), section_id=models.Subquery(section))
    InterviewItem.objects.filter(done_at__isnull=False).update(done_day=TruncDate("done_at", tzinfo=UTC))


class Migration(migrations.Migration):
    # A migration of its own: on PostgreSQL the rows it fills in may not share a transaction with the
    # schema change that adds their columns ("pending trigger events").
    dependencies = [("quiz", "0010_interviewitem_progress_copies")]

    operations = [migrations.RunPython(copy_user_section_and_day, migrations.RunPython.noop)]
