from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.models import AgentPermissions, ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "created_at", "last_used_at"]
    readonly_fields = ["token_hash", "created_at", "last_used_at"]


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
