from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.models import AgentPermissions, ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["token_hash", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens (they stop working at once)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} token{pluralize(count)}.", messages.SUCCESS)


@admin.register(AgentPermissions)
class AgentPermissionsAdmin(admin.ModelAdmin):
    list_display = ["user", "may_search_attom", "may_skip_trace", "may_export", "updated_at"]
    list_editable = ["may_search_attom", "may_skip_trace", "may_export"]
    list_select_related = ["user"]
    search_fields = ["user__username"]


class AgentPermissionsInline(admin.StackedInline):
    model = AgentPermissions
    can_delete = False
    verbose_name_plural = "permissions (a user without a row may do everything)"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class TeamUserAdmin(UserAdmin):
    """Django's user admin with each agent's permissions beside the account."""

    inlines = [*UserAdmin.inlines, AgentPermissionsInline]
