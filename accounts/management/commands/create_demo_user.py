from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

# Local demo logins, printed on purpose: an admin and an ordinary agent.
DEMO_USERS = [("demo", "leadflow-demo", True), ("agent", "leadflow-agent", False)]


class Command(BaseCommand):
    help = "Create (or reset) the local demo logins and print them."

    def handle(self, *args, **options) -> None:
        for username, password, is_admin in DEMO_USERS:
            user, _ = get_user_model().objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = is_admin
            user.set_password(password)
            user.save()
            role = "admin" if is_admin else "agent"
            self.stdout.write(f"Demo login ({role}): {username} / {password}")
