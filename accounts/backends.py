"""How a logged-in user is read: Django's model backend, with the user's permissions.

Every page reads the session's user, and nearly every page then asks what that user may do
(the navigation shows only what is allowed). `PermissionsModelBackend` reads both in one
query, as the bearer token's lookup does for the API (accounts.auth), and keeps the answers
for the rest of the request (accounts.permissions).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.permissions import PERMISSIONS_RELATION, remember_permissions


class PermissionsModelBackend(ModelBackend):
    """Logs in as ModelBackend does; the session's user comes with its permissions."""

    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()._default_manager.select_related(PERMISSIONS_RELATION)
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        remember_permissions(user)
        return user
