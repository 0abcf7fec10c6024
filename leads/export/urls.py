from django.urls import path

from leads.export import disposition_views, views

urlpatterns = [
    path("leads/export/", views.export_page, name="lead-export-page"),
    path("leads/export.csv", views.export_csv, name="lead-export"),
    path("api/leads/export.csv", views.api_export_csv, name="api-lead-export"),
    path("api/leads/export/preview", views.api_export_preview, name="api-lead-export-preview"),
    path("leads/dispositions/", disposition_views.dispositions_page, name="dispositions"),
    path("api/dispositions", disposition_views.api_dispositions, name="api-dispositions"),
]
