"""The "Reviewers" group: triage flags in the review queue and edit reference answers.

Permissions are normally created after migrate runs (post_migrate), so on a fresh database the two this
group needs are created here, the same way Django would create them.
"""

from django.db import migrations

GROUP = "Reviewers"
PERMISSIONS = [
    ("flag", "triage_flag", "Can triage flags in the review queue"),
    ("question", "change_question", "Can change question"),
]


def add_reviewers(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model, codename, name in PERMISSIONS:
        content_type, _ = ContentType.objects.get_or_create(app_label="quiz", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def remove_reviewers(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0003_question_answer_changed_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_reviewers, remove_reviewers)]
