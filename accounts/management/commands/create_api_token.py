from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.auth import hash_token, new_token
from accounts.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for a user; prints it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label, e.g. the script's name.")
        parser.add_argument(
            "--days", type=int, default=None, help="Expire after this many days (default: never)."
        )

    def handle(self, *args, username: str, name: str, days: int | None, **options) -> None:
        if days is not None and not 0 < days <= 3650:
            raise CommandError("--days must be 1 to 3650")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        raw = new_token()
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        ApiToken.objects.create(
            user=user, name=name, token_hash=hash_token(raw), expires_at=expires_at
        )
        self.stdout.write(raw)
        self.stderr.write(f"Send it as: Authorization: Bearer {raw}")
