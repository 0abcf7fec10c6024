"""Who may call the API: per-user bearer tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Neither revoked nor expired, for an active user."""
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
            revoked_at__isnull=True,
            user__is_active=True,
        )


class ApiToken(models.Model):
    """A per-user token for scripts: `Authorization: Bearer <token>` on `/api/` only (never
    admin or the pages). Only a hash is kept. It stops working once revoked or expired."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        db_table = "leads_apitoken"  # the table predates the accounts app

    def __str__(self) -> str:
        return f"{self.user} {self.name}".strip()


class AgentPermissions(models.Model):
    """What an agent may do that costs money or takes data out. A user without a row may do
    everything: a new agent works until an admin says otherwise."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_permissions"
    )
    may_search_attom = models.BooleanField("may search ATTOM", default=True)
    may_skip_trace = models.BooleanField("may skip trace", default=True)
    may_export = models.BooleanField("may export", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "agent permissions"
        verbose_name_plural = "agent permissions"

    def __str__(self) -> str:
        return f"permissions of {self.user}"
