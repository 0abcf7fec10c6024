from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.auth import hash_token, new_token
from accounts.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for a user; prints it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label, e.g. the script's name.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        raw = new_token()
        ApiToken.objects.create(user=user, name=name, token_hash=hash_token(raw))
        self.stdout.write(raw)
        self.stderr.write(f"Send it as: Authorization: Bearer {raw}")
