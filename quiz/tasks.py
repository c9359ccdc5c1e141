"""Work that runs in the background worker (`manage.py db_worker`, started by `make run` and `make serve`)."""

from django.tasks import task

from quiz import bank_imports
from quiz.models import BankUpload


@task
def import_upload(upload_id: int) -> str:
    """Import a checked upload; its row tells the upload page how far the import got. A worker that starts
    work first fails the imports whose worker died, so their pages offer a retry."""
    BankUpload.objects.fail_abandoned()
    return bank_imports.run_import(BankUpload.objects.get(pk=upload_id))
