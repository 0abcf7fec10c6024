from __future__ import annotations

from django.contrib import admin

from leads.models import (
    DispositionImport,
    DispositionRule,
    DoNotCall,
    Email,
    ExportRecord,
    Lead,
    Phone,
    WrongNumber,
)
from leads.skiptrace.compliance import do_not_call_entry_removed, do_not_call_entry_saved


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0


class EmailInline(admin.TabularInline):
    model = Email
    extra = 0


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "street",
        "unit",
        "city",
        "state",
        "zip_code",
        "owner_name",
        "temperature_tag",
        "ai_score",
        "stage",
        "contactable",
        "dnc_flag",
        "sandbox",
    ]
    list_filter = ["stage", "temperature_tag", "contactable", "dnc_flag", "source", "sandbox"]
    search_fields = ["street", "owner_name", "zip_code", "city", "attom_id"]
    inlines = [PhoneInline, EmailInline]


@admin.register(DoNotCall)
class DoNotCallAdmin(admin.ModelAdmin):
    """Entries are normalised to E.164 by the model's clean() and unique; saving one marks
    the stored phones (and owners) at once, deleting one lets them be called again."""

    list_display = ["number", "normalized_owner", "reason", "created_by", "created_at"]
    search_fields = ["number", "normalized_owner"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        do_not_call_entry_saved(obj, user_id=request.user.pk)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        do_not_call_entry_removed(obj)

    def delete_queryset(self, request, queryset) -> None:
        entries = list(queryset)
        super().delete_queryset(request, queryset)
        for entry in entries:
            do_not_call_entry_removed(entry)


@admin.register(DispositionRule)
class DispositionRuleAdmin(admin.ModelAdmin):
    """What each dialer disposition label does; labels without a rule only record the call."""

    list_display = ["label", "action", "right_party"]
    list_editable = ["action", "right_party"]
    search_fields = ["label"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DispositionImport)
class DispositionImportAdmin(ReadOnly):
    list_display = ["created_at", "file_name", "preset", "user", "rows", "matched"]
    list_select_related = ["user"]


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnly):
    list_display = ["created_at", "user", "preset", "scrub", "rows", "leads", "scrubbed_numbers"]
    list_filter = ["preset", "scrub"]
    list_select_related = ["user"]


@admin.register(WrongNumber)
class WrongNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "lead", "reason", "created_by", "created_at"]
    search_fields = ["number"]
    raw_id_fields = ["lead"]
