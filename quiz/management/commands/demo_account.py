import secrets

from axes.utils import reset as reset_lockouts
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse

USERNAME = "demo"


class Command(BaseCommand):
    help = "Create the 'demo' user, or reset it, with a fresh password, and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1:8000", help="Where the site runs, for the printed sign-in link."
        )

    def handle(self, *args, host: str, **options):
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=USERNAME)
        user.set_password(password)
        # The password is printed to a console: the account never gets admin rights.
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        user.save()
        reset_lockouts(username=USERNAME)
        login_url = f"http://{host}{reverse('login')}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo account: username {USERNAME}, password {password} — sign in at {login_url}"
            )
        )
        self.stdout.write(
            "To use the admin, create your own account: .venv/bin/python manage.py createsuperuser"
        )
