import getpass
import os

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.roles import make_curator


class Command(BaseCommand):
    help = (
        "Create a curator (or give an existing user the curator role): member of the 'curators' group, staff "
        "status for the admin. The password comes from --password, else $KB_CURATOR_PASSWORD, else a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None, help="Prefer $KB_CURATOR_PASSWORD: options show in `ps`.")
        parser.add_argument("--no-input", action="store_true", help="Never prompt; fail when no password is given.")

    def handle(self, *args, username, email, password, no_input, **options):
        user = User.objects.filter(username=username).first()
        password = password or os.environ.get("KB_CURATOR_PASSWORD") or None
        if user is None and password is None:
            if no_input:
                raise CommandError("No password: pass --password or set KB_CURATOR_PASSWORD.")
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        candidate = user or User(username=username, email=email)
        if password is not None:
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            if user is None:
                user = User.objects.create_user(username, email, password)
                action = "Created curator"
            else:
                if email:
                    user.email = email
                if password is not None:
                    user.set_password(password)
                user.save()
                action = "Gave the curator role to existing user"
            make_curator(user)
        self.stdout.write(self.style.SUCCESS(f"{action} {username!r}."))
