from __future__ import annotations

from django.contrib import admin

from leads.models import DoNotCall, Email, Lead, Phone


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
    list_display = ["number", "normalized_owner", "reason", "created_by", "created_at"]
    search_fields = ["number", "normalized_owner"]
